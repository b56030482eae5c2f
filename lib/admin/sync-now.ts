import type { ChangeNotice } from '../domain/notice.ts';
import { CrmSyncError } from '../errors.ts';
import type { ChangeQueue } from '../ports.ts';
import { isHubSpotId, isSalesforceId, salesforceObjectOf } from './records.ts';
import type { SyncNowReceipt } from './services.ts';

/**
 * "Sync now" for one record (POST /api/records/{side}/{id}/sync): a `resync` notice on the changes
 * queue, so the record goes through the normal path — gate (R3: outside the segment it is skipped and
 * the decision says so), three-way merge, API budget — like any change (docs/design.md#notices-not-values).
 * The notice's event id comes back: the decision made for it carries that id, which is how the
 * dashboard and `crmsync sync` tell its answer from older decisions.
 */
export async function queueSyncNow(
  deps: { queue: ChangeQueue; now: () => number },
  side: 'hubspot' | 'salesforce',
  id: string,
): Promise<SyncNowReceipt> {
  const objectType = objectOf(side, id);
  const queuedAt = deps.now();
  const notice: ChangeNotice = {
    source: side,
    objectType,
    recordId: id,
    kind: 'resync',
    eventId: `sync-now:${side}:${id}:${queuedAt}`,
    occurredAt: queuedAt,
  };
  await deps.queue.send([notice]);
  return { side, id, noticeId: notice.eventId, queuedAt };
}

function objectOf(side: 'hubspot' | 'salesforce', id: string): ChangeNotice['objectType'] {
  if (side === 'hubspot') {
    if (isHubSpotId(id)) return 'contact';
    throw new CrmSyncError(
      `${JSON.stringify(id)} is not a HubSpot contact id: contact ids are digits, e.g. 101.`,
    );
  }
  const object = isSalesforceId(id) ? salesforceObjectOf(id) : undefined;
  if (object) return object;
  throw new CrmSyncError(
    `${JSON.stringify(id)} is not a Salesforce Lead (00Q…) or Contact (003…) id of 15 or 18 characters.`,
  );
}
