/**
 * Bulk-load fake leads and contacts, like a data import: no outbound messages, no CDC events,
 * duplicate rule bypassed. Emails come from the shared fake-people generator, so a HubSpot
 * sandbox seeded with the same seed shares them.
 */
import { fakePeople } from '../common/index.ts';
import { LEAD_STATUSES } from './schema.ts';
import { DATA_LOAD_USER_ID, type OrgStore } from './store.ts';

/** Seed options: counts, PRNG seed, and emails to force onto the first records (leads first, then contacts). */
export interface SeedOptions {
  leads: number;
  contacts: number;
  seed?: number;
  overlapEmails?: string[];
}

/** Create the records; returns their ids in creation order. */
export function seedOrg(store: OrgStore, opts: SeedOptions): { leadIds: string[]; contactIds: string[] } {
  const people = fakePeople(opts.leads + opts.contacts, { seed: opts.seed ?? 42 });
  const overlap = opts.overlapEmails ?? [];
  // A data load runs as an admin, not as crmsync's integration user (CreatedById tells them apart).
  const txn = store.begin({ kind: 'ui', userId: DATA_LOAD_USER_ID });
  const savedRule = store.options.duplicateRuleOnEmail;
  store.options.duplicateRuleOnEmail = false;
  const leadIds: string[] = [];
  const contactIds: string[] = [];
  try {
    people.forEach((p, i) => {
      const email = overlap[i] ?? p.email;
      const common = {
        FirstName: p.firstName,
        LastName: p.lastName,
        Email: email,
        Title: p.jobTitle,
        Phone: p.phone,
      };
      if (i < opts.leads) {
        const status = LEAD_STATUSES[i % 2];
        leadIds.push(
          store.create(txn, 'Lead', { ...common, Company: p.company, Status: status, LeadSource: 'Web' }),
        );
      } else {
        contactIds.push(store.create(txn, 'Contact', common));
      }
    });
  } finally {
    store.options.duplicateRuleOnEmail = savedRule;
  }
  // Not committed: an import fires no workflow outbound messages here and no change events.
  return { leadIds, contactIds };
}
