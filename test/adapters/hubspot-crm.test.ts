import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotCrm } from '../../lib/hubspot/hubspot-crm.ts';
import { createHubSpotClient } from '../../lib/hubspot/hubspot-client.ts';
import { CrmAuthError, RetryableError } from '../../lib/errors.ts';
import { RateLimiter } from '../../lib/rate-limit/index.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { fakeTime } from './fake-time.ts';

const TOKEN = 'pat-na1-adapter-test';
const READ = 'POST /crm/v3/objects/contacts/batch/read';
const CREATE = 'POST /crm/v3/objects/contacts/batch/create';
const UPDATE = 'POST /crm/v3/objects/contacts/batch/update';

let sandbox: HubSpotSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, appTokens: [TOKEN] });
  client = createHubSpotClient({ accessToken: TOKEN, baseUrl: sandbox.url });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

/** A fresh limiter on a fake clock per test: waits are instant and measurable. */
function adapter(opts: { maxRequestsPer10s?: number; timeoutMs?: number; maxAttempts?: number } = {}) {
  const time = fakeTime();
  const limiter = new RateLimiter({
    crm: 'hubspot',
    maxRequestsPer10s: opts.maxRequestsPer10s ?? 1000,
    dailyLimit: 650_000,
    dailyShare: 0.5,
    clock: time.clock,
    sleep: time.sleep,
  });
  const crm = new HubSpotCrm({
    client,
    limiter,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
  return { crm, limiter, time };
}

async function createMany(crm: HubSpotCrm, n: number, prefix = 'p'): Promise<string[]> {
  const outcomes = await crm.createContacts(
    Array.from({ length: n }, (_, i) => ({
      ref: `r${i}`,
      properties: { email: `${prefix}${i}@example.com`, firstname: `F${i}`, lastname: `L${i}` },
    })),
  );
  return outcomes.map((o) => {
    if (!o.ok) throw new Error(`create failed: ${o.message}`);
    return o.id;
  });
}

describe('HubSpotCrm: batched reads', () => {
  it('reads 250 ids in 3 batch calls; missing ids are simply absent', async () => {
    const { crm, limiter } = adapter();
    const ids = await createMany(crm, 250);
    const before = sandbox.counters()[READ] ?? 0;
    const contacts = await crm.readContacts([...ids, '999999999'], ['email', 'firstname']);
    expect(sandbox.counters()[READ]! - before).toBe(3);
    expect(contacts).toHaveLength(250);
    expect(contacts.find((c) => c.id === ids[7])?.properties['firstname']).toBe('F7');
    expect(contacts[0]!.updatedAt).toBeGreaterThan(0);
    expect(limiter.counters().calls['contacts.batch.read']).toBe(3);
  });

  it('with history, fills propertyChangedAt (and batches by 50, HubSpot`s limit for history reads)', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 60);
    await sandbox.userUpdateContact(ids[0]!, { firstname: 'Changed' });
    const before = sandbox.counters()[READ] ?? 0;
    const contacts = await crm.readContacts(ids, ['firstname'], { withHistory: true });
    expect(sandbox.counters()[READ]! - before).toBe(2);
    const first = contacts.find((c) => c.id === ids[0])!;
    expect(first.properties['firstname']).toBe('Changed');
    expect(first.propertyChangedAt?.['firstname']).toBeGreaterThan(0);
    // The latest version's author: a user here, crmsync's app for a property only crmsync wrote.
    expect(first.propertyChangedBy?.['firstname']?.source).toBe('CRM_UI');
    const other = contacts.find((c) => c.id === ids[1])!;
    expect(other.propertyChangedBy?.['firstname']?.source).toBe('INTEGRATION');
  });

  it('finds contacts by email (idProperty email), whatever the case of the input', async () => {
    const { crm } = adapter();
    const [id] = await createMany(crm, 1, 'Mixed.Case');
    const found = await crm.findContactsByEmail(
      ['  MIXED.CASE0@EXAMPLE.COM ', 'nobody@example.com'],
      ['firstname'],
    );
    expect(found.map((c) => c.id)).toEqual([id]);
    expect(found[0]!.properties['email']).toBe('mixed.case0@example.com');
  });

  it('finds merge survivors by an additional email: 5 emails per search, normalized, each with hs_additional_emails', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 7, 'Kept');
    // A user merges contacts 1–6 into contact 0: their emails become its additional emails.
    for (const id of ids.slice(1)) await sandbox.userMergeContacts(ids[0]!, id);
    const before = sandbox.counters()['POST /crm/v3/objects/contacts/search'] ?? 0;
    const emails = [...ids.slice(1).map((_, i) => ` KEPT${i + 1}@example.com`), 'nobody@example.com'];
    const found = await crm.findContactsByAdditionalEmail(emails, ['firstname']);
    expect(found.map((c) => c.id)).toEqual([ids[0]]);
    expect(found[0]!.properties['hs_additional_emails']?.split(';')).toHaveLength(6);
    expect((sandbox.counters()['POST /crm/v3/objects/contacts/search'] ?? 0) - before).toBe(2);
    expect(await crm.findContactsByAdditionalEmail(['kept0@example.com'], ['email'])).toEqual([]);
  });

  it('pages contacts (100) and searches by hs_lastmodifieddate (200 per page)', async () => {
    const { crm, limiter } = adapter();
    const since = Date.now() - 1000;
    await createMany(crm, 230);
    const page1 = await crm.listContacts(['email']);
    expect(page1.contacts).toHaveLength(100);
    expect(page1.after).toBeDefined();
    const s1 = await crm.searchModified({ modifiedAfter: since }, ['email']);
    expect(s1.contacts).toHaveLength(200);
    const s2 = await crm.searchModified({ modifiedAfter: since }, ['email'], s1.after);
    expect(s2.contacts).toHaveLength(30);
    expect(s2.after).toBeUndefined();
    expect(s1.contacts[0]!.updatedAt).toBeLessThanOrEqual(s1.contacts[199]!.updatedAt);
    expect(limiter.counters().calls['contacts.search']).toBe(2);
  });
});

