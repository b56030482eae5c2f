import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/ports.ts';
import { refreshOwnerDirectory } from '../../lib/sync/owner-directory.ts';
import {
  createTwin,
  decisionsSince,
  IN_SEGMENT,
  OUT_OF_SEGMENT,
  type Scenario,
  startScenario,
  uniqueEmail,
} from './scenario-stack.ts';

/**
 * O1–O5 on contacts and leads through real deliveries (HubSpot webhooks, Salesforce CDC and outbound
 * messages → intake → local SQS → processor → real clients). Owners are matched by email through the
 * owner directory, which the first batch reads because none is cached yet (the refresh on a miss).
 *
 * Owners: Ann and Bob exist on both sides; Tom is a HubSpot owner only, Sam a Salesforce user only;
 * Ines is a HubSpot owner whose Salesforce user is inactive; "Lead queue" is a Salesforce queue.
 */
interface People {
  hubspot: Record<'ann' | 'bob' | 'tom' | 'ines', string>;
  salesforce: Record<'ann' | 'bob' | 'sam' | 'ines' | 'queue', string>;
}

function addPeople(s: Scenario, domain: string): People {
  const owner = (name: string) => s.hubspotSandbox.addOwner({ email: `${name}@${domain}` }).id;
  const user = (name: string, active = true) =>
    s.salesforceSandbox.addUser({
      Email: `${name.toUpperCase()}@${domain}`,
      LastName: name,
      IsActive: active,
    });
  const people: People = {
    hubspot: { ann: owner('ann'), bob: owner('bob'), tom: owner('tom'), ines: owner('ines') },
    salesforce: {
      ann: user('ann'),
      bob: user('bob'),
      sam: user('sam'),
      ines: user('ines', false),
      queue: s.salesforceSandbox.addQueue({ Name: 'Lead queue' }),
    },
  };
  return people;
}

const reasonOf = (decisions: Decision[]) => decisions.map((d) => d.reason ?? '').join(' | ');

