import { type FieldMapping, mappingsFor } from '../../lib/config.ts';
import { normalizeValue } from '../../lib/domain/normalize.ts';
import type { CrmSide } from '../../lib/domain/notice.ts';
import type { HubSpotContact, PairState, SalesforceRecord } from '../../lib/ports.ts';
import { isCompanyWrite } from './crm-feeds.ts';
import type { Harness } from './harness.ts';
import type { History, Person, UserWrite } from './history.ts';
import { FIELDS, type Field } from './steps.ts';

/** Everything both CRMs and the store hold after quiescence. */
export interface FinalState {
  hubspot: Map<string, HubSpotContact>;
  /** Every Salesforce Lead and Contact, converted leads included. */
  salesforce: Map<string, SalesforceRecord>;
  pairsByHubSpot: Map<string, PairState>;
  pairsBySalesforce: Map<string, PairState>;
  members: Set<string>;
  /**
   * HubSpot contact id → when its current pair was made by linking two existing records by email
   * (the latest `linked` decision `matched …` naming that contact): the first link, with no snapshot.
   */
  emailLinks: Map<string, number>;
}

const live = (r: SalesforceRecord | undefined): r is SalesforceRecord =>
  r !== undefined && !r.isConverted && !r.isDeleted;

/** Reads both CRMs (through the real adapters) and the store. */
export async function readFinalState(h: Harness, history: History): Promise<FinalState> {
  const { deps } = h;
  await h.loadMembershipLog();
  const { user } = h;
  const hubspot = new Map<string, HubSpotContact>();
  const properties = ['email', ...FIELDS, 'hs_lead_status', 'lifecyclestage'];
  let after: string | undefined;
  do {
    const page = await user.hubspot.listContacts(properties, after);
    for (const c of page.contacts) if (!c.archived) hubspot.set(c.id, c);
    after = page.after;
  } while (after);
  const salesforce = new Map<string, SalesforceRecord>();
  for (const objectType of ['Lead', 'Contact'] as const) {
    const fields = mappingsFor(deps.config, objectType).map((m) => m.salesforce);
    // A modified-since query includes converted leads (the port's poll contract): we want them all.
    let next: string | undefined;
    do {
      const page = await user.salesforce.queryPage(
        objectType,
        fields,
        next ? { after: next } : { modifiedSinceMs: 0 },
      );
      for (const r of page.records) salesforce.set(r.id, r);
      next = page.after;
    } while (next);
  }
  const hubspotIds = new Set([...hubspot.keys(), ...history.people.flatMap((p) => p.hubspotIds)]);
  const salesforceIds = new Set([...salesforce.keys(), ...history.people.flatMap((p) => p.salesforceIds)]);
  for (const w of h.writes) (w.side === 'hubspot' ? hubspotIds : salesforceIds).add(w.id);
  const pairsByHubSpot = await deps.store.getPairsByHubSpotIds([...hubspotIds]);
  return {
    hubspot,
    salesforce,
    pairsByHubSpot,
    pairsBySalesforce: await deps.store.getPairsBySalesforceIds([...salesforceIds]),
    members: new Set(await deps.store.listMembers(h.listId)),
    emailLinks: await readEmailLinks(h, [...pairsByHubSpot.values()], salesforceIds),
  };
}

/**
 * When each current pair was made by matching two existing records by email: the plan records a
 * `linked` decision with reason `matched …` under the notice's record key (either side). Links made
 * by creating the counterpart (`created by crmsync`) or re-pointed (conversion, merge) are not.
 */