describe('HubSpotCrm: batched writes with per-record outcomes', () => {
  it('creates 150 contacts in 2 calls and maps every result to its ref', async () => {
    const { crm } = adapter();
    const before = sandbox.counters()[CREATE] ?? 0;
    const outcomes = await crm.createContacts(
      Array.from({ length: 150 }, (_, i) => ({
        ref: `ref-${i}`,
        properties: { email: `c${i}@example.com`, lastname: `N${i}` },
      })),
    );
    expect(sandbox.counters()[CREATE]! - before).toBe(2);
    expect(outcomes.map((o) => o.ref)).toEqual(Array.from({ length: 150 }, (_, i) => `ref-${i}`));
    const read = await crm.readContacts(
      outcomes.map((o) => (o.ok ? o.id : '')),
      ['lastname'],
    );
    const byId = new Map(read.map((c) => [c.id, c.properties['lastname']]));
    outcomes.forEach((o, i) => {
      expect(o.ok && byId.get(o.id)).toBe(`N${i}`);
    });
  });

  it('207: an invalid option or an unknown property fails that record only, as validation', async () => {
    const { crm } = adapter();
    const outcomes = await crm.createContacts([
      { ref: 'good', properties: { email: 'good@example.com' } },
      { ref: 'bad-option', properties: { email: 'opt@example.com', lifecyclestage: 'not-a-stage' } },
      { ref: 'bad-prop', properties: { email: 'prop@example.com', no_such_property: 'x' } },
    ]);
    expect(outcomes[0]).toMatchObject({ ref: 'good', ok: true });
    expect(outcomes[1]).toMatchObject({
      ref: 'bad-option',
      ok: false,
      category: 'validation',
      retryable: false,
    });
    expect(outcomes[2]).toMatchObject({
      ref: 'bad-prop',
      ok: false,
      category: 'validation',
      retryable: false,
    });
  });

  it('409 for an existing email (whole batch) ends as one duplicate outcome; the others are created', async () => {
    const { crm } = adapter();
    const [existingId] = await createMany(crm, 1, 'taken');
    const before = sandbox.counters()[CREATE] ?? 0;
    const outcomes = await crm.createContacts([
      { ref: 'a', properties: { email: 'new-a@example.com' } },
      { ref: 'dup', properties: { email: 'TAKEN0@example.com' } },
      { ref: 'b', properties: { email: 'new-b@example.com' } },
    ]);
    expect(outcomes[0]).toMatchObject({ ref: 'a', ok: true });
    expect(outcomes[1]).toMatchObject({ ref: 'dup', ok: false, category: 'duplicate', retryable: false });
    expect(outcomes[1]!.ok === false && outcomes[1]!.message).toContain(existingId);
    expect(outcomes[2]).toMatchObject({ ref: 'b', ok: true });
    // The 409 named no input: one read by email found the culprit, then one create for the rest.
    expect(sandbox.counters()[CREATE]! - before).toBe(2);
  });

  it('409 for an email a merge left on another contact: the contact it names is read, and only that input fails', async () => {
    const { crm } = adapter();
    const [survivor, merged] = await createMany(crm, 2, 'kept');
    await sandbox.userMergeContacts(survivor!, merged!); // kept1@ is now survivor's additional email
    const before = sandbox.counters()[CREATE] ?? 0;
    const outcomes = await crm.createContacts([
      { ref: 'a', properties: { email: 'new-a@example.com' } },
      { ref: 'dup', properties: { email: 'KEPT1@example.com' } },
      { ref: 'b', properties: { email: 'new-b@example.com' } },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ category: 'duplicate', retryable: false });
    expect(outcomes[1]!.ok === false && outcomes[1]!.message).toContain(survivor);
    // Not bisected: the 409, then one create for the rest.
    expect(sandbox.counters()[CREATE]! - before).toBe(2);
  });

  it('updates 250 contacts in 3 calls; an unknown id is not-found, a bad value validation, the rest succeed', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 250);
    const before = sandbox.counters()[UPDATE] ?? 0;
    const inputs = ids.map((id, i) => ({
      ref: `u${i}`,
      id,
      properties: { jobtitle: `T${i}` } as Record<string, string>,
    }));
    inputs[3] = { ref: 'u3', id: '123456789012', properties: { jobtitle: 'x' } };
    inputs[4] = { ref: 'u4', id: ids[4]!, properties: { lifecyclestage: 'nope' } };
    const outcomes = await crm.updateContacts(inputs);
    expect(sandbox.counters()[UPDATE]! - before).toBe(3);
    expect(outcomes[3]).toMatchObject({ ref: 'u3', ok: false, category: 'not-found' });
    expect(outcomes[4]).toMatchObject({ ref: 'u4', ok: false, category: 'validation' });
    expect(outcomes.filter((o) => o.ok)).toHaveLength(248);
    expect(outcomes[5]).toMatchObject({ ref: 'u5', ok: true, id: ids[5] });
  });

  it('archives in batches', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 3);
    await crm.archiveContacts(ids.slice(0, 2));
    const left = await crm.readContacts(ids, ['email']);
    expect(left.map((c) => c.id)).toEqual([ids[2]]);
  });
});

