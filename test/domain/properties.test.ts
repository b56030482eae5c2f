import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldMapping, SyncRule } from '../../lib/config.ts';
import { coalesce } from '../../lib/domain/coalesce.ts';
import type { ChangeNotice } from '../../lib/domain/notice.ts';
import { planBatch } from '../../lib/domain/plan/index.ts';
import { decide } from '../../lib/domain/segment-gate.ts';
import { merge, type MergeInput } from '../../lib/domain/three-way-merge.ts';
import type { FieldValues, HubSpotContact, PairState, SalesforceRecord } from '../../lib/ports.ts';
import { hubspotContact, pairOf, picklists, planInput, salesforceRecord } from './fixtures.ts';

const RUNS = { numRuns: 1000 };
const RULES: SyncRule[] = [
  'two-way',
  'prefer-salesforce-unless-blank',
  'always-salesforce',
  'always-hubspot',
  'dont-sync',
];

interface FieldSpec {
  hubspot: string;
  salesforce: string;
  type: FieldMapping['type'];
  picklist?: string;
  /** HubSpot-side values, when they differ from the Salesforce value space. */
  hsValues?: (string | null)[];
  values: (string | number | null)[];
}

/** Four fields of different types; the generator picks a rule for each. */
const FIELDS: FieldSpec[] = [
  {
    hubspot: 'email',
    salesforce: 'Email',
    type: 'email',
    values: ['a@x.com', ' A@X.com', 'b@x.com', '', null],
  },
  {
    hubspot: 'title',
    salesforce: 'Title',
    type: 'string',
    values: ['CEO', ' CEO ', 'CTO', '  ', null],
  },
  { hubspot: 'score', salesforce: 'Score__c', type: 'number', values: ['1', '1.0', '2', 2, null] },
  {
    hubspot: 'hs_lead_status',
    salesforce: 'Status',
    type: 'picklist',
    picklist: 'leadStatus',
    // HubSpot and Salesforce value spaces differ; 'LOST' and 'Nurturing' are unmapped on purpose.
    hsValues: ['NEW', 'CONNECTED', 'IN_PROGRESS', 'LOST', null],
    values: ['Open - Not Contacted', 'Working - Contacted', 'Nurturing', null],
  },
];

const mergeInputArb = fc
  .record({
    rules: fc.array(fc.constantFrom(...RULES), { minLength: FIELDS.length, maxLength: FIELDS.length }),
    hs: fc.tuple(...FIELDS.map((f) => fc.constantFrom(...(f.hsValues ?? f.values)))),
    sf: fc.tuple(...FIELDS.map((f) => fc.constantFrom(...f.values))),
    snap: fc.option(
      fc.tuple(
        ...FIELDS.map(() =>
          fc.option(fc.constantFrom('a@x.com', 'CEO', '1', 'NEW', 'IN_PROGRESS', null), { nil: undefined }),
        ),
      ),
    ),
    hsTimes: fc.tuple(...FIELDS.map(() => fc.integer({ min: 0, max: 3 }))),
    sfTimes: fc.tuple(...FIELDS.map(() => fc.integer({ min: 0, max: 3 }))),
  })
  .map(({ rules, hs, sf, snap, hsTimes, sfTimes }): MergeInput => {
    const mappings: FieldMapping[] = FIELDS.map((f, i) => ({
      hubspot: f.hubspot,
      salesforce: f.salesforce,
      rule: rules[i] ?? 'two-way',
      type: f.type,
      ...(f.picklist ? { picklist: f.picklist } : {}),
    }));
    const hsValues: Record<string, string | null> = {};
    const sfValues: FieldValues = {};
    const snapshot: Record<string, string | null> = {};
    FIELDS.forEach((f, i) => {
      const h = hs[i];
      hsValues[f.hubspot] = h === null || h === undefined ? null : String(h);
      sfValues[f.salesforce] = sf[i] ?? null;
      const s = snap?.[i];
      if (s !== undefined) snapshot[f.hubspot] = s;
    });
    const hsAt = Object.fromEntries(FIELDS.map((f, i) => [f.hubspot, hsTimes[i] ?? 0]));
    const sfAt = Object.fromEntries(FIELDS.map((f, i) => [f.salesforce, sfTimes[i] ?? 0]));
    return {
      mappings,
      picklists,
      hubspot: { values: hsValues, changedAt: (p) => hsAt[p] ?? 0 },
      salesforce: { values: sfValues, changedAt: (f) => sfAt[f] ?? 0 },
      snapshot: snap === null ? undefined : snapshot,
    };
  });