async function readEmailLinks(
  h: Harness,
  pairs: PairState[],
  salesforceIds: Set<string>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const keys = [
    ...pairs.map((p) => `hubspot:${p.hubspotId}`),
    ...[...salesforceIds].map((id) => `salesforce:${id}`),
  ];
  const byHubSpot = new Map(pairs.map((p) => [p.hubspotId, p]));
  for (const key of keys) {
    for (const d of await h.deps.store.listDecisions(key, 1000)) {
      if (d.outcome !== 'linked' || !d.reason?.startsWith('matched')) continue;
      const hubspotId = d.detail?.['hubspotId'];
      if (typeof hubspotId !== 'string' || !byHubSpot.has(hubspotId)) continue;
      // A late first link (its first try's writes lost their responses) was planned when its intent
      // was written, on the records as they were then; the retry only finishes it (finding 21).
      const plannedAt = d.detail?.['linkPlannedAt'];
      out.set(hubspotId, Math.max(out.get(hubspotId) ?? 0, typeof plannedAt === 'number' ? plannedAt : d.at));
    }
  }
  return out;
}

const blank = (v: string | null | undefined): boolean => v === null || v === undefined || v.trim() === '';

/**
 * The first link of two existing records fills blanks (product decision, README): with no snapshot
 * yet, a field blank on one side and set on the other is filled from the other side — a new link
 * never clears data, even when the blank is a clear made before the link (field-level clear times are
 * usually unknown at a first link; the native connector does the same). The model encodes that fill as
 * a write of the other side's value to the blank side, from the link (`linkAt`, when the processor
 * planned it) until crmsync's write reached that record (`filledAt`, ≥ linkAt). What the users wrote
 * before the link decides whether a side was blank; writes after it follow the two-way rule as usual
 * (after a snapshot exists, a clear wins: docs/design.md#first-link). Only the first link: nothing changes for a
 * pair linked any other way.
 */
export function withFirstLinkFill(
  writes: UserWrite[],
  linkAt: number,
  filledAt: number,
  tie: 'after' | 'before' = 'after',
): UserWrite[] {
  // A write in the link's own millisecond may have come before the batch's read or after it; `tie`
  // says which, and the fill goes between the writes before the link and those after it — never after
  // a write the fill decision counted as later (seed 1222101852: the fill followed such a write).
  const isBefore = (w: UserWrite) => w.t0 < linkAt || (tie === 'before' && w.t0 === linkAt);
  const before = (side: CrmSide) => writes.filter((w) => w.side === side && isBefore(w)).at(-1);
  const hs = before('hubspot');
  const sf = before('salesforce');
  const hsBlank = !hs || blank(hs.value);
  const sfBlank = !sf || blank(sf.value);
  if (hsBlank === sfBlank) return writes;
  const from = hsBlank ? sf : hs;
  if (!from) return writes;
  const fill: UserWrite = {
    side: hsBlank ? 'hubspot' : 'salesforce',
    value: from.value,
    t0: linkAt,
    t1: Math.max(linkAt, filledAt),
  };
  // Kept in time order: acceptableValues takes the latest write of each side.
  const i = writes.findIndex((w) => !isBefore(w));
  return i < 0 ? [...writes, fill] : [...writes.slice(0, i), fill, ...writes.slice(i)];
}

function norm(h: Harness, mapping: FieldMapping, side: CrmSide, value: unknown): string | null {
  try {
    return normalizeValue(value as string | null, mapping, side, h.stack.config.picklists);
  } catch (error) {
    return `<invalid: ${(error as Error).message}>`;
  }
}

/**
 * Convergence: every linked pair whose HubSpot contact is a member holds equal (normalized) values
 * in every two-way field; its records exist (a link to a merged-away or converted record is stale:
 * docs/design.md#identity says conversion and merges re-point links).
 */
