import { describe, expect, it } from 'vitest';
import { annLinked, annSnapshot, notice, planOf, T0 } from './fixtures.ts';

/**
 * A committed pair's sync that wrote and lost its responses, retried (lib/domain/plan/unfinished-update.ts;
 * docs/design.md#unfinished-update): the stored snapshot is the one from before those writes.
 */
describe('an unfinished update of a committed pair', () => {
  // The earlier sync carried a Salesforce clear of Phone (snapshot 0102) to HubSpot: it wrote phone ""
  // to contact 101, which landed, and lost the response; the pair (version 3) was never committed.
  // A Salesforce user then set Phone back to 0102, the stored snapshot's value.
  const records = annLinked({
    hubspot: { phone: null },
    salesforce: { Phone: '+1 555 0102' },
    pair: { snapshot: { ...annSnapshot, phone: '+1 555 0102' } },
  });
  const intent = {
    snapshot: { ...annSnapshot, phone: null },
    at: T0 + 1_000,
    update: { salesforceId: '00Q1', version: 3, hubspot: ['phone'], salesforce: [] },
  };
  const retry = (extra: { intent?: typeof intent } = {}) =>
    planOf([notice('hubspot', 'contact', '101', 'updated', { changedFields: ['firstname'] })], {
      ...records,
      members: new Set(['101']),
      creationIntents: new Map(extra.intent ? [['update:hubspot:101', extra.intent]] : []),
    });

  it('no-lost-update (seed 1260001596): the landed write is the snapshot, so the Salesforce set-back wins', () => {
    const plan = retry({ intent });
    expect(plan.hubspotUpdates).toEqual([
      expect.objectContaining({ id: '101', properties: expect.objectContaining({ phone: '+1 555 0102' }) }),
    ]);
    expect(plan.salesforceUpdates.Lead).toEqual([]);
  });

  it('without the intent the retry takes its own landed write for a HubSpot change (the bug)', () => {
    expect(retry().salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
  });

  it('an intent of another version (the pair committed since) is stale and ignored', () => {
    const stale = { ...intent, update: { ...intent.update, version: 2 } };
    expect(retry({ intent: stale }).salesforceUpdates.Lead).toEqual([
      expect.objectContaining({ id: '00Q1', fields: expect.objectContaining({ Phone: null }) }),
    ]);
  });
});
