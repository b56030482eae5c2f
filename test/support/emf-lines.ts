import { vi } from 'vitest';

/** One CloudWatch Embedded Metric Format line as Powertools prints it. */
export type EmfLine = Record<string, unknown> & {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
};

/**
 * Runs `fn` with stdout captured (and kept off the test output) and returns what it printed as EMF
 * lines: what CloudWatch would turn into metrics. Log lines (no `_aws`) are dropped.
 */
export async function captureEmf<T>(fn: () => T | Promise<T>): Promise<{ result: T; emf: EmfLine[] }> {
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    const result = await fn();
    const emf = printed
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfLine);
    return { result, emf };
  } finally {
    write.mockRestore();
  }
}

/** The `ApiBudgetUsedPercent` values among EMF lines, by their `crm` dimension. */
export function apiBudgetPercents(emf: EmfLine[]): Record<string, number> {
  return Object.fromEntries(
    emf
      .filter((line) => typeof line['ApiBudgetUsedPercent'] === 'number')
      .map((line) => [String(line['crm']), line['ApiBudgetUsedPercent'] as number]),
  );
}