describe('HubSpotCrm: lists v3', () => {
  it('creates a DYNAMIC list, gets it, finds it by search, and pages memberships by 250', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 300);
    await crm.updateContacts(
      ids
        .slice(0, 260)
        .map((id, i) => ({ ref: `m${i}`, id, properties: { lifecyclestage: 'marketingqualifiedlead' } })),
    );
    const list = await crm.createDynamicList('MQLs', {
      property: 'lifecyclestage',
      operator: 'IS_ANY_OF',
      values: ['marketingqualifiedlead'],
    });
    expect(list).toMatchObject({ name: 'MQLs', processingType: 'DYNAMIC', objectTypeId: '0-1' });
    sandbox.processLists();
    expect(await crm.getList(list.listId)).toMatchObject({ listId: list.listId, processingType: 'DYNAMIC' });
    expect(await crm.getList('987654')).toBeUndefined();
    const found = await crm.searchLists('MQL');
    expect(found.map((l) => l.listId)).toContain(list.listId);
    const p1 = await crm.listMemberships(list.listId);
    expect(p1.recordIds).toHaveLength(250);
    expect(p1.after).toBeDefined();
    const p2 = await crm.listMemberships(list.listId, p1.after);
    expect(p2.recordIds).toHaveLength(10);
    expect(p2.after).toBeUndefined();
    expect(new Set([...p1.recordIds, ...p2.recordIds])).toEqual(new Set(ids.slice(0, 260)));
  });
});

describe('HubSpotCrm: membership at the moment of the change', () => {
  it('reads the lists of 150 contacts in 2 calls, and pages the join order from a position', async () => {
    const { crm } = adapter();
    const ids = await createMany(crm, 150, 'jm');
    await crm.updateContacts(
      ids
        .slice(0, 3)
        .map((id, i) => ({ ref: `j${i}`, id, properties: { lifecyclestage: 'salesqualifiedlead' } })),
    );
    const list = await crm.createDynamicList('SQLs', {
      property: 'lifecyclestage',
      operator: 'IS_ANY_OF',
      values: ['salesqualifiedlead'],
    });
    sandbox.processLists();
    const before = sandbox.counters()['POST /crm/v3/lists/records/memberships/batch/read'] ?? 0;
    const lists = await crm.readListMemberships(ids);
    expect((sandbox.counters()['POST /crm/v3/lists/records/memberships/batch/read'] ?? 0) - before).toBe(2);
    expect(lists.size).toBe(150);
    expect(ids.filter((id) => lists.get(id)?.includes(list.listId))).toEqual(ids.slice(0, 3));

    const page = await crm.joinOrderPage(list.listId);
    expect(new Set(page.recordIds)).toEqual(new Set(ids.slice(0, 3)));
    expect(page.after).toBeUndefined();
  });
});

