import { describe, expect, it } from 'vitest';
import { progressLine } from '../../lib/cli/progress-line.ts';

/** A stream that records what was written, as a terminal or as a pipe. */
function stream(isTTY: boolean) {
  let text = '';
  return {
    isTTY,
    write: (chunk: string) => {
      text += chunk;
    },
    text: () => text,
  };
}

describe('progress of a long job (resync, import) on a terminal and in a log', () => {
  it('not a terminal: one line per change, no \\r, an unchanged figure printed once', () => {
    const out = stream(false);
    const line = progressLine(out);
    line.show('Contact', 'import Contact: 100 read');
    line.show('Contact', 'import Contact: 100 read');
    line.show('Contact', 'import Contact: 120 read');
    line.show('Lead', 'import Lead: 40 read');
    line.end();
    expect(out.text()).toBe('import Contact: 100 read\nimport Contact: 120 read\nimport Lead: 40 read\n');
  });

  it('a terminal: redraws a step in place (padding over longer text) and starts a new line for the next step', () => {
    const out = stream(true);
    const line = progressLine(out);
    line.show('resync', 'resync: 10 of 87 queued');
    line.show('resync', 'resync: 87 of 87');
    line.show('next', 'next step');
    line.end();
    expect(out.text()).toBe('resync: 10 of 87 queued' + '\rresync: 87 of 87       ' + '\nnext step' + '\n');
  });
});
