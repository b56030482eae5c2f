import type { CrmSyncConfig } from '../config.ts';
import { ACCOUNT_FIELD, HUBSPOT_OWNER_PROPERTY, SALESFORCE_OWNER_FIELD } from '../domain/contact-links.ts';
import { gateRecord, type PlanInput } from '../domain/plan/index.ts';
import { ADDITIONAL_EMAILS, additionalEmails, normalizeEmail } from '../domain/identity.ts';
import type { SalesforceObject } from '../domain/notice.ts';
import type {
  CreationIntent,
  Decision,
  HubSpotContact,
  HubSpotPort,
  PairState,
  SalesforcePort,
  SalesforceRecord,
  SyncStore,
} from '../ports.ts';
import type { ProcessorRecord } from './coalesce.ts';
import { updateIntentKey } from '../domain/plan/unfinished-update.ts';
import { convertedLeadsOfIntents } from './converted-leads.ts';
import { staleLinkRepairs } from './merges.ts';
import { confirmMembership, contactsToConfirm } from './membership-check.ts';
import {
  MAX_CHAIN,
  missingLinks,
  resolveChains,
  salesforceTypeOfId,
  withoutOwnCreations,
} from './processor-identity.ts';

/** What the processor reads from each CRM: every mapped field, so the merge sees the whole record. */
export interface ReadFields {
  /** HubSpot properties mapped for Lead or Contact (one contact may be linked to either), `email` first. */
  hubspot: string[];
  /** Salesforce fields per object; the adapter adds the system fields (Id, SystemModstamp, IsConverted…). */
  salesforce: Record<SalesforceObject, string[]>;
}

/**
 * Fields to read for a configuration (computed once per cold start): the mapped ones, plus the owners
 * (O1) when owner sync is on and Contact.AccountId (C6: company sync is a run-time setting, and the
 * field costs nothing in a read that happens anyway).
 */
export function readFields(
  config: Pick<CrmSyncConfig, 'mappings'> & Partial<Pick<CrmSyncConfig, 'owners'>>,
): ReadFields {
  const owners = config.owners?.enabled === true;
  const hubspot = new Set<string>(['email']);
  for (const object of ['Lead', 'Contact'] as const)
    for (const m of config.mappings[object]) hubspot.add(m.hubspot);
  if (owners) hubspot.add(HUBSPOT_OWNER_PROPERTY);
  const sf = (object: SalesforceObject, extra: string[]) => [
    ...new Set(['Email', ...config.mappings[object].map((m) => m.salesforce), ...extra]),
  ];
  const owner = owners ? [SALESFORCE_OWNER_FIELD] : [];
  return {
    hubspot: [...hubspot],
    salesforce: { Lead: sf('Lead', owner), Contact: sf('Contact', [...owner, ACCOUNT_FIELD]) },
  };
}

export interface GatherContext {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  fields: ReadFields;
  settings: PlanInput['settings'];
  now: number;
}

/** What the processor read for one batch: the plan's inputs, plus the records skipped before any CRM read. */
export interface Gathered {
  toPlan: ProcessorRecord[];
  /** Records the segment gate refused from the store alone (R3/R8): no CRM call is spent on them. */
  preSkipped: { record: ProcessorRecord; decision: Decision }[];
  hubspotContacts: HubSpotContact[];
  salesforceRecords: SalesforceRecord[];
  pairs: PairState[];
  members: Set<string>;
  /** Creation intents of the unlinked records (a create whose response may have been lost), by record key. */
  creationIntents: Map<string, CreationIntent>;
  /** A CRM read (or the lookups after it) failed: `toPlan` must be retried; `preSkipped` stands. */
  readError?: unknown;
  /**
   * Links found pointing at a Salesforce record merged away since (no notice of the merge reached
   * us): one synthetic `merged` record each, to re-point the link before the batch is planned.
   */
  repairs: ProcessorRecord[];
}

const OBJECTS: readonly SalesforceObject[] = ['Lead', 'Contact'];
const unique = <T>(items: Iterable<T>): T[] => [...new Set(items)];

/** Pairs seen so far, by either id. */
class PairIndex {
  readonly byHubSpot = new Map<string, PairState>();
  readonly bySalesforce = new Map<string, PairState>();
  add(pairs: Iterable<PairState>): void {
    for (const p of pairs) {
      this.byHubSpot.set(p.hubspotId, p);
      this.bySalesforce.set(p.salesforceId, p);
    }
  }
}

