import type { CrmSyncConfig } from '../config.ts';
import type { HubSpotList, HubSpotPort } from '../ports.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { LEAD_STATUSES, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type DemoCompanies, seedDemoCompanies } from './demo-companies.ts';

/** Sizes of the demo data set. */
export interface DemoSize {
  /** HubSpot contacts. The first `leads + contacts` of them have a Salesforce twin with the same email. */
  hubspotContacts: number;
  /** Salesforce leads and contacts matching HubSpot contacts by email. */
  leads: number;
  contacts: number;
  /** Salesforce leads with no HubSpot twin (auto-create and import have something to do). */
  salesforceOnlyLeads: number;
  /** PRNG seed: the same seed gives the same people, ids and values on every start. */
  seed: number;
}

export const DEFAULT_DEMO: DemoSize = {
  hubspotContacts: 400,
  leads: 200,
  contacts: 100,
  salesforceOnlyLeads: 40,
  seed: 42,
};

/** The demo segment: lifecycle stage is MQL or SQL (docs/design.md#demo), so one edit moves a contact in or out. */
export const DEMO_SEGMENT = {
  name: 'Demo: sales-ready (MQL or SQL)',
  filter: {
    property: 'lifecyclestage',
    operator: 'IS_ANY_OF' as const,
    values: ['marketingqualifiedlead', 'salesqualifiedlead'],
  },
};

export interface DemoInfo {
  hubspotIds: string[];
  leadIds: string[];
  contactIds: string[];
  salesforceOnlyLeadIds: string[];
  segment: HubSpotList;
  /**
   * Accounts, companies, users, owners and the lead queue (docs/design.md#demo). Absent when the
   * demo info was saved (sandbox-data.ts) by a version without them.
   */
  companies?: DemoCompanies;
}

/**
 * Seeds both sandboxes with overlapping people and creates the demo segment. Both sandboxes draw
 * people from the same seeded generator, so HubSpot contact i and Salesforce record i share email,
 * names, title, phone and company: the overlap starts out in sync and a first resync only links.
 * Run it before delivery URLs are set, so that seeding fires no webhook, outbound message or CDC event.
 *
 * The same seed gives the same ids and values on every first start; after that the sandboxes keep
 * their data under the data dir (sandbox-data.ts) and the demo is not seeded again.
 */
export async function seedDemo(opts: {
  hubspot: HubSpotSandbox;
  salesforce: SalesforceSandbox;
  hubspotPort: HubSpotPort;
  config: CrmSyncConfig;
  size?: DemoSize;
}): Promise<DemoInfo> {
  const size = opts.size ?? DEFAULT_DEMO;
  const hubspotIds = opts.hubspot.seed({ contacts: size.hubspotContacts, seed: size.seed });
  const twins = opts.salesforce.seed({ leads: size.leads, contacts: size.contacts, seed: size.seed });
  const extra = opts.salesforce.seed({
    leads: size.salesforceOnlyLeads,
    contacts: 0,
    seed: size.seed + 1000,
  });

  // Lead Status is mapped (picklist) but HubSpot's seed leaves hs_lead_status empty: give the twins
  // the mapped value so the demo's overlap is in sync from the start.
  const table = opts.config.picklists.leadStatus?.salesforceToHubspot;
  if (table) {
    for (let i = 0; i < twins.leadIds.length; i++) {
      const hubspotId = hubspotIds[i];
      const value = table[LEAD_STATUSES[i % 2] ?? ''];
      if (hubspotId && value) await opts.hubspot.userUpdateContact(hubspotId, { hs_lead_status: value });
    }
  }
  // Contacts with no Salesforce twin start outside the segment: every member is then linked by email
  // on the first resync, and moving one of these into the segment shows a Lead being created.
  for (const hubspotId of hubspotIds.slice(twins.leadIds.length + twins.contactIds.length)) {
    await opts.hubspot.userUpdateContact(hubspotId, {
      lifecyclestage: Number(hubspotId) % 2 ? 'lead' : 'subscriber',
    });
  }
  const segment = await opts.hubspotPort.createDynamicList(DEMO_SEGMENT.name, DEMO_SEGMENT.filter);
  const offset = twins.leadIds.length;
  const companies = await seedDemoCompanies({
    hubspot: opts.hubspot,
    salesforce: opts.salesforce,
    twinContacts: twins.contactIds.map((salesforceId, i) => ({
      hubspotId: hubspotIds[offset + i] ?? '',
      salesforceId,
    })),
    queuedLeadId: extra.leadIds.at(-1),
  });
  return {
    hubspotIds,
    leadIds: twins.leadIds,
    contactIds: twins.contactIds,
    salesforceOnlyLeadIds: extra.leadIds,
    segment,
    companies,
  };
}