export function checkConvergence(h: Harness, s: FinalState): string[] {
  const out: string[] = [];
  for (const pair of s.pairsByHubSpot.values()) {
    if (!s.members.has(pair.hubspotId)) continue;
    const contact = s.hubspot.get(pair.hubspotId);
    const record = s.salesforce.get(pair.salesforceId);
    if (!contact || !live(record)) {
      out.push(
        `stale link hubspot:${pair.hubspotId} → ${pair.salesforceType}:${pair.salesforceId} (${contact ? '' : 'contact gone '}${record ? (record.isConverted ? 'record converted' : live(record) ? '' : 'record deleted') : 'record gone'})`,
      );
      continue;
    }
    for (const m of mappingsFor(h.stack.config, record.objectType)) {
      if (m.rule !== 'two-way') continue;
      const hs = norm(h, m, 'hubspot', contact.properties[m.hubspot]);
      const sf = norm(h, m, 'salesforce', record.fields[m.salesforce]);
      if (hs !== sf)
        out.push(
          `not converged: hubspot:${pair.hubspotId}.${m.hubspot}=${JSON.stringify(hs)} but ${record.objectType}:${record.id}.${m.salesforce}=${JSON.stringify(sf)}`,
        );
    }
  }
  return out;
}

/**
 * One-to-one links (both indexes agree, no record in two pairs) and no duplicate created by crmsync:
 * at most one live HubSpot contact per email, and no email shared by a Salesforce record crmsync
 * created and another live record.
 */
export function checkLinks(h: Harness, s: FinalState): string[] {
  const out: string[] = [];
  const hubspotOf = new Map<string, string[]>();
  for (const pair of s.pairsByHubSpot.values()) {
    const back = s.pairsBySalesforce.get(pair.salesforceId);
    if (back?.hubspotId !== pair.hubspotId)
      out.push(
        `link index disagrees: hubspot:${pair.hubspotId} → ${pair.salesforceId}, but ${pair.salesforceId} → ${back?.hubspotId ?? 'nothing'}`,
      );
    hubspotOf.set(pair.salesforceId, [...(hubspotOf.get(pair.salesforceId) ?? []), pair.hubspotId]);
  }
  for (const pair of s.pairsBySalesforce.values()) {
    const forward = s.pairsByHubSpot.get(pair.hubspotId);
    if (forward?.salesforceId !== pair.salesforceId)
      out.push(
        `link index disagrees: ${pair.salesforceId} → hubspot:${pair.hubspotId}, but hubspot:${pair.hubspotId} → ${forward?.salesforceId ?? 'nothing'}`,
      );
  }
  for (const [sf, hs] of hubspotOf)
    if (hs.length > 1) out.push(`${sf} linked to ${hs.length} HubSpot contacts: ${hs.join(', ')}`);

  const byEmail = new Map<string, string[]>();
  for (const c of s.hubspot.values()) {
    const e = c.properties['email']?.trim().toLowerCase();
    if (e) byEmail.set(e, [...(byEmail.get(e) ?? []), c.id]);
  }
  for (const [e, ids] of byEmail)
    if (ids.length > 1) out.push(`duplicate HubSpot contacts for ${e}: ${ids.join(', ')}`);

  const createdByCrmsync = new Set(
    h.writes.filter((w) => w.side === 'salesforce' && w.what.startsWith('CREATE')).map((w) => w.id),
  );
  const sfByEmail = new Map<string, string[]>();
  for (const r of s.salesforce.values()) {
    const e = typeof r.fields['Email'] === 'string' ? r.fields['Email'].trim().toLowerCase() : '';
    if (e && live(r)) sfByEmail.set(e, [...(sfByEmail.get(e) ?? []), r.id]);
  }
  for (const [e, ids] of sfByEmail) {
    if (ids.length > 1 && ids.some((id) => createdByCrmsync.has(id)))
      out.push(`crmsync created a duplicate Salesforce record for ${e}: ${ids.join(', ')}`);
  }
  return out;
}

/**
 * The values a field may hold after quiescence, given the users' writes (docs/design.md#two-way: the
 * most recent change wins, clearing included). Only the latest write of each side can win. When both
 * sides wrote: the later one by time wins; writes whose time spans overlap are a tie either way. A
 * Salesforce change's time is the record's last-modified time where the notice carries no field time
 * (outbound messages, polls, resyncs), so an earlier Salesforce write also wins when its record was
 * modified again after the HubSpot write — that is the design, not a lost update.
 */
