import type { Harness } from './harness.ts';
import type { History } from './history.ts';
import { FIELDS } from './steps.ts';

/** A step as it was played: when it started (epoch ms) and what it was. */
export interface StepMark {
  at: number;
  step: string;
}

/**
 * The step log of one played history, one line per event in time order (epoch ms first): each step as
 * it started, each user's write of a tracked field, each processor invocation, each write crmsync made
 * (from the CRMs' own change feeds, with the values the feed carries), and every decision the store
 * recorded for the history's records — `received` (the notices a batch took), `linked`, `synced`,
 * `noop`, `skipped`, with their details. That is what each batch read, decided and wrote, which a
 * failure that does not fail again on replay (a timing seed) cannot otherwise show
 * (docs/reliability.md "Long run", `--traces`).
 */
export async function traceLog(h: Harness, history: History, marks: StepMark[]): Promise<string[]> {
  const lines: [number, string][] = marks.map((m) => [m.at, `step ${m.step}`]);
  const keys = new Set<string>();
  for (const p of history.people) {
    for (const id of p.hubspotIds) keys.add(`hubspot:${id}`);
    for (const id of p.salesforceIds) keys.add(`salesforce:${id}`);
    for (const f of FIELDS)
      for (const w of p.writes[f])
        lines.push([w.t0, `user p${p.index} ${w.side}.${f} = ${JSON.stringify(w.value)} [${w.t0}, ${w.t1}]`]);
  }
  for (const i of h.invocations) lines.push([i.from, `invocation until ${i.to}`]);
  for (const w of h.writes) {
    keys.add(`${w.side}:${w.id}`);
    lines.push([w.at, `crmsync wrote ${w.side}:${w.id} ${w.what} ${JSON.stringify(w.values ?? {})}`]);
  }
  for (const key of keys)
    for (const d of await h.deps.store.listDecisions(key, 1000))
      lines.push([
        d.at,
        `decision ${key} ${d.outcome}${d.reason ? ` ${d.reason}` : ''} ${JSON.stringify(d.detail ?? {})}`,
      ]);
  // Stable within a millisecond: steps, then user writes, invocations, writes, decisions, as pushed.
  return lines
    .map((line, i) => ({ line, i }))
    .sort((a, b) => a.line[0] - b.line[0] || a.i - b.i)
    .map(({ line: [at, text] }) => `${at} ${text}`);
}
