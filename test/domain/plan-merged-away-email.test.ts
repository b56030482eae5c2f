import { describe, expect, it } from 'vitest';
import { EMAIL_OF_MERGED_CONTACT } from '../../lib/domain/plan/resolve.ts';
import type { SyncPlan } from '../../lib/domain/plan/types.ts';
import { annSf, hubspotContact, notice, planOf, salesforceRecord } from './fixtures.ts';

const writes = (plan: SyncPlan) =>
  plan.hubspotCreates.length + plan.hubspotUpdates.length + plan.pairWrites.length;

/** Bea's contact 201, which a HubSpot merge left holding Ann's email as an additional one. */
const bea = hubspotContact('201', {
  email: 'bea@example.com',
  lastname: 'Bell',
  hs_additional_emails: 'old@example.com; ANN@example.com',
});

/** docs/design.md#merged-away-email (reliability finding 22, seed 1222103396). */
describe('plan: a Salesforce record whose email a HubSpot merge kept on the survivor', () => {
  it('R6: a new Lead with that email is neither created nor linked: skipped email-of-merged-contact, naming the survivor', () => {
    const plan = planOf([notice('salesforce', 'Lead', '00Q1', 'created')], {
      hubspotContacts: [bea],
      salesforceRecords: [salesforceRecord('00Q1', 'Lead', annSf)],
    });
    expect(writes(plan)).toBe(0);
    expect(plan.decisions[0]).toMatchObject({
      recordKey: 'salesforce:00Q1',
      outcome: 'skipped',
      reason: EMAIL_OF_MERGED_CONTACT,
      detail: { hubspotId: '201' },
    });
  });

  it('R2 (no segment): the same; a record with an email nobody holds is still created', () => {
    const plan = planOf(
      [notice('salesforce', 'Lead', '00Q1', 'created'), notice('salesforce', 'Lead', '00Q2', 'created')],
      {
        settings: { inclusionSegmentId: null, autoCreateFromLeads: true, autoCreateFromContacts: true },
        hubspotContacts: [bea],
        salesforceRecords: [
          salesforceRecord('00Q1', 'Lead', annSf),
          salesforceRecord('00Q2', 'Lead', { ...annSf, Email: 'cyd@example.com' }),
        ],
      },
    );
    expect(plan.hubspotCreates.map((c) => c.properties['email'])).toEqual(['cyd@example.com']);
    expect(plan.decisions.find((d) => d.recordKey === 'salesforce:00Q1')).toMatchObject({
      reason: EMAIL_OF_MERGED_CONTACT,
    });
  });
});
