import { normalizeEmail } from '../domain/identity.ts';
import type { ChangeNotice, SalesforceObject } from '../domain/notice.ts';
import type { PairState, SalesforceRecord } from '../ports.ts';
import type { ImportCounts } from './import-salesforce.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * One page of the Lead/Contact import (R7), read by `importFromSalesforce` (lib/sync/import-salesforce.ts).
 * Records already linked are skipped (members an interrupted page linked but never queued are queued
 * again); the rest are matched by email to an existing HubSpot contact or created with the email only;
 * the pair is stored as `emailOnly`; then an `import` notice is queued for each, and the gate decides:
 * members of the segment (or everyone, with no segment) sync fully, the others stay email-only.
 */
export async function importContactPage(
  deps: SyncDeps,
  segmentId: string | null,
  records: SalesforceRecord[],
  result: ImportCounts,
): Promise<void> {
  result.read += records.length;
  const existing = await deps.store.getPairsBySalesforceIds(records.map((r) => r.id));
  await dropLinksToDeletedContacts(deps, existing, result);
  const todo: { record: SalesforceRecord; email: string }[] = [];
  const unfinished: PairState[] = [];
  for (const record of records) {
    const linked = existing.get(record.id);
    if (linked) {
      result.alreadyLinked++;
      if (linked.origin === 'import' && linked.emailOnly) unfinished.push(linked);
      continue;
    }
    const email = normalizeEmail(
      typeof record.fields['Email'] === 'string' ? record.fields['Email'] : undefined,
    );
    if (!email) {
      result.withoutEmail++;
      continue;
    }
    todo.push({ record, email });
  }
  await resumeUnfinished(deps, segmentId, unfinished, result);
  if (todo.length === 0) return;

  // Match by email first, so no duplicate is created in HubSpot.
  const found = await deps.hubspot.findContactsByEmail([...new Set(todo.map((t) => t.email))], ['email']);
  const byEmail = new Map(found.map((c) => [normalizeEmail(c.properties['email'] ?? undefined) ?? '', c.id]));
  const toCreate = [...new Set(todo.filter((t) => !byEmail.has(t.email)).map((t) => t.email))];
  if (toCreate.length > 0) {
    const outcomes = await deps.hubspot.createContacts(
      toCreate.map((email) => ({ ref: email, properties: { email } })),
    );
    for (const o of outcomes) {
      if (o.ok) {
        byEmail.set(o.ref, o.id);
        result.created++;
      } else {
        for (const t of todo.filter((x) => x.email === o.ref))
          result.errors.push({ salesforceId: t.record.id, message: o.message });
      }
    }
  }

  const at = deps.now();
  const hubspotIds = [...new Set(todo.map((t) => byEmail.get(t.email)).filter((id): id is string => !!id))];
  const pairsByHubSpot = await deps.store.getPairsByHubSpotIds(hubspotIds);
  const notices: ChangeNotice[] = [];
  for (const { record, email } of todo) {
    const hubspotId = byEmail.get(email);
    if (!hubspotId) continue;
    // One HubSpot contact links to one Salesforce record: a second record with the same email is
    // left unlinked (and counted, so the user sees it).
    if (pairsByHubSpot.has(hubspotId)) {
      result.sharedEmail++;
      continue;
    }
    const pair: PairState = {
      hubspotId,
      salesforceId: record.id,
      salesforceType: record.objectType,
      snapshot: { email },
      version: 0,
      lastSyncedAt: at,
      origin: 'import',
      emailOnly: true,
    };
    try {
      pairsByHubSpot.set(hubspotId, await deps.store.putPair(pair, 0));
      if (found.some((c) => c.id === hubspotId)) result.linked++;
    } catch (error) {
      result.errors.push({ salesforceId: record.id, message: (error as Error).message });
      continue;
    }
    notices.push(importNotice(record.id, record.objectType, at));
  }
  if (notices.length > 0) {
    await deps.queue.send(notices);
    result.queued += notices.length;
  }
}

/**
 * A link to a HubSpot contact that no longer exists must not block the import (docs/design.md#stale-link):
 * one batch read of the linked contacts per page; a contact the read does not return (deleted, or
 * merged away — HubSpot answers a merged id with its survivor) loses its link, conditionally on the
 * pair's version, and its record is imported as unlinked: matched by email (a merge survivor with the
 * same email is found so) or created again. A pair that changed meanwhile is left as it is.
 */
async function dropLinksToDeletedContacts(
  deps: SyncDeps,
  existing: Map<string, PairState>,
  result: ImportCounts,
): Promise<void> {
  if (existing.size === 0) return;
  const alive = new Set(
    (await deps.hubspot.readContacts([...new Set([...existing.values()].map((p) => p.hubspotId))], ['email']))
      .filter((c) => !c.archived)
      .map((c) => c.id),
  );
  for (const [salesforceId, pair] of existing) {
    if (alive.has(pair.hubspotId)) continue;
    try {
      await deps.store.deletePair(pair.hubspotId, pair.version);
      existing.delete(salesforceId);
      result.relinked++;
    } catch (error) {
      result.errors.push({ salesforceId, message: (error as Error).message });
    }
  }
}

function importNotice(salesforceId: string, objectType: SalesforceObject, at: number): ChangeNotice {
  return {
    source: 'salesforce',
    objectType,
    recordId: salesforceId,
    kind: 'import',
    eventId: `import:${salesforceId}:${at}`,
    occurredAt: at,
  };
}

/**
 * Links stored by an earlier run are skipped, but that run may have stopped between storing them and
 * queueing their sync. A member (or anyone, with no segment) that is still email-only never got its
 * full sync: queue it again. Non-members stay email-only by design (R7), so they need nothing.
 */
async function resumeUnfinished(
  deps: SyncDeps,
  segmentId: string | null,
  pairs: PairState[],
  result: ImportCounts,
): Promise<void> {
  if (pairs.length === 0) return;
  const members = segmentId
    ? await deps.store.getMembers(
        segmentId,
        pairs.map((p) => p.hubspotId),
      )
    : new Set(pairs.map((p) => p.hubspotId));
  const at = deps.now();
  const notices = pairs
    .filter((p) => members.has(p.hubspotId))
    .map((p) => importNotice(p.salesforceId, p.salesforceType, at));
  if (notices.length === 0) return;
  await deps.queue.send(notices);
  result.resumed += notices.length;
  result.queued += notices.length;
}
