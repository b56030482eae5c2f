import { describe, expect, it } from 'vitest';
import type { ProcessorRecord } from '../../lib/sync/coalesce.ts';
import { type SyncRecords, syncWithMerges } from '../../lib/sync/merges.ts';
import type { Decision } from '../../lib/ports.ts';
import type { RecordOutcome } from '../../lib/sync/processor-types.ts';

/**
 * The follow-up pass of lib/sync/merges.ts: a HubSpot contact a Salesforce merge left unlinked is
 * planned again at once; when that must be retried, the contact's own notices in the batch go back to
 * the queue (docs/reliability.md, finding 38, seed 1360017919).
 */
const T = 1_800_000_000_000;
const record = (key: string, messageIds: string[]): ProcessorRecord => {
  const [source, recordId] = key.split(':') as ['hubspot' | 'salesforce', string];
  return {
    key,
    source,
    objectType: source === 'hubspot' ? 'contact' : 'Lead',
    recordId,
    kind: 'updated',
    created: false,
    eventIds: [`e-${key}`],
    occurredAt: T,
    forceRead: false,
    messageIds,
  };
};
const outcome = (r: ProcessorRecord, status: RecordOutcome['status'], reason: string): RecordOutcome => {
  const decision: Decision = {
    at: T,
    recordKey: r.key,
    outcome: status === 'retry' ? 'received' : 'skipped',
    reason,
  };
  return { record: r, status, decisions: [decision], written: { hubspot: false, salesforce: false } };
};

describe('the follow-up of a contact a merge left unlinked', () => {
  const contact = record('hubspot:1001', ['m1']);
  const lead = record('salesforce:00Q12', ['m2']);
  // The batch: the merged Lead's notice unlinks contact 1001 (merged-into-other-email); the contact's own
  // notice, planned on the removed link, is skipped.
  const merged = outcome(lead, 'noop', 'merged');
  merged.decisions.push({
    at: T,
    recordKey: 'hubspot:1001',
    outcome: 'relinked',
    reason: 'merged-into-other-email',
  });
  const batch: RecordOutcome[] = [merged, outcome(contact, 'skipped', 'not-found')];
  const syncing = (followUp: RecordOutcome['status']): { sync: SyncRecords; calls: ProcessorRecord[][] } => {
    const calls: ProcessorRecord[][] = [];
    const sync: SyncRecords = async (records) => {
      calls.push(records);
      return calls.length === 1 ? batch : records.map((r) => outcome(r, followUp, followUp));
    };
    return { sync, calls };
  };

  it('renotified (seed 1360017919): a follow-up that must be retried hands the contact’s own notices back', async () => {
    const { sync, calls } = syncing('retry');
    const out = await syncWithMerges([lead, contact], sync, T);
    expect(calls[1]?.map((r) => r.key)).toEqual(['hubspot:1001']);
    const own = out.find((o) => o.record === contact);
    expect(own?.status).toBe('retry');
    expect(own?.decisions.at(-1)).toMatchObject({ outcome: 'received', reason: 'retry' });
    // The follow-up itself has no message: it counts as nothing done, not as a retry.
    expect(out.find((o) => o.record.messageIds.length === 0)?.status).toBe('noop');
    expect(out.find((o) => o.record === lead)?.status).toBe('noop');
  });

  it('renotified: a follow-up that succeeds leaves the contact’s notices acknowledged', async () => {
    const { sync } = syncing('synced');
    const out = await syncWithMerges([lead, contact], sync, T);
    expect(out.find((o) => o.record === contact)?.status).toBe('skipped');
  });
});
