import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseChromium, DEBIAN_CHROMIUM, extractPackagedChromium } from './chromium.ts';

/**
 * `npm test` on a machine with only Node.js and npm: the browser test finds a Chromium without a
 * system package and without downloading anything at test time.
 */

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('the browser test finds a Chromium on a fresh machine', () => {
  it('uses CHROMIUM_PATH first, then Debian’s chromium, then the packaged one', () => {
    const all = () => true;
    expect(chooseChromium({ CHROMIUM_PATH: '/opt/chrome/chrome' }, all)).toEqual({
      source: 'CHROMIUM_PATH',
      executablePath: '/opt/chrome/chrome',
    });
    expect(chooseChromium({}, all)).toEqual({ source: 'debian', executablePath: DEBIAN_CHROMIUM });
    expect(chooseChromium({}, () => false)).toEqual({ source: 'packaged', executablePath: null });
  });

  it('says what to do when CHROMIUM_PATH names no executable, instead of falling back silently', () => {
    expect(() => chooseChromium({ CHROMIUM_PATH: '/nowhere/chromium' }, () => false)).toThrow(
      /CHROMIUM_PATH is \/nowhere\/chromium, which is not an executable file: point it at a Chromium binary/,
    );
  });

  it('.ci/run installs no system package and runs the README’s test command', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(commands.join('\n')).not.toMatch(/apt-get|apt |dnf |yum |brew /);
    expect(commands).toContain('npm ci --engine-strict --no-audit --no-fund');
    expect(commands.at(-1)).toBe('npm test');
    expect(readme).toMatch(/^npm test +# every test/m);
  });

  it('extracts the Chromium shipped in the npm package into a clean folder, reuses it, and it renders a page', async () => {
    const root = await mkdtemp(join(tmpdir(), 'crmsync-chromium-test-'));
    roots.push(root);
    const executablePath = await extractPackagedChromium(root);
    expect(executablePath.startsWith(join(root, 'crmsync-chromium-'))).toBe(true);
    const extractedAt = (await stat(executablePath)).mtimeMs;
    // A second call finds the complete copy and extracts nothing.
    expect(await extractPackagedChromium(root)).toBe(executablePath);
    expect((await stat(executablePath)).mtimeMs).toBe(extractedAt);

    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
    try {
      const page = await browser.newPage();
      await page.setContent(
        '<p id="out"></p><script>document.getElementById("out").textContent = 6 * 7</script>',
      );
      expect(await page.locator('#out').textContent()).toBe('42');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