describe('O1–O4 owners on contacts and leads (scenario)', () => {
  let s: Scenario;
  let p: People;
  beforeAll(async () => {
    s = await startScenario();
    p = addPeople(s, 'owners.example.com');
  });
  afterAll(async () => {
    await s?.close();
  });

  const hubspotOwner = async (id: string) =>
    (await s.stack.hubspot.readContacts([id], ['hubspot_owner_id']))[0]?.properties['hubspot_owner_id'] ??
    null;
  const leadOwner = async (id: string) =>
    (await s.stack.salesforce.readRecords('Lead', [id], ['OwnerId']))[0]?.fields['OwnerId'];

  /** A HubSpot contact owned by `owner`, synced to a new Lead (R2: no segment). */
  async function ownedContact(label: string, owner: string) {
    const hubspotId = await s.hubspotSandbox.userCreateContact({
      email: uniqueEmail(label),
      lastname: label,
      hubspot_owner_id: owner,
    });
    await s.flush();
    const pair = (await s.stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    if (!pair) throw new Error(`${label}: the contact did not sync`);
    return { hubspotId, leadId: pair.salesforceId };
  }

  it('O4: a HubSpot contact with an owner creates a Lead owned by the active user with the owner’s email', async () => {
    const { hubspotId, leadId } = await ownedContact('Created', p.hubspot.ann);
    expect(await leadOwner(leadId)).toBe(p.salesforce.ann);
    const created = (await s.trace('hubspot', hubspotId)).decisions.find(
      (d) => d.reason === 'created in Salesforce',
    );
    expect(created?.detail?.['links']).toContainEqual(
      expect.objectContaining({ rule: 'O4', reason: expect.stringContaining('O4: created with owner') }),
    );
  });

  it('O1/O2: a HubSpot owner change moves the Lead’s OwnerId to the active user with that email', async () => {
    const { hubspotId, leadId } = await ownedContact('Moved', p.hubspot.ann);
    const since = Date.now();
    const calls = await s.measure(() =>
      s.hubspotSandbox.userUpdateContact(hubspotId, { hubspot_owner_id: p.hubspot.bob }),
    );
    expect(await leadOwner(leadId)).toBe(p.salesforce.bob);
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.bob);
    expect(calls.salesforce.writes).toBe(1);
    expect(calls.hubspot.writes).toBe(0);
    const decided = decisionsSince(await s.trace('hubspot', hubspotId), since);
    expect(decided).toContainEqual(
      expect.objectContaining({
        outcome: 'synced',
        reason: expect.stringContaining(`O2: Salesforce OwnerId set to active user ${p.salesforce.bob}`),
      }),
    );
    const pair = (await s.stack.store.getPairsByHubSpotIds([hubspotId])).get(hubspotId);
    expect(pair?.snapshot['@owner']).toBe('bob@owners.example.com');
  });

  it('O1/O3: a Salesforce owner change moves the HubSpot owner to the owner with that email', async () => {
    const { hubspotId, leadId } = await ownedContact('Back', p.hubspot.bob);
    const since = Date.now();
    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Lead', leadId, { OwnerId: p.salesforce.ann }),
    );
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.ann);
    expect(calls.hubspot.writes).toBe(1);
    expect(calls.salesforce.writes).toBe(0);
    const decided = decisionsSince(await s.trace('salesforce', leadId), since);
    expect(reasonOf(decided)).toContain(`O3: HubSpot owner set to ${p.hubspot.ann}`);
  });

  it('O2: a HubSpot owner with no Salesforce user is refused: OwnerId stays, HubSpot is set back, the decision says why', async () => {
    const { hubspotId, leadId } = await ownedContact('Refused', p.hubspot.ann);
    const since = Date.now();
    const calls = await s.measure(() =>
      s.hubspotSandbox.userUpdateContact(hubspotId, { hubspot_owner_id: p.hubspot.tom }),
    );
    expect(await leadOwner(leadId)).toBe(p.salesforce.ann);
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.ann);
    expect(calls.salesforce.writes).toBe(0);
    expect(calls.hubspot.writes).toBe(1);
    const decided = decisionsSince(await s.trace('hubspot', hubspotId), since);
    const refusal = decided.find((d) => d.reason?.includes('O2: OwnerId not written'));
    expect(refusal?.reason).toContain('matches no active Salesforce user');
    expect(refusal?.reason).toContain(`HubSpot owner set back to ${p.hubspot.ann}`);
    expect(refusal?.detail?.['links']).toContainEqual(expect.objectContaining({ rule: 'O2', refused: true }));
  });

  it('O2: a HubSpot owner whose Salesforce user is inactive is refused the same way', async () => {
    const { hubspotId, leadId } = await ownedContact('Inactive', p.hubspot.bob);
    await s.hubspotSandbox.userUpdateContact(hubspotId, { hubspot_owner_id: p.hubspot.ines });
    await s.flush();
    expect(await leadOwner(leadId)).toBe(p.salesforce.bob);
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.bob);
  });

  it('O3: a Salesforce owner with no HubSpot owner leaves HubSpot unchanged, and the decision says so', async () => {
    const { hubspotId, leadId } = await ownedContact('Unmapped', p.hubspot.ann);
    const since = Date.now();
    const calls = await s.measure(() =>
      s.salesforceSandbox.userUpdate('Lead', leadId, { OwnerId: p.salesforce.sam }),
    );
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.ann);
    expect(await leadOwner(leadId)).toBe(p.salesforce.sam);
    expect(calls.hubspot.writes).toBe(0);
    expect(calls.salesforce.writes).toBe(0);
    const decided = decisionsSince(await s.trace('salesforce', leadId), since);
    expect(reasonOf(decided)).toContain(
      'O3: HubSpot owner left unchanged: no HubSpot owner has the Salesforce owner’s email',
    );
  });

  it('O3: a Lead given to a queue leaves the HubSpot owner unchanged, and the decision says the owner is a queue', async () => {
    const { hubspotId, leadId } = await ownedContact('Queued', p.hubspot.bob);
    const since = Date.now();
    await s.salesforceSandbox.userUpdate('Lead', leadId, { OwnerId: p.salesforce.queue });
    await s.flush();
    expect(await hubspotOwner(hubspotId)).toBe(p.hubspot.bob);
    const decided = decisionsSince(await s.trace('salesforce', leadId), since);
    expect(reasonOf(decided)).toContain('O3: HubSpot owner left unchanged: the Salesforce owner is a queue');
  });

  it('O2: an owner added since the cached directory was read is found: the unknown id refreshes the directory (on a miss)', async () => {
    const { hubspotId, leadId } = await ownedContact('Newcomer', p.hubspot.ann);
    const cara = s.hubspotSandbox.addOwner({ email: 'cara@owners.example.com' }).id;
    const caraUser = s.salesforceSandbox.addUser({ Email: 'cara@owners.example.com', LastName: 'Cara' });
    // The cache is older than the floor between two miss refreshes (5 minutes), as after a quiet spell.
    const cached = await s.stack.store.getOwnerDirectory();
    if (!cached) throw new Error('no owner directory cached');
    await s.stack.store.putOwnerDirectory({ ...cached, refreshedAt: Date.now() - 10 * 60_000 });
    await s.hubspotSandbox.userUpdateContact(hubspotId, { hubspot_owner_id: cara });
    await s.flush();
    expect(await leadOwner(leadId)).toBe(caraUser);
    expect((await s.stack.store.getOwnerDirectory())?.hubspotOwners.map((o) => o.id)).toContain(cara);
  });

  it('O4: a Salesforce Contact creates a HubSpot contact with the owner matched by email; with no match, none', async () => {
    const owned = await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'Owned',
      Email: uniqueEmail('sf-owned'),
      OwnerId: p.salesforce.bob,
    });
    const unmatched = await s.salesforceSandbox.userCreate('Contact', {
      LastName: 'Unmatched',
      Email: uniqueEmail('sf-unmatched'),
      OwnerId: p.salesforce.sam,
    });
    await s.flush();
    const pairs = await s.stack.store.getPairsBySalesforceIds([owned, unmatched]);
    expect(await hubspotOwner(pairs.get(owned)?.hubspotId ?? '')).toBe(p.hubspot.bob);
    expect(await hubspotOwner(pairs.get(unmatched)?.hubspotId ?? '')).toBeNull();
  });
});

