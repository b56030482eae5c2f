import type { Log } from '../observability/observability.ts';

const ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;
export type LogLevel = keyof typeof ORDER;

/**
 * A `Log` for the terminal running `crmsync dev`: one line per entry, `level message key=value ...`.
 * Context never carries emails or tokens (docs/design.md#structured-logs), so it is printed as is.
 */
export function consoleLog(
  level: LogLevel = 'warn',
  write: (line: string) => void = (l) => console.error(l),
): Log {
  const emit =
    (at: LogLevel) =>
    (message: string, ...extra: (Record<string, unknown> | Error)[]) => {
      if (ORDER[at] < ORDER[level]) return;
      const context = extra
        .map((e) => (e instanceof Error ? `error=${JSON.stringify(e.message)}` : renderContext(e)))
        .filter(Boolean)
        .join(' ');
      write(
        `${new Date().toISOString().slice(11, 19)} ${at.padEnd(5)} ${message}${context ? ` ${context}` : ''}`,
      );
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function renderContext(context: Record<string, unknown>): string {
  return Object.entries(context)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
