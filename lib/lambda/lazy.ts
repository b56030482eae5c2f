/**
 * Builds a value once per container (cold start) on first use; concurrent first calls share the
 * one build. A failed build is not remembered, so the next invocation tries again instead of the
 * container staying broken until it is recycled.
 */
export function lazyOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const attempt = build();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