describe('O5 owners when two existing records are first linked (scenario)', () => {
  let s: Scenario;
  let p: People;
  beforeAll(async () => {
    s = await startScenario();
    p = addPeople(s, 'first-link.example.com');
    await s.syncNothingYet('Nobody yet');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('O5: an active Salesforce owner wins and fills HubSpot; an inactive one gives way to the HubSpot owner’s active user', async () => {
    const active = await createTwin(s, {
      label: 'Active',
      lifecyclestage: OUT_OF_SEGMENT,
      lastName: 'A',
      company: 'X',
    });
    const inactive = await createTwin(s, {
      label: 'Inactive',
      lifecyclestage: OUT_OF_SEGMENT,
      lastName: 'I',
      company: 'X',
    });
    const blank = await createTwin(s, {
      label: 'Blank',
      lifecyclestage: OUT_OF_SEGMENT,
      lastName: 'B',
      company: 'X',
    });
    await s.hubspotSandbox.userUpdateContact(active.hubspotId, { hubspot_owner_id: p.hubspot.bob });
    await s.hubspotSandbox.userUpdateContact(inactive.hubspotId, { hubspot_owner_id: p.hubspot.bob });
    s.salesforceSandbox.setUserActive(p.salesforce.ines, true);
    await s.salesforceSandbox.userUpdate('Lead', active.leadId, { OwnerId: p.salesforce.ann });
    await s.salesforceSandbox.userUpdate('Lead', inactive.leadId, { OwnerId: p.salesforce.ines });
    await s.salesforceSandbox.userUpdate('Lead', blank.leadId, { OwnerId: p.salesforce.ann });
    await s.flush(); // outside the (empty) segment: nothing links yet (R3)
    expect(await s.stack.store.getPairsByHubSpotIds([active.hubspotId])).toEqual(new Map());
    // Ines was active when the lead was given to her; she leaves now.
    s.salesforceSandbox.setUserActive(p.salesforce.ines, false);
    await refreshOwnerDirectory(s.deps); // the scheduled refresh (O2 reads IsActive from the directory)

    await s.selectNewSegment('First links', [IN_SEGMENT]);
    const since = Date.now();
    for (const t of [active, inactive, blank])
      await s.hubspotSandbox.userUpdateContact(t.hubspotId, { lifecyclestage: IN_SEGMENT });
    await s.flush();

    const hubspotOwner = async (id: string) =>
      (await s.stack.hubspot.readContacts([id], ['hubspot_owner_id']))[0]?.properties['hubspot_owner_id'] ??
      null;
    const leadOwner = async (id: string) =>
      (await s.stack.salesforce.readRecords('Lead', [id], ['OwnerId']))[0]?.fields['OwnerId'];
    expect(await hubspotOwner(active.hubspotId)).toBe(p.hubspot.ann);
    expect(await leadOwner(active.leadId)).toBe(p.salesforce.ann);
    expect(await leadOwner(inactive.leadId)).toBe(p.salesforce.bob);
    expect(await hubspotOwner(inactive.hubspotId)).toBe(p.hubspot.bob);
    expect(await hubspotOwner(blank.hubspotId)).toBe(p.hubspot.ann);
    const reasons = async (id: string) => reasonOf(decisionsSince(await s.trace('hubspot', id), since));
    expect(await reasons(active.hubspotId)).toContain(`O5: HubSpot owner set to ${p.hubspot.ann}`);
    expect(await reasons(blank.hubspotId)).toContain(`O5: HubSpot owner set to ${p.hubspot.ann}`);
    expect(await reasons(inactive.hubspotId)).toContain(
      `Salesforce OwnerId set to active user ${p.salesforce.bob}`,
    );
  });
});