/**
 * Reads everything the plan needs, batched (docs/design.md#batching), in three rounds:
 * 1. store: the pairs of the batch's ids and the membership of the HubSpot contacts they name,
 *    confirmed with HubSpot for this batch's HubSpot edits (membership-check.ts); the segment gate
 *    then drops non-members before any other CRM call (R3, R8);
 * 2. CRMs: the records themselves and their linked counterparts — one HubSpot batch read per 100
 *    contacts (without property history, which halves the batch: see `contactsNeedingHistory`) and one
 *    SOQL `Id IN (...)` per object;
 * 3. CRMs then store: what the first reads revealed — email candidates for unlinked records, the
 *    Contact a Lead was converted to, a merge survivor — and those records' pairs and membership.
 * A failure in round 1 throws (nothing is decided); a failure after it is returned as `readError`,
 * so the records the gate already skipped are not retried with the others.
 */
export async function gather(batchRecords: ProcessorRecord[], ctx: GatherContext): Promise<Gathered> {
  let records = batchRecords;
  const { store, hubspot, salesforce, fields, settings } = ctx;
  const segment = settings.inclusionSegmentId;
  const index = new PairIndex();

  // Round 1: pairs and membership.
  const hubspotKeyIds = unique(
    records
      .filter((r) => r.source === 'hubspot')
      .flatMap((r) => [r.recordId, ...(r.mergedIds ?? []), ...(r.survivorId ? [r.survivorId] : [])]),
  );
  const salesforceKeyIds = unique(
    records
      .filter((r) => r.source === 'salesforce')
      .flatMap((r) => [r.recordId, ...(r.survivorId ? [r.survivorId] : [])]),
  );
  const [byHubSpot, bySalesforce] = await Promise.all([
    hubspotKeyIds.length > 0 ? store.getPairsByHubSpotIds(hubspotKeyIds) : new Map<string, PairState>(),
    salesforceKeyIds.length > 0
      ? store.getPairsBySalesforceIds(salesforceKeyIds)
      : new Map<string, PairState>(),
  ]);
  index.add(byHubSpot.values());
  index.add(bySalesforce.values());
  // A `created` notice about a record crmsync made is not an auto-create (R6), linked or not.
  records = await withoutOwnCreations(records, (r) => index.bySalesforce.has(r.recordId), store);
  const hubspotIdOf = (r: ProcessorRecord): string | undefined =>
    r.source === 'hubspot' ? r.recordId : index.bySalesforce.get(r.recordId)?.hubspotId;
  const pairOf = (r: ProcessorRecord): PairState | undefined =>
    r.source === 'hubspot' ? index.byHubSpot.get(r.recordId) : index.bySalesforce.get(r.recordId);

  const members = new Set<string>();
  const membershipAsked = new Set<string>();
  const loadMembers = async (ids: string[]) => {
    const wanted = unique(ids).filter((id) => !membershipAsked.has(id));
    if (segment === null || wanted.length === 0) return;
    for (const id of wanted) membershipAsked.add(id);
    for (const id of await store.getMembers(segment, wanted)) members.add(id);
  };
  await loadMembers(records.map(hubspotIdOf).filter((id): id is string => id !== undefined));
  // The stored membership may be stale for this batch's HubSpot edits: confirm it (one call per 100).
  if (segment !== null) {
    const filterProperties = (await store.getMembershipState(segment))?.filterProperties;
    const confirm = contactsToConfirm(records, filterProperties);
    if (confirm.length > 0) await confirmMembership(ctx, segment, confirm, members, ctx.now);
  }

  const toPlan: ProcessorRecord[] = [];
  const preSkipped: Gathered['preSkipped'] = [];
  for (const record of records) {
    const decision =
      segment === null ? undefined : preGate(record, hubspotIdOf(record), pairOf(record), members, ctx);
    if (decision) preSkipped.push({ record, decision });
    else toPlan.push(record);
  }

  const out: Gathered = {
    toPlan,
    preSkipped,
    hubspotContacts: [],
    salesforceRecords: [],
    pairs: [],
    members,
    repairs: [],
    creationIntents: new Map(),
  };
  try {
    // Round 2: the records and their linked counterparts.
    const hubspotToRead = new Set<string>();
    const salesforceToRead: Record<SalesforceObject, Set<string>> = { Lead: new Set(), Contact: new Set() };
    for (const record of toPlan) {
      const pair = pairOf(record);
      if (record.source === 'hubspot') {
        // A HubSpot merge re-points links; it reads only what decides whether a link may move: the
        // survivor (its email) and the loser's linked record (see `emailTakenInSalesforce`).
        if (record.kind === 'merged') {
          if (pair && record.survivorId && !index.byHubSpot.has(record.survivorId)) {
            hubspotToRead.add(record.survivorId);
            salesforceToRead[pair.salesforceType].add(pair.salesforceId);
          }
          continue;
        }
        hubspotToRead.add(record.recordId);
        if (pair) salesforceToRead[pair.salesforceType].add(pair.salesforceId);
      } else {
        const object = record.objectType === 'Contact' ? 'Contact' : 'Lead';
        salesforceToRead[object].add(record.recordId);
        if (record.survivorId)
          salesforceToRead[salesforceTypeOfId(record.survivorId) ?? object].add(record.survivorId);
        if (pair) hubspotToRead.add(pair.hubspotId);
      }
    }
    const hubspotContacts = new Map<string, HubSpotContact>();
    const salesforceRecords = new Map<string, SalesforceRecord>();
    await readBoth(ctx, hubspotToRead, salesforceToRead, hubspotContacts, salesforceRecords);

    // Round 3: what the reads revealed.
    const moreSalesforce = missingLinks(salesforceRecords);
    const salesforceEmails: string[] = [];
    const hubspotEmails: string[] = [];
    /** Emails of Salesforce records that may get a new contact (R6, or every record with no segment: R2). */
    const mayCreate = new Set<string>();
    for (const record of toPlan) {
      if (record.source === 'hubspot' && record.kind === 'merged') {
        // The survivor's email, to see whether another Salesforce record has it already.
        const survivor = record.survivorId ? hubspotContacts.get(record.survivorId) : undefined;
        const email = normalizeEmail(survivor?.properties['email']);
        if (email) salesforceEmails.push(email);
        continue;
      }
      if (pairOf(record) || record.kind === 'merged') continue;
      if (record.source === 'hubspot') {
        const email = normalizeEmail(hubspotContacts.get(record.recordId)?.properties['email']);
        if (email) salesforceEmails.push(email);
      } else {
        const sf = salesforceRecords.get(record.recordId);
        const email = sf && !sf.isDeleted && !sf.isConverted ? normalizeEmail(sf.fields['Email']) : undefined;
        if (email) hubspotEmails.push(email);
        if (email && (record.kind === 'created' || segment === null)) mayCreate.add(email);
      }
    }
    const withAdditional = unique([...fields.hubspot, ADDITIONAL_EMAILS]);
    const [byEmailSf, byEmailHs] = await Promise.all([
      salesforceEmails.length > 0 ? salesforce.findByEmail(unique(salesforceEmails), fields.salesforce) : [],
      hubspotEmails.length > 0 ? hubspot.findContactsByEmail(unique(hubspotEmails), withAdditional) : [],
      readBoth(ctx, new Set(), moreSalesforce, hubspotContacts, salesforceRecords),
    ]);
    const survivors = await mergeSurvivors(hubspot, mayCreate, byEmailHs, withAdditional);
    // An unlinked record, or the one its email matched, may be a counterpart crmsync created whose
    // create response was lost: its intent says what the create wrote (one read, only for these).
    const intentKeys = [
      ...toPlan.filter((r) => !pairOf(r) && r.kind !== 'merged').map((r) => r.key),
      ...byEmailSf.map((r) => `salesforce:${r.id}`),
      ...byEmailHs.map((c) => `hubspot:${c.id}`),
      // A link claimed and never committed (empty snapshot): its first sync's writes may have landed.
      ...[...index.byHubSpot.values()]
        .filter((p) => Object.keys(p.snapshot).length === 0)
        .map((p) => `hubspot:${p.hubspotId}`),
      // A committed pair whose last sync may have written and lost its responses (unfinished-update.ts).
      ...[...index.byHubSpot.values()]
        .filter((p) => Object.keys(p.snapshot).length > 0)
        .map((p) => updateIntentKey(p.hubspotId)),
    ];
    if (intentKeys.length > 0) out.creationIntents = await store.getCreationIntents(unique(intentKeys));
    const converted = await convertedLeadsOfIntents(
      salesforce,
      byEmailSf,
      out.creationIntents,
      fields.salesforce.Lead,
    );
    for (const r of [...byEmailSf, ...converted])
      if (!salesforceRecords.has(r.id)) salesforceRecords.set(r.id, r);
    for (const c of byEmailHs) if (!hubspotContacts.has(c.id)) hubspotContacts.set(c.id, c);
    for (const c of survivors) hubspotContacts.set(c.id, withAdditionalOf(hubspotContacts.get(c.id), c));
    // Conversions and merges that chain (rare: usually no call here).
    for (let step = 1; step < MAX_CHAIN; step++) {
      const links = missingLinks(salesforceRecords);
      if (links.Lead.size + links.Contact.size === 0) break;
      await readBoth(ctx, new Set(), links, hubspotContacts, salesforceRecords);
    }

    // Pairs of the records found since round 1 (ids looked up then are known to have none).
    const askedHubSpot = new Set(hubspotKeyIds);
    const askedSalesforce = new Set(salesforceKeyIds);
    const newHubSpot = [...hubspotContacts.keys()].filter(
      (id) => !index.byHubSpot.has(id) && !askedHubSpot.has(id),
    );
    const newSalesforce = [...salesforceRecords.keys()].filter(
      (id) => !index.bySalesforce.has(id) && !askedSalesforce.has(id),
    );
    const [moreByHubSpot, moreBySalesforce] = await Promise.all([
      newHubSpot.length > 0 ? store.getPairsByHubSpotIds(newHubSpot) : new Map<string, PairState>(),
      newSalesforce.length > 0 ? store.getPairsBySalesforceIds(newSalesforce) : new Map<string, PairState>(),
    ]);
    index.add(moreByHubSpot.values());
    index.add(moreBySalesforce.values());
    await loadMembers([...hubspotContacts.keys()]);
    out.hubspotContacts = [...hubspotContacts.values()];
    out.salesforceRecords = resolveChains(salesforceRecords);
    out.repairs = staleLinkRepairs(toPlan, out.salesforceRecords, pairOf, ctx.now);
    out.pairs = [...index.byHubSpot.values()];
  } catch (error) {
    out.readError = error;
  }
  return out;
}