function applyWrites(input: MergeInput, result: ReturnType<typeof merge>): MergeInput {
  return {
    ...input,
    hubspot: { ...input.hubspot, values: { ...input.hubspot.values, ...result.toHubSpot } },
    salesforce: { ...input.salesforce, values: { ...input.salesforce.values, ...result.toSalesforce } },
    snapshot: result.snapshot,
  };
}

describe('merge properties', () => {
  it('merge is idempotent: applying the writes and merging again with the new snapshot writes nothing', () => {
    fc.assert(
      fc.property(mergeInputArb, (input) => {
        const first = merge(input);
        const second = merge(applyWrites(input, first));
        expect(second.toHubSpot).toEqual({});
        expect(second.toSalesforce).toEqual({});
        expect(second.snapshot).toEqual(first.snapshot);
      }),
      RUNS,
    );
  });

  it('dont-sync: a dont-sync field is never written, nor kept in the snapshot', () => {
    fc.assert(
      fc.property(mergeInputArb, (input) => {
        const r = merge(input);
        for (const m of input.mappings.filter((x) => x.rule === 'dont-sync')) {
          expect(r.toHubSpot).not.toHaveProperty(m.hubspot);
          expect(r.toSalesforce).not.toHaveProperty(m.salesforce);
          expect(r.snapshot).not.toHaveProperty(m.hubspot);
        }
      }),
      RUNS,
    );
  });

  it('always-salesforce / always-hubspot never write towards their source', () => {
    fc.assert(
      fc.property(mergeInputArb, (input) => {
        const r = merge(input);
        for (const m of input.mappings) {
          if (m.rule === 'always-salesforce') expect(r.toSalesforce).not.toHaveProperty(m.salesforce);
          if (m.rule === 'always-hubspot') expect(r.toHubSpot).not.toHaveProperty(m.hubspot);
        }
      }),
      RUNS,
    );
  });
});

const KINDS: ChangeNotice['kind'][] = [
  'created',
  'updated',
  'deleted',
  'restored',
  'resync',
  'import',
  'segment-joined',
];
const noticeArb = fc
  .record({
    side: fc.constantFrom('h1', 'h2', 's1'),
    kind: fc.constantFrom(...KINDS),
    eventId: fc.string({ minLength: 1, maxLength: 4 }),
    occurredAt: fc.integer({ min: 0, max: 5 }),
    changedFields: fc.option(fc.subarray(['email', 'firstname', 'Title']), { nil: undefined }),
  })
  .map((n): ChangeNotice => {
    const hubspot = n.side.startsWith('h');
    const base: ChangeNotice = {
      source: hubspot ? 'hubspot' : 'salesforce',
      objectType: hubspot ? 'contact' : 'Lead',
      recordId: n.side,
      kind: n.kind,
      eventId: n.eventId,
      occurredAt: n.occurredAt,
    };
    if (n.changedFields) base.changedFields = n.changedFields;
    return base;
  });

describe('coalescing properties', () => {
  it('order-insensitive: notices of the same record coalesce (and gate) alike in any order', () => {
    fc.assert(
      fc.property(
        fc
          .array(noticeArb, { minLength: 1, maxLength: 12 })
          .chain((ns) =>
            fc.tuple(
              fc.constant(ns),
              fc.shuffledSubarray(ns, { minLength: ns.length, maxLength: ns.length }),
            ),
          ),
        ([a, b]) => {
          const ca = coalesce(a);
          const cb = coalesce(b);
          expect(cb).toEqual(ca);
          for (const r of ca) {
            const gate = (rec: typeof r) =>
              decide({
                notice: rec,
                segment: { listId: '1' },
                isMember: false,
                autoCreate: { Lead: true, Contact: false },
              });
            expect(gate(cb.find((x) => x.key === r.key) ?? r)).toEqual(gate(r));
          }
        },
      ),
      RUNS,
    );
  });
});

