import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEV_OPTIONS, HELP, startBanner } from '../../lib/cli/commands/dev.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's table of `crmsync dev` options: from its heading line to the first blank line after the table. */
function devOptionsTable(): string {
  const start = README.indexOf('`crmsync dev` options');
  expect(start, 'README.md has a "`crmsync dev` options" table').toBeGreaterThan(0);
  return README.slice(start, README.indexOf('\n\n', README.indexOf('| option |', start)));
}

describe('crmsync dev: documented options and an honest start banner', () => {
  it.each(Object.keys(DEV_OPTIONS))(
    '--%s is in `crmsync dev --help` and in the README’s dev options table',
    (name) => {
      expect(HELP).toContain(`--${name}`);
      expect(devOptionsTable()).toContain(`\`--${name}`);
    },
  );

  it('says its time is counted from the start of its own process, not "ready in" as if from the command', () => {
    const banner = startBanner({
      mode: 'sandbox',
      url: 'http://127.0.0.1:3100',
      urls: { hubspot: 'http://127.0.0.1:4101', salesforce: 'http://127.0.0.1:4102' },
      salesforceOutboundUrl: 'http://127.0.0.1:3100/webhooks/salesforce/Tq3v9Le7Zr1Lx8Wm2Np5Ys4Hb6Jc0Dg',
      firstRun: true,
      dataDir: '.crmsync',
      uptimeSeconds: 7.44,
    });
    expect(banner).toContain('crmsync is running (sandboxes), ready 7.4 s after its process started');
    expect(banner).not.toContain('ready in');
    expect(banner).toContain('status       npx crmsync status --url http://127.0.0.1:3100');
    expect(banner).toContain(
      'outbound     http://127.0.0.1:3100/webhooks/salesforce/Tq3v9Le7Zr1Lx8Wm2Np5Ys4Hb6Jc0Dg',
    );
  });
});