/**
 * The contacts that hold, as an additional email, the email of a Salesforce record about to get a new
 * contact and matched by no contact's own email (docs/design.md#merged-away-email): a HubSpot merge
 * keeps the merged-away email on the survivor, and the plan must find that survivor instead of
 * creating (reliability finding 22). A search, so only for those emails (usually none).
 */
async function mergeSurvivors(
  hubspot: HubSpotPort,
  mayCreate: Set<string>,
  byEmail: HubSpotContact[],
  properties: string[],
): Promise<HubSpotContact[]> {
  const known = new Set<string>();
  for (const c of byEmail) {
    const email = normalizeEmail(c.properties['email']);
    if (email) known.add(email);
    for (const extra of additionalEmails(c)) known.add(extra);
  }
  const wanted = [...mayCreate].filter((e) => !known.has(e));
  return wanted.length > 0 ? hubspot.findContactsByAdditionalEmail(wanted, properties) : [];
}

/** A contact read earlier in the batch, with the additional emails a later search found on it. */
function withAdditionalOf(earlier: HubSpotContact | undefined, found: HubSpotContact): HubSpotContact {
  if (!earlier) return found;
  return {
    ...earlier,
    properties: { ...earlier.properties, [ADDITIONAL_EMAILS]: found.properties[ADDITIONAL_EMAILS] ?? null },
  };
}

