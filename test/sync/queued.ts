export { takeQueued } from '../support/queued-notices.ts';

/** A clock a test moves by hand, shared by the sandboxes and crmsync (no wall-clock assertions). */
export function manualClock(start: number): { now: () => number; advance(ms: number): number } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
      return t;
    },
  };
}
