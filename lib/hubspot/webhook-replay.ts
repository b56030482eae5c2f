import { MAX_FUTURE_SKEW_MS, MAX_SIGNATURE_AGE_MS } from './webhook-signature.ts';

/**
 * Replay guard for signed HubSpot requests: an accepted (signature, timestamp) is remembered for
 * as long as its timestamp is inside the signature window, so the same signed request replayed
 * within the window is refused. Outside the window the timestamp check refuses it anyway.
 *
 * In memory, per container: a replay to another Lambda container gets through, and is then a
 * duplicate the processor's event-id idempotency absorbs (the durable layer). Bounded (LRU) so
 * a flood cannot exhaust memory; eviction only weakens the guard, never loses an event.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  /**
   * Records a signature; false when it was already seen within the window (a replay).
   * `timestamp` is the request's signed timestamp, `now` our clock.
   */
  remember(signature: string, timestamp: number, now: number): boolean {
    this.#evictExpired(now);
    const key = `${timestamp}:${signature}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, timestamp + MAX_SIGNATURE_AGE_MS + MAX_FUTURE_SKEW_MS);
    while (this.#seen.size > this.maxEntries) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
    return true;
  }

  /** Forgets a signature, e.g. when the request could not be queued and HubSpot must retry it. */
  forget(signature: string, timestamp: number): void {
    this.#seen.delete(`${timestamp}:${signature}`);
  }

  get size(): number {
    return this.#seen.size;
  }

  #evictExpired(now: number): void {
    // Insertion order is roughly timestamp order; stop at the first live entry.
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(key);
    }
  }
}
