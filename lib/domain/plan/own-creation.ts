import { creationSnapshot } from '../creation.ts';
import type { HubSpotContact, SalesforceRecord } from '../entities.ts';
import type { FieldMapping } from '../field-mapping.ts';
import type { CrmSide } from '../notice.ts';
import { normalizeValue } from '../normalize.ts';
import { createdByCrmsyncInHubSpot, createdByCrmsyncInSalesforce } from '../record-author.ts';
import type { Snapshot } from '../three-way-merge.ts';
import type { PlanInput, PlannedIntent } from './types.ts';

/**
 * A creation's intent (what a create wrote), not a first link's stored under the same key
 * (`hubspot:<id>`, `salesforce:<id>`) nor an update's (`update:hubspot:<id>`).
 */
export const isCreationIntent = (intent: PlannedIntent): boolean => !intent.link && !intent.update;

/** The reason of the `linked` decision when crmsync links a record it created but could not record. */
export const CREATED_BY_CRMSYNC_LATE = 'created by crmsync, its create response lost';

/**
 * An intent counts for a record created at most this long before it was written (the CRMs' clocks and
 * ours differ a little); an older record is not the creation the intent announced.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Linking a record crmsync itself created, whose create response was lost (no pair was committed):
 * not a first link of two existing records (which fills blanks from either side), but the creation
 * finished late — the snapshot is what the creation wrote, so a change made on the other side since
 * (a clear included) wins by the usual rule (docs/reliability.md, finding 6 and its cousins). The CRM
 * says the record is ours (`CreatedById` / `hs_object_source_id`). What we wrote is the create's
 * intent (stored just before the create, docs/design.md#lost-create-response), whatever happened to
 * the record since; without one, the record's values while nobody modified it since its creation —
 * otherwise it is linked as any first link.
 */
export function ownCreation(
  input: PlanInput,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  mappings: FieldMapping[],
): { snapshot: Snapshot; reason: string } | undefined {
  const untouched = (r: { createdAt: number; modifiedAt: number }) =>
    r.createdAt > 0 && r.modifiedAt <= r.createdAt;
  // Two-way, non-picklist fields only: there the created record holds what the creation copied. Other
  // fields may hold a value the other side never had (a restricted picklist's default such as Lead
  // Status, the default Company); they link as on a first link (no snapshot key), as before.
  const twoWay = mappings.filter((m) => m.rule === 'two-way' && m.type !== 'picklist');
  // The create's intent (written before it) says exactly what it wrote, modified since or not. A link's
  // intent under the same key is not what a create wrote (`lateFirstLink` reads those).
  const intent = (key: string, createdAt: number) => {
    const found = input.creationIntents?.get(key);
    return found && isCreationIntent(found) && createdAt >= found.at - CLOCK_SKEW_MS ? found : undefined;
  };
  const salesforceOwn = createdByCrmsyncInSalesforce(sf, input.integrationUserId);
  // A Contact a user converted from crmsync's own Lead holds what the Lead's create wrote (the
  // conversion copies it); its CreatedById is the converting user, so the Lead vouches for it.
  const convertedFrom =
    sf.objectType === 'Contact'
      ? input.salesforceRecords.find(
          (r) =>
            r.objectType === 'Lead' &&
            r.isConverted === true &&
            r.convertedContactId === sf.id &&
            createdByCrmsyncInSalesforce(r, input.integrationUserId),
        )
      : undefined;
  const created = salesforceOwn ? sf : convertedFrom;
  const salesforceIntent = created ? intent(`hubspot:${contact.id}`, created.createdAt) : undefined;
  if (salesforceIntent)
    return {
      snapshot: salesforceIntent.snapshot,
      reason: `${CREATED_BY_CRMSYNC_LATE} (Salesforce, its intent)`,
    };
  const hubspotOwn =
    input.hubspotAppId !== undefined && createdByCrmsyncInHubSpot(contact, input.hubspotAppId);
  // Created for a Lead a user converted since: the intent is the Lead's, the Contact holds its values.
  const hubspotIntent = hubspotOwn
    ? [sf, ...convertedLeadsOf(input, sf)]
        .map((r) => intent(`salesforce:${r.id}`, contact.createdAt))
        .find((found) => found !== undefined)
    : undefined;
  if (hubspotIntent)
    return { snapshot: hubspotIntent.snapshot, reason: `${CREATED_BY_CRMSYNC_LATE} (HubSpot, its intent)` };
  if (salesforceOwn && untouched(sf))
    return {
      snapshot: creationSnapshot(sf.fields, twoWay, input.config.picklists, 'salesforce'),
      reason: `${CREATED_BY_CRMSYNC_LATE} (Salesforce)`,
    };
  if (hubspotOwn && untouched({ createdAt: contact.createdAt, modifiedAt: contact.updatedAt }))
    return {
      snapshot: creationSnapshot(contact.properties, twoWay, input.config.picklists, 'hubspot'),
      reason: `${CREATED_BY_CRMSYNC_LATE} (HubSpot)`,
    };
  return undefined;
}

