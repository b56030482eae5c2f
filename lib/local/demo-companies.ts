import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';

/** What the company/owner demo added, by name, so docs and tests can point at each case. */
export interface DemoCompanies {
  /** Salesforce User ids by email. */
  users: Record<string, string>;
  /** HubSpot owner ids by email. */
  owners: Record<string, string>;
  /** The lead queue (00G…). */
  queueId: string;
  /** Salesforce Account ids by name. */
  accounts: Record<string, string>;
  /** HubSpot company ids by name. */
  companies: Record<string, string>;
}

const DOMAIN = 'demo.crmsync.dev';
/** A lifecycle stage in the demo segment (lib/local/demo-data.ts). */
const IN_DEMO_SEGMENT = 'salesqualifiedlead';
const person = (first: string, last: string) => ({
  first,
  last,
  email: `${first}.${last}@${DOMAIN}`.toLowerCase(),
});
/** On both sides: owner mapping works (O1–O5). */
const MAYA = person('Maya', 'Patel');
const LEO = person('Leo', 'Martin');
/** An owner in HubSpot whose Salesforce user is inactive: O2 refuses to write her as OwnerId. */
const INES = person('Ines', 'Garcia');
/** Only in Salesforce: O3 leaves the HubSpot owner unchanged. */
const SAM = person('Sam', 'Okafor');
/** Only in HubSpot: O2 has no Salesforce user to write. */
const TOM = person('Tom', 'Reed');

/**
 * Seeds the companies/owners part of the demo (docs/design.md#demo): users and owners that
 * match by email (plus one inactive user, one HubSpot-only and one Salesforce-only person, and a
 * lead queue), three accounts whose Contacts' HubSpot twins are associated with a company of the
 * same name (C3: they match through those contacts, never by name), one account with no
 * contacts (C2 creates its company) and one HubSpot company whose only contact syncs to a
 * Contact without an account (C4 creates its account).
 *
 * Runs after the contact demo and before delivery URLs are set. It adds records and sets
 * AccountId and primary companies on a few existing twins, and puts those twins in the demo
 * segment (lifecycle stage SQL): C3 (b) matches through contacts that *sync*, and C4 needs an
 * eligible contact. Other contact fields, and the Salesforce ids of the existing demo records, are
 * unchanged (they were issued first).
 */
export async function seedDemoCompanies(opts: {
  hubspot: HubSpotSandbox;
  salesforce: SalesforceSandbox;
  /** HubSpot ids of the demo contacts whose Salesforce twin is a Contact, in the same order. */
  twinContacts: { hubspotId: string; salesforceId: string }[];
  /** One Salesforce-only demo lead that a queue will own. */
  queuedLeadId: string | undefined;
}): Promise<DemoCompanies> {
  const { hubspot, salesforce } = opts;
  const users: Record<string, string> = {};
  for (const p of [MAYA, LEO, INES, SAM]) {
    users[p.email] = salesforce.addUser({ Email: p.email, FirstName: p.first, LastName: p.last });
  }
  const owners: Record<string, string> = {};
  for (const p of [MAYA, LEO, INES, TOM]) {
    owners[p.email] = hubspot.addOwner({ email: p.email, firstName: p.first, lastName: p.last }).id;
  }
  const queueId = salesforce.addQueue({ Name: 'Inbound Lead Queue' });
  if (opts.queuedLeadId) await salesforce.userUpdate('Lead', opts.queuedLeadId, { OwnerId: queueId });

  const accounts: Record<string, string> = {};
  const companies: Record<string, string> = {};
  const shared = [
    { name: 'Northwind Traders', owner: MAYA, domain: 'northwind.example.com', industry: 'Retail' },
    // Industries the example's picklist table maps (C7): an unmapped one would be a sync error from the start.
    { name: 'Globex Corporation', owner: LEO, domain: 'globex.example.com', industry: 'Finance' },
    { name: 'Initech', owner: INES, domain: 'initech.example.com', industry: 'Technology' },
  ];
  const twins = [...opts.twinContacts];
  for (const a of shared) {
    const accountId = await salesforce.userCreate('Account', {
      Name: a.name,
      Website: `https://${a.domain}`,
      Industry: a.industry,
      OwnerId: users[a.owner.email],
    });
    const companyId = await hubspot.userCreateCompany({
      name: a.name,
      domain: a.domain,
      industry: a.industry,
      hubspot_owner_id: owners[a.owner.email] ?? '',
    });
    accounts[a.name] = accountId;
    companies[a.name] = companyId;
    for (const twin of twins.splice(0, 2)) {
      await hubspot.userUpdateContact(twin.hubspotId, { lifecyclestage: IN_DEMO_SEGMENT });
      await salesforce.userUpdate('Contact', twin.salesforceId, { AccountId: accountId });
      await hubspot.userAssociate(twin.hubspotId, companyId, true);
    }
  }
  // Ines left after her accounts were assigned: Salesforce keeps an inactive owner on records.
  salesforce.setUserActive(users[INES.email] ?? '', false);

  accounts['Umbrella Health'] = await salesforce.userCreate('Account', {
    Name: 'Umbrella Health',
    Website: 'https://umbrella.example.com',
    Industry: 'Healthcare',
    OwnerId: users[SAM.email],
  });
  companies['Hooli'] = await hubspot.userCreateCompany({
    name: 'Hooli',
    domain: 'hooli.example.com',
    hubspot_owner_id: owners[TOM.email] ?? '',
  });
  const lone = twins.shift();
  if (lone) {
    await hubspot.userUpdateContact(lone.hubspotId, { lifecyclestage: IN_DEMO_SEGMENT });
    await hubspot.userAssociate(lone.hubspotId, companies['Hooli'], true);
  }
  return { users, owners, queueId, accounts, companies };
}