/** One HubSpot batch read and one read per Salesforce object, in parallel, into the maps. */
async function readBoth(
  ctx: GatherContext,
  hubspotIds: Set<string>,
  salesforceIds: Record<SalesforceObject, Set<string>>,
  hubspotOut: Map<string, HubSpotContact>,
  salesforceOut: Map<string, SalesforceRecord>,
): Promise<void> {
  const hs = [...hubspotIds].filter((id) => !hubspotOut.has(id));
  const [contacts, ...perObject] = await Promise.all([
    hs.length > 0 ? ctx.hubspot.readContacts(hs, ctx.fields.hubspot) : [],
    ...OBJECTS.map((object) => {
      const ids = [...salesforceIds[object]].filter((id) => !salesforceOut.has(id));
      return ids.length > 0 ? ctx.salesforce.readRecords(object, ids, ctx.fields.salesforce[object]) : [];
    }),
  ]);
  for (const c of contacts) hubspotOut.set(c.id, c);
  for (const list of perObject) for (const r of list) salesforceOut.set(r.id, r);
}

/**
 * The segment gate on what the store knows, before reading anything. Only for records whose HubSpot
 * contact is known and whose outcome the read cannot change: deletes and merges go to the plan
 * (their policies and re-pointing do not depend on the segment), and so do Salesforce Leads (a
 * conversion must re-point the link even outside the segment).
 */
function preGate(
  record: ProcessorRecord,
  hubspotId: string | undefined,
  pair: PairState | undefined,
  members: Set<string>,
  ctx: GatherContext,
): Decision | undefined {
  const segment = ctx.settings.inclusionSegmentId;
  if (segment === null || hubspotId === undefined) return undefined;
  if (record.kind === 'deleted' || record.kind === 'merged') return undefined;
  if (record.source === 'salesforce' && record.objectType === 'Lead') return undefined;
  const gate = gateRecord(record, { hubspotId, pair }, { settings: ctx.settings, members });
  if (gate.action !== 'skip') return undefined;
  const decision: Decision = {
    at: ctx.now,
    recordKey: record.key,
    outcome: 'skipped',
    reason: gate.reason,
    detail: {
      rule: gate.rule,
      hubspotId,
      ...(record.eventIds.length > 1 ? { eventIds: record.eventIds } : {}),
    },
  };
  const eventId = record.eventIds[0];
  if (eventId !== undefined) decision.eventId = eventId;
  return decision;
}