export function acceptableValues(writes: UserWrite[], salesforceModifiedAt: number[]): Set<string | null> {
  const last = (side: CrmSide) => writes.filter((w) => w.side === side).at(-1);
  const hs = last('hubspot');
  const sf = last('salesforce');
  if (!hs && !sf) return new Set();
  if (!hs) return new Set([sf!.value]);
  if (!sf) return new Set([hs.value]);
  const out = new Set<string | null>();
  if (!(hs.t1 < sf.t0)) out.add(hs.value);
  if (!(sf.t1 < hs.t0) || salesforceModifiedAt.some((m) => m >= hs.t0)) out.add(sf.value);
  return out;
}

/**
 * No lost update: for every person whose HubSpot contact is a linked member at the end, each field
 * they wrote holds the value of the write that wins by the two-way rule (`acceptableValues`).
 */
export function checkNoLostUpdate(h: Harness, history: History, s: FinalState): string[] {
  const out: string[] = [];
  for (const p of history.people) {
    if (!p.hubspotId || p.hubspotGone || !s.members.has(p.hubspotId)) continue;
    const pair = s.pairsByHubSpot.get(p.hubspotId);
    const contact = s.hubspot.get(p.hubspotId);
    const record = pair ? s.salesforce.get(pair.salesforceId) : undefined;
    if (!pair || !contact || !live(record)) continue;
    const modified = salesforceModifiedAt(h, p, pair);
    const linkAt = s.emailLinks.get(pair.hubspotId);
    for (const f of FIELDS) {
      const mapping = mappingsFor(h.stack.config, record.objectType).find((m) => m.hubspot === f);
      if (!mapping) continue;
      // A write in the link's millisecond is read both ways (before or after the link): either may be true.
      const ties = linkAt !== undefined && p.writes[f].some((w) => w.t0 === linkAt);
      const variants =
        linkAt === undefined
          ? [p.writes[f]]
          : (ties ? (['after', 'before'] as const) : (['after'] as const)).map((tie) =>
              withFirstLinkFill(p.writes[f], linkAt, filledAt(h, pair, linkAt), tie),
            );
      const writes = variants[0]!;
      const allowed = new Set(variants.flatMap((v) => [...acceptableValues(v, modified)]));
      if (allowed.size === 0) continue;
      const normalized = new Set([...allowed].map((v) => norm(h, mapping, 'hubspot', v)));
      const actual = norm(h, mapping, 'hubspot', contact.properties[f]);
      if (!normalized.has(actual))
        out.push(
          `lost update: p${p.index}.${f} is ${JSON.stringify(actual)} (hubspot:${p.hubspotId}), expected one of ${JSON.stringify([...normalized])}; writes ${describeWrites(writes)}${writes === p.writes[f] ? '' : ' (with the first-link fill)'}`,
        );
    }
  }
  return out;
}

/** When crmsync's first write after the link reached either record of the pair (the fill, if any). */
function filledAt(h: Harness, pair: PairState, linkAt: number): number {
  const times = h.writes
    .filter((w) => w.at >= linkAt && (w.id === pair.hubspotId || w.id === pair.salesforceId))
    .map((w) => w.at);
  return times.length > 0 ? Math.min(...times) : linkAt;
}

function salesforceModifiedAt(h: Harness, p: Person, pair: PairState): number[] {
  const ids = new Set([...p.salesforceIds, pair.salesforceId]);
  return [...p.salesforceTouched, ...[...ids].flatMap((id) => h.salesforceChanges.get(id) ?? [])];
}

function describeWrites(writes: UserWrite[]): string {
  return writes.map((w) => `${w.side}=${JSON.stringify(w.value)}@[${w.t0},${w.t1}]`).join(' ');
}

