import { Prng } from '../common/prng.ts';
import type { Fault } from './options.ts';

/** Active injected faults, consulted per request and per webhook event. */
export class FaultState {
  #faults: Fault[] = [];
  #rng = new Prng(7);
  #storm = new Map<Fault, number>();
  #dropCount = new Map<Fault, number>();

  /** Add a fault. */
  add(fault: Fault): void {
    this.#faults.push(fault);
    if ('seed' in fault && fault.seed !== undefined) this.#rng = new Prng(fault.seed);
    if (fault.kind === '429-storm') this.#storm.set(fault, fault.count);
    if (fault.kind === 'drop-webhooks' && fault.count !== undefined) this.#dropCount.set(fault, fault.count);
  }

  /** Remove all faults. */
  clear(): void {
    this.#faults = [];
    this.#storm.clear();
    this.#dropCount.clear();
  }

  /** Active faults (for the control API). */
  list(): Fault[] {
    return [...this.#faults];
  }

  #applies(f: { pathPrefix?: string }, path: string): boolean {
    return f.pathPrefix === undefined || path.startsWith(f.pathPrefix);
  }

  /** Extra latency for a request path. */
  latencyMs(path: string): number {
    let ms = 0;
    for (const f of this.#faults) if (f.kind === 'latency' && this.#applies(f, path)) ms += f.ms;
    return ms;
  }

  /** A 429 policy to answer with, consuming one storm response. */
  storm(path: string): 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY' | undefined {
    for (const f of this.#faults) {
      if (f.kind !== '429-storm' || !this.#applies(f, path)) continue;
      const left = this.#storm.get(f) ?? 0;
      if (left <= 0) continue;
      this.#storm.set(f, left - 1);
      return f.policyName ?? 'TEN_SECONDLY_ROLLING';
    }
    return undefined;
  }

  /** A 5xx status to answer with, if the error-rate fault fires. */
  errorStatus(path: string): number | undefined {
    for (const f of this.#faults) {
      if (f.kind === 'error-rate' && this.#applies(f, path) && this.#rng.chance(f.rate))
        return f.status ?? 502;
    }
    return undefined;
  }

  /** Whether to drop one webhook event. */
  shouldDrop(): boolean {
    for (const f of this.#faults) {
      if (f.kind !== 'drop-webhooks') continue;
      if (f.count !== undefined) {
        const left = this.#dropCount.get(f) ?? 0;
        if (left > 0) {
          this.#dropCount.set(f, left - 1);
          return true;
        }
        continue;
      }
      if (this.#rng.chance(f.rate ?? 1)) return true;
    }
    return false;
  }
}
