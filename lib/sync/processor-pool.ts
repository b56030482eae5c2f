/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping result order. Used for the
 * store's single-item conditional writes (pair claims and commits, event marks): DynamoDB has no
 * batch conditional write, and an unbounded fan-out of 200 puts would trip its per-partition and
 * the SDK's socket limits.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Settles a promise into a value-or-error pair, so one failure never hides the others' outcomes. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