/** Added to the `linked … matched` reason when a first link's sync finishes late (`lateFirstLink`). */
export const LATE_FIRST_LINK = 'finishing a first sync whose write responses were lost';

/**
 * A first link by email whose sync wrote and lost its responses (docs/design.md#late-first-link): its
 * intent (stored before the writes) names the record matched and what the sync wrote. Linking the same
 * two records again, each field takes its intended value as the snapshot when the side it was written
 * to holds it (the write landed; a field not written held it on both sides), so a change made since —
 * a clear included — wins by the usual rule instead of being filled back by the first link's blank
 * fill (reliability seed 1209114512). One field of a side's update that holds its intended value shows
 * the whole update landed there: the others it wrote take their intended values too, whatever they
 * hold now (seeds 1224006402, 1224006621) — unless a change of that field since the intent put the value
 * there (seed 1340042036). A field whose write did not land merges from the snapshot that
 * sync started from (`link.base`: a late creation's values, seed 1214883355), or, without one, links
 * as on any first link. A field the side written to changed after the intent — to another value than
 * the one written, so not by this write — is a change made since: whether the write landed or not, the
 * change is later than it, and it wins against the intended value (seed 1212954852: a HubSpot user
 * cleared the firstname the first link had written). `changedAt` gives what the batch knows of a
 * field's last change on each side (users' changes the notices report, HubSpot's property history).
 * Returns the snapshot to link from, and the HubSpot properties only the property history can decide.
 */
export function lateFirstLink(
  input: PlanInput,
  contact: HubSpotContact,
  sf: SalesforceRecord,
  mappings: FieldMapping[],
  changedAt: {
    hubspot: (property: string) => number | undefined;
    salesforce: (field: string) => number | undefined;
  },
): LateFirstLink | undefined {
  const intent = input.creationIntents?.get(`hubspot:${contact.id}`);
  const link = intent?.link;
  // The Contact a user converted the linked Lead into holds what was written to the Lead (seed 1330046128).
  if (!intent || !link || !isOrConvertedFrom(input, sf, link.salesforceId)) return undefined;
  const toHubSpot = new Set(link.hubspot);
  const toSalesforce = new Set(link.salesforce);
  // The side a field was written to, if any.
  const writtenTo = (m: FieldMapping): CrmSide | undefined =>
    toSalesforce.has(m.salesforce) ? 'salesforce' : toHubSpot.has(m.hubspot) ? 'hubspot' : undefined;
  const holds = (m: FieldMapping, side: CrmSide, intended: string | null) =>
    holdsIntended(input, { contact, sf }, m, side, intended);
  // A field's last change known to the batch is later than the intent.
  const changedSince = (m: FieldMapping, side: CrmSide) => {
    const at = side === 'salesforce' ? changedAt.salesforce(m.salesforce) : changedAt.hubspot(m.hubspot);
    return at !== undefined && at > intent.at;
  };
  // A CRM applies one record's update whole, and a field is written only where its side held another
  // value: one written field that holds its intended value shows that side's write landed, so a field
  // written in the same update that holds something else was changed since — even when the batch has
  // no notice of that change (seeds 1224006402, 1224006621). Not a field changed since the intent: it
  // holds what that change wrote, which may be the very value crmsync meant to write (seed 1340042036:
  // a HubSpot user typed the lastname the lost update carried; its firstname never landed).
  const landedOn = (side: CrmSide) =>
    mappings.some((m) => {
      const intended = intent.snapshot[m.hubspot];
      return (
        intended !== undefined && writtenTo(m) === side && holds(m, side, intended) && !changedSince(m, side)
      );
    });
  const landed = { hubspot: landedOn('hubspot'), salesforce: landedOn('salesforce') };
  const snapshot: Snapshot = {};
  const historyWanted: string[] = [];
  let salesforceHistoryWanted = false;
  for (const m of mappings) {
    const intended = intent.snapshot[m.hubspot];
    if (intended === undefined) continue;
    // The field itself shows that the intended value is what it moved from: not written (both sides held
    // it), holding it (landed), or changed since by someone else (landed or not, that change is later).
    const side = writtenTo(m);
    const ownEvidence = side === undefined || holds(m, side, intended) || changedSince(m, side);
    const fromIntended = ownEvidence || landed[side];
    // Otherwise only another field of the update can vouch for it, and that field's value may be a user's
    // who typed the value written (seed 1340042036); a written field with no evidence of its own may have
    // never landed. Its history tells, where the batch can read it: HubSpot's property history (the current
    // value's time against the intent's), or — the record modified after the intent — Salesforce's field
    // history (a user's change, a clear say, against a write that never landed: seed 1228705811). Until it
    // is read, a vouched-for field takes the intended value and the others link as on any first link.
    if (!ownEvidence && side === 'hubspot' && contact.propertyChangedAt === undefined)
      historyWanted.push(m.hubspot);
    if (!ownEvidence && side === 'salesforce' && sf.modifiedAt > intent.at)
      salesforceHistoryWanted ||= input.salesforceFieldChanges === undefined;
    const from = fromIntended ? intended : link.base?.[m.hubspot];
    if (from !== undefined) snapshot[m.hubspot] = from;
  }
  return { snapshot, historyWanted, salesforceHistoryWanted };
}

