import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFromSalesforce } from '../../lib/sync/import-salesforce.ts';
import { setAutoCreate } from '../../lib/sync/segment-choice.ts';
import { refreshSegment } from '../../lib/sync/segment-refresh.ts';
import {
  decisionsSince,
  hubspotContact,
  hubspotIdsByEmail,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  startScenario,
  uniqueEmail,
} from './scenario-stack.ts';

/** The mapped HubSpot properties other than email: R7 keeps them empty outside the segment. */
const OTHER_MAPPED = ['firstname', 'lastname', 'phone', 'jobtitle', 'company'] as const;

async function otherMapped(s: Scenario, id: string): Promise<Record<string, string | null>> {
  const p = await hubspotContact(s, id);
  return Object.fromEntries(OTHER_MAPPED.map((k) => [k, p[k] ?? null]));
}
const EMPTY = Object.fromEntries(OTHER_MAPPED.map((k) => [k, null]));

describe('R7 import from Salesforce, with a segment (scenario)', () => {
  let s: Scenario;
  const email = { member: '', created: '', outsider: '' };
  const hubspotIds = { member: '', outsider: '' };
  let leadIds: string[];

  beforeAll(async () => {
    s = await startScenario();
    // Salesforce records that exist before crmsync: created while nothing could sync them.
    await s.syncNothingYet('Empty');
    email.member = uniqueEmail('r7-member');
    email.created = uniqueEmail('r7-new');
    email.outsider = uniqueEmail('r7-outsider');
    // HubSpot already knows two of the emails: one contact in the segment, one outside; both bare.
    hubspotIds.member = await s.hubspotSandbox.userCreateContact({
      email: email.member,
      lifecyclestage: IN_SEGMENT,
    });
    hubspotIds.outsider = await s.hubspotSandbox.userCreateContact({
      email: email.outsider,
      lifecyclestage: OUT_OF_SEGMENT,
    });
    leadIds = [
      await s.salesforceSandbox.userCreate('Lead', {
        Email: email.member,
        FirstName: 'Mem',
        LastName: 'Ber',
        Company: 'Member Co',
        Title: 'VP',
        Phone: '+1 555 0701',
      }),
      await s.salesforceSandbox.userCreate('Lead', {
        Email: email.created,
        FirstName: 'New',
        LastName: 'Comer',
        Company: 'New Co',
        Title: 'Intern',
      }),
      await s.salesforceSandbox.userCreate('Lead', { LastName: 'No Email', Company: 'Ghost Co' }),
    ];
    await s.salesforceSandbox.userCreate('Contact', {
      Email: email.outsider,
      FirstName: 'Out',
      LastName: 'Sider',
      Title: 'CFO',
    });
    await s.flush();
    await s.selectNewSegment('MQL contacts', [IN_SEGMENT]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R7: importing writes only the email to HubSpot; members then sync the other mapped fields; non-members keep them empty', async () => {
    const before = s.calls();
    const leads = await importFromSalesforce(s.deps, 'Lead');
    const contacts = await importFromSalesforce(s.deps, 'Contact');
    expect(leads).toMatchObject({
      read: 3,
      created: 1,
      linked: 1,
      alreadyLinked: 0,
      withoutEmail: 1,
      queued: 2,
      errors: [],
    });
    expect(contacts).toMatchObject({ read: 1, created: 0, linked: 1, queued: 1, errors: [] });

    // At import time: the created contact has the email and nothing else mapped.
    const [createdId] = await hubspotIdsByEmail(s, email.created);
    expect(createdId).toBeDefined();
    expect(await otherMapped(s, createdId!)).toEqual(EMPTY);
    expect(s.calls().hubspot.writes - before.hubspot.writes).toBe(1);

    const t0 = Date.now();
    await s.flush();
    const after = s.calls();
    expect(after.salesforce.writes - before.salesforce.writes).toBe(0);

    expect(await otherMapped(s, hubspotIds.member)).toEqual({
      firstname: 'Mem',
      lastname: 'Ber',
      phone: '+1 555 0701',
      jobtitle: 'VP',
      company: 'Member Co',
    });
    const memberTrace = await s.trace('hubspot', hubspotIds.member);
    expect(memberTrace.pair).toMatchObject({ salesforceId: leadIds[0], origin: 'import' });
    expect(memberTrace.pair?.emailOnly).toBeUndefined();
    expect(decisionsSince(memberTrace, t0)).toContainEqual(
      expect.objectContaining({ outcome: 'synced', detail: expect.objectContaining({ rule: 'R7' }) }),
    );

    for (const id of [createdId!, hubspotIds.outsider]) {
      expect(await otherMapped(s, id)).toEqual(EMPTY);
      const trace = await s.trace('hubspot', id);
      expect(trace.pair).toMatchObject({ origin: 'import', emailOnly: true });
    }
  });

  it('R7: running the import again is safe: already-linked records are skipped, nothing is written, no duplicate', async () => {
    const calls = await s.measure(async () => {
      expect(await importFromSalesforce(s.deps, 'Lead')).toMatchObject({
        read: 3,
        created: 0,
        linked: 0,
        alreadyLinked: 2,
        resumed: 0,
        withoutEmail: 1,
        queued: 0,
      });
      expect(await importFromSalesforce(s.deps, 'Contact')).toMatchObject({
        created: 0,
        alreadyLinked: 1,
        resumed: 0,
        queued: 0,
      });
    });
    expect(calls.hubspot.writes + calls.salesforce.writes).toBe(0);
    for (const e of Object.values(email)) expect(await hubspotIdsByEmail(s, e)).toHaveLength(1);
  });

  it('R7: later changes of an imported non-member do not sync; once it joins the segment, its other fields sync', async () => {
    const leadId = leadIds[1]!;
    const [id] = await hubspotIdsByEmail(s, email.created);
    const edit = await s.measure(() => s.salesforceSandbox.userUpdate('Lead', leadId, { Title: 'Junior' }));
    expect(edit.hubspot.writes).toBe(0);
    expect(await otherMapped(s, id!)).toEqual(EMPTY);

    // The edit that makes it join is confirmed with HubSpot at that moment and syncs it.
    await s.hubspotSandbox.userUpdateContact(id!, { lifecyclestage: IN_SEGMENT });
    await s.flush();
    expect(await refreshSegment(s.deps)).toMatchObject({ joined: 0, notices: 0 });
    await s.flush();
    expect(await otherMapped(s, id!)).toEqual({
      firstname: 'New',
      lastname: 'Comer',
      phone: null,
      jobtitle: 'Junior',
      company: 'New Co',
    });
    expect((await s.trace('hubspot', id!)).pair?.emailOnly).toBeUndefined();
  });
});

describe('R7 import from Salesforce, no segment (scenario)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
    await setAutoCreate(s.deps, { fromLeads: false, fromContacts: false });
    // Records created before crmsync was connected: no webhook URL yet means no deliveries.
    s.salesforceSandbox.configure({ outboundUrl: null, cdcUrl: null });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('R7: with no segment, every imported contact syncs its other mapped fields', async () => {
    const emails = [uniqueEmail('r7-all-a'), uniqueEmail('r7-all-b')];
    await s.salesforceSandbox.userCreate('Lead', {
      Email: emails[0],
      FirstName: 'Ann',
      LastName: 'All',
      Company: 'All Co',
    });
    await s.salesforceSandbox.userCreate('Contact', {
      Email: emails[1],
      FirstName: 'Bob',
      LastName: 'All',
      Title: 'COO',
    });
    await s.flush();
    expect(await hubspotIdsByEmail(s, emails[0]!)).toEqual([]);

    expect(await importFromSalesforce(s.deps, 'Lead')).toMatchObject({ created: 1, queued: 1 });
    expect(await importFromSalesforce(s.deps, 'Contact')).toMatchObject({ created: 1, queued: 1 });
    await s.flush();
    const [a] = await hubspotIdsByEmail(s, emails[0]!);
    const [b] = await hubspotIdsByEmail(s, emails[1]!);
    expect(await otherMapped(s, a!)).toMatchObject({ firstname: 'Ann', lastname: 'All', company: 'All Co' });
    expect(await otherMapped(s, b!)).toMatchObject({ firstname: 'Bob', lastname: 'All', jobtitle: 'COO' });
  });
});