/** A small world of up to 4 people, each maybe in HubSpot, maybe in Salesforce, maybe linked, maybe a member. */
const worldArb = fc
  .array(
    fc.record({
      inHubSpot: fc.boolean(),
      inSalesforce: fc.boolean(),
      linked: fc.boolean(),
      member: fc.boolean(),
      hsName: fc.constantFrom('Ann', 'Bob'),
      sfName: fc.constantFrom('Ann', 'Bob', null),
      snapName: fc.constantFrom('Ann', 'Bob', null),
      hsKind: fc.option(
        fc.constantFrom<ChangeNotice['kind']>(
          'updated',
          'resync',
          'segment-joined',
          'restored',
          'deleted',
          'created',
        ),
        { nil: undefined },
      ),
      sfKind: fc.option(
        fc.constantFrom<ChangeNotice['kind']>(
          'updated',
          'resync',
          'restored',
          'deleted',
          'created',
          'import',
        ),
        { nil: undefined },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((people) => {
    const hubspotContacts: HubSpotContact[] = [];
    const salesforceRecords: SalesforceRecord[] = [];
    const pairs: PairState[] = [];
    const members = new Set<string>();
    const notices: ChangeNotice[] = [];
    people.forEach((p, i) => {
      const email = `p${i}@example.com`;
      if (p.inHubSpot)
        hubspotContacts.push(hubspotContact(`h${i}`, { email, firstname: p.hsName, lastname: 'Lee' }));
      if (p.inSalesforce)
        salesforceRecords.push(
          salesforceRecord(`s${i}`, 'Lead', { Email: email, FirstName: p.sfName, LastName: 'Lee' }),
        );
      if (p.inHubSpot && p.inSalesforce && p.linked) {
        pairs.push(pairOf(`h${i}`, `s${i}`, { email, firstname: p.snapName, lastname: 'Lee' }));
      }
      if (p.member && p.inHubSpot) members.add(`h${i}`);
      if (p.hsKind)
        notices.push({
          source: 'hubspot',
          objectType: 'contact',
          recordId: `h${i}`,
          kind: p.hsKind,
          eventId: `eh${i}`,
          occurredAt: 5,
        });
      if (p.sfKind)
        notices.push({
          source: 'salesforce',
          objectType: 'Lead',
          recordId: `s${i}`,
          kind: p.sfKind,
          eventId: `es${i}`,
          occurredAt: 5,
        });
    });
    return { hubspotContacts, salesforceRecords, pairs, members, notices };
  });

describe('plan properties', () => {
  it('R3: never writes to a record the gate skipped; outside R6/R7 only members are written', () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), (world, autoCreate) => {
        const input = planInput({
          records: coalesce(world.notices),
          hubspotContacts: world.hubspotContacts,
          salesforceRecords: world.salesforceRecords,
          pairs: world.pairs,
          members: world.members,
          settings: {
            inclusionSegmentId: '1',
            autoCreateFromLeads: autoCreate,
            autoCreateFromContacts: autoCreate,
          },
        });
        const plan = planBatch(input);
        const skipped = new Set(
          plan.decisions.filter((d) => d.outcome === 'skipped').map((d) => d.recordKey),
        );
        const refs = [
          ...plan.hubspotCreates,
          ...plan.hubspotUpdates,
          ...plan.salesforceCreates.Lead,
          ...plan.salesforceCreates.Contact,
          ...plan.salesforceUpdates.Lead,
          ...plan.salesforceUpdates.Contact,
          ...plan.pairWrites,
        ].map((w) => w.ref);
        for (const ref of refs) expect(skipped.has(ref)).toBe(false);

        // A write touching a non-member is only allowed for a record that came in through R6 or R7.
        const bypass = new Set(
          input.records
            .filter(
              (r) =>
                r.source === 'salesforce' && ((r.kind === 'created' && autoCreate) || r.kind === 'import'),
            )
            .map((r) => r.key),
        );
        const pairOfSf = (id: string) =>
          world.pairs.find((p) => p.salesforceId === id)?.hubspotId ?? `h${id.slice(1)}`;
        for (const u of plan.hubspotUpdates)
          if (!bypass.has(u.ref)) expect(world.members.has(u.id)).toBe(true);
        for (const c of plan.hubspotCreates) expect(bypass.has(c.ref)).toBe(true);
        for (const u of plan.salesforceUpdates.Lead)
          if (!bypass.has(u.ref)) expect(world.members.has(pairOfSf(u.id))).toBe(true);
        for (const c of plan.salesforceCreates.Lead) expect(world.members.has(c.hubspotId)).toBe(true);
        // Every record gets at least one decision.
        for (const r of input.records) expect(plan.decisions.some((d) => d.recordKey === r.key)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the plan is independent of the order of the notices in the batch', () => {
    fc.assert(
      fc.property(
        worldArb.chain((w) =>
          fc.tuple(
            fc.constant(w),
            fc.shuffledSubarray(w.notices, { minLength: w.notices.length, maxLength: w.notices.length }),
          ),
        ),
        ([world, shuffled]) => {
          const make = (notices: ChangeNotice[]) =>
            planBatch(
              planInput({
                records: coalesce(notices),
                hubspotContacts: world.hubspotContacts,
                salesforceRecords: world.salesforceRecords,
                pairs: world.pairs,
                members: world.members,
              }),
            );
          expect(make(shuffled)).toEqual(make(world.notices));
        },
      ),
      RUNS,
    );
  });
});
