import { describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.ts';

/** Runs `crmsync <argv>` in this process and captures what it prints on stderr. */
async function stderrOf(argv: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
  try {
    return { code: await main(argv), stderr: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('a mistyped option is explained, not a stack trace', () => {
  it('names the unknown option and where the options are listed (exit 2)', async () => {
    const { code, stderr } = await stderrOf(['resync', '--foo']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^crmsync resync: Unknown option '--foo'.*`crmsync resync --help` lists the options\.$/s,
    );
  });

  it('names an option given without its value', async () => {
    const { code, stderr } = await stderrOf(['status', '--url']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "crmsync status: Option '--url <value>' argument missing. `crmsync status --help` lists the options.",
    );
  });
});