describe('HubSpotCrm: whole-call failures', () => {
  it('a 429 storm is handled by waiting (injected sleep), then the read succeeds', async () => {
    const { crm, limiter, time } = adapter();
    const ids = await createMany(crm, 5);
    sandbox.injectFault({
      kind: '429-storm',
      count: 3,
      policyName: 'TEN_SECONDLY_ROLLING',
      pathPrefix: '/crm/v3/objects/contacts/batch/read',
    });
    const contacts = await crm.readContacts(ids, ['email']);
    expect(contacts).toHaveLength(5);
    expect(sandbox.counters()['429 TEN_SECONDLY_ROLLING']).toBe(3);
    expect(limiter.counters().rateLimited).toBe(3);
    // Each 429 paused the limiter for the 10 s rolling interval: on the fake clock, not the wall clock.
    expect(time.elapsed()).toBeGreaterThanOrEqual(30_000);
  });

  it('a longer 429 storm ends in a RetryableError, not an endless loop', async () => {
    const { crm } = adapter();
    sandbox.injectFault({ kind: '429-storm', count: 50, policyName: 'SECONDLY' });
    await expect(crm.listContacts(['email'])).rejects.toBeInstanceOf(RetryableError);
    expect(sandbox.counters()['429 SECONDLY']).toBe(5);
  });

  it('a DAILY 429 gives a RetryableError at once (the pause is far beyond a call`s wait)', async () => {
    const { crm } = adapter();
    sandbox.injectFault({ kind: '429-storm', count: 5, policyName: 'DAILY' });
    const error = await crm.listContacts(['email']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(60_000);
    expect(sandbox.counters()['429 DAILY']).toBe(1);
  });

  it('5xx is retried with backoff and then reported as RetryableError', async () => {
    const { crm, limiter } = adapter();
    sandbox.injectFault({ kind: 'error-rate', rate: 1, status: 502, pathPrefix: '/crm/v3/objects/contacts' });
    await expect(crm.readContacts(['1'], ['email'])).rejects.toBeInstanceOf(RetryableError);
    expect(sandbox.counters()[READ]).toBe(5);
    expect(limiter.counters().retries).toBe(4);
  });

  it('a call that hangs past the timeout counts as transient: retried, then a RetryableError', async () => {
    const { crm, limiter } = adapter({ timeoutMs: 50, maxAttempts: 2 });
    sandbox.injectFault({ kind: 'latency', ms: 400, pathPrefix: '/crm/v3/lists' });
    const error = await crm.getList('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/timed out/);
    expect(limiter.counters().calls['lists.get']).toBe(2);
  });

  it('a 502 on batch create is not repeated in-call (it may have been applied); a 503 is', async () => {
    const { crm } = adapter();
    sandbox.injectFault({
      kind: 'error-rate',
      rate: 1,
      status: 502,
      pathPrefix: '/crm/v3/objects/contacts/batch/create',
    });
    const error = await crm
      .createContacts([{ ref: 'a', properties: { email: 'a@example.com' } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(sandbox.counters()[CREATE]).toBe(1);
    sandbox.clearFaults();
    sandbox.injectFault({
      kind: 'error-rate',
      rate: 1,
      status: 503,
      pathPrefix: '/crm/v3/objects/contacts/batch/create',
    });
    await expect(
      crm.createContacts([{ ref: 'a', properties: { email: 'a@example.com' } }]),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(sandbox.counters()[CREATE]).toBe(1 + 5);
  });

  it('401 is a clear permanent CrmAuthError, not retried', async () => {
    const { crm } = adapter();
    sandbox.revokeToken(TOKEN);
    const error = await crm.readContacts(['1'], ['email']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmAuthError);
    expect((error as CrmAuthError).message).toMatch(/401/);
    expect(sandbox.counters()[READ] ?? 0).toBeLessThanOrEqual(1);
  });
});