/**
 * No write by crmsync to a record outside the segment (R3, R8), except R6: a newly created
 * Salesforce lead/contact creates or syncs into the HubSpot contact with its email once, member or
 * not (docs/design.md#r6). Each write is judged by the store's membership at the write's own time (the
 * CRM's timestamp). Out-of-segment writes to a person's records are allowed on each side at most once
 * per Salesforce record the user created for that person (creations and lead conversions); a write
 * whose response was lost is not counted (the retry that completes it is the same R6 sync, and reads
 * the latest values as every sync does: docs/design.md#notices-not-values).
 * No history here imports (R7), so R7 grants nothing.
 */
export function checkOutOfSegmentWrites(h: Harness, history: History, s: FinalState): string[] {
  const out: string[] = [];
  const personByEmail = new Map(history.people.map((p) => [p.email, p]));
  const personOfHubSpot = (id: string): Person | undefined => {
    const known = history.people.find((p) => p.hubspotIds.includes(id));
    if (known) return known;
    const email = s.hubspot.get(id)?.properties['email']?.toLowerCase();
    return email ? personByEmail.get(email) : undefined;
  };
  const personOfSalesforce = (id: string): Person | undefined => {
    const known = history.people.find((p) => p.salesforceIds.includes(id));
    if (known) return known;
    // Any state: a record crmsync created and deleted again (a lost creation race) still has its email.
    const email = s.salesforce.get(id)?.fields['Email'] ?? h.stack.salesforceSandbox.getRecord(id)?.['Email'];
    return typeof email === 'string' ? personByEmail.get(email.toLowerCase()) : undefined;
  };
  // One sync of a record is one invocation's writes (a creation and its C6 association write land a few
  // ms apart); writes outside any invocation (a test's own) count one by one.
  const syncOf = (at: number) => h.invocations.find((i) => at >= i.from && at <= i.to)?.from ?? at;
  const outside = new Map<string, Set<number>>();
  for (const w of h.writes) {
    // Companies and accounts follow C4, not the segment: company-invariants.ts judges those writes.
    if (isCompanyWrite(w)) continue;
    const person = w.side === 'hubspot' ? personOfHubSpot(w.id) : personOfSalesforce(w.id);
    const hubspotIds =
      w.side === 'hubspot'
        ? [w.id]
        : // A contact merged into the person's was the one synced with this record before the merge.
          [
            s.pairsBySalesforce.get(w.id)?.hubspotId,
            ...(person?.hubspotIds ?? []),
            ...(person?.absorbedHubSpotIds ?? []),
          ].filter((x): x is string => x !== undefined);
    if (hubspotIds.some((id) => h.memberAt(id, w.at))) continue;
    if (!person) {
      out.push(`crmsync wrote ${w.side}:${w.id} (${w.what}) outside the segment, and it belongs to nobody`);
      continue;
    }
    // A write whose response was lost is an attempt: the retry that finishes it is the same R6 sync.
    if (person.salesforceCreations > 0 && h.lostResponseWindows.some((x) => w.at >= x.from && w.at <= x.to))
      continue;
    const key = `${person.index}:${w.side}`;
    const times = outside.get(key) ?? new Set<number>();
    times.add(syncOf(w.at));
    outside.set(key, times);
  }
  for (const [key, times] of outside) {
    const [index, side] = key.split(':') as [string, CrmSide];
    const person = history.people[Number(index)]!;
    if (times.size > person.salesforceCreations)
      out.push(
        `out-of-segment writes: crmsync wrote p${index}'s ${side} record outside the segment ${times.size} time(s) ` +
          `(${h.writes
            .filter((w) => w.side === side && times.has(syncOf(w.at)))
            .map((w) => `${w.id} ${w.what} @${w.at}`)
            .join('; ')}), R6 allows ${person.salesforceCreations}`,
      );
  }
  return out;
}

export type { Field };