/** What `lateFirstLink` links from, and what it could not tell without HubSpot's property history. */
export interface LateFirstLink {
  snapshot: Snapshot;
  /**
   * HubSpot properties the first link wrote that hold another value now, with nothing in the batch to
   * say whether the write landed and was changed since, or never landed: HubSpot's property history
   * tells (the current value's time against the intent's), and the processor reads it and plans again
   * (`contactsNeedingHistory`). Empty once the history was read.
   */
  historyWanted: string[];
  /**
   * The Salesforce record's field history (since the intent) would decide a field the first link wrote
   * there: the processor reads it (`salesforceFieldChanges`) and plans again. False once it was read.
   */
  salesforceHistoryWanted: boolean;
}

/**
 * The latest change of each Salesforce field of `recordId` that the batch read from field history,
 * made by someone other than crmsync's integration user (its own landed write is not a change "since").
 */
export function salesforceHistoryChangedAt(
  input: PlanInput,
  recordId: string,
): (field: string) => number | undefined {
  const latest = new Map<string, number>();
  for (const c of input.salesforceFieldChanges ?? []) {
    if (c.recordId !== recordId || c.byId === input.integrationUserId) continue;
    latest.set(c.field, Math.max(latest.get(c.field) ?? 0, c.at));
  }
  return (field) => latest.get(field);
}

/** Whether `side`'s record holds the value a write intended for mapping `m` (normalized; unmappable: no). */
export function holdsIntended(
  input: PlanInput,
  records: { contact: HubSpotContact; sf: SalesforceRecord },
  m: FieldMapping,
  side: CrmSide,
  intended: string | null,
): boolean {
  const value =
    side === 'salesforce' ? records.sf.fields[m.salesforce] : records.contact.properties[m.hubspot];
  try {
    return normalizeValue(value, m, side, input.config.picklists) === intended;
  } catch {
    return false;
  }
}

/** The batch's Leads converted into this Contact (none for a Lead). */
export function convertedLeadsOf(input: PlanInput, sf: SalesforceRecord): SalesforceRecord[] {
  if (sf.objectType !== 'Contact') return [];
  return input.salesforceRecords.filter(
    (r) => r.objectType === 'Lead' && r.isConverted === true && r.convertedContactId === sf.id,
  );
}

/** Whether `sf` is record `id`, or the Contact a user converted Lead `id` into (it holds what was written to the Lead). */
export function isOrConvertedFrom(input: PlanInput, sf: SalesforceRecord, id: string): boolean {
  return id === sf.id || convertedLeadsOf(input, sf).some((l) => l.id === id);
}
