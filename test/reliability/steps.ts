import fc from 'fast-check';

/** The two-way mapped fields a history edits (email stays fixed: it is each person's identity here). */
export const FIELDS = ['firstname', 'lastname', 'phone', 'jobtitle'] as const;
export type Field = (typeof FIELDS)[number];

/** HubSpot property → Salesforce field (Lead and Contact alike, crmsync.config.example.json). */
export const SALESFORCE_FIELD: Record<Field | 'email', string> = {
  email: 'Email',
  firstname: 'FirstName',
  lastname: 'LastName',
  phone: 'Phone',
  jobtitle: 'Title',
};

/**
 * Values a user may type. LastName is required on a Salesforce Lead and Contact, so a history never
 * clears a last name (clearing it in HubSpot is a permanent sync error by design: docs/design.md#partial-batch-failure).
 */
const VALUES: Record<Field, (string | null)[]> = {
  firstname: ['Ada', 'Bo', 'Cyd', null],
  lastname: ['Lee', 'Ng', 'Ortiz', 'Park'],
  phone: ['+1 555 0101', '+1 555 0102', '+1 555 0103', null],
  jobtitle: ['CTO', 'Engineer', 'Buyer', null],
};

export type Values = Partial<Record<Field, string>>;

/** A fault on the way from the CRMs' deliveries to the changes queue. */
export type DeliveryMode =
  /** Everything held, in order. */
  | 'in-order'
  /** Everything held, newest first (a later notice before an earlier one). */
  | 'reversed'
  /** Everything held, then every notice again (a CRM retry after a lost 200, at-least-once delivery). */
  | 'duplicated'
  /** Only the older half now; the rest stays held and arrives after whatever comes next. */
  | 'half'
  /** Some notices are lost for good (gap): quiescence then runs a poll and a resync. */
  | 'drop-some';

/** A CRM fault active during one processor invocation. */
export type ProcessFault =
  | 'none'
  | 'hubspot-429'
  | 'hubspot-5xx'
  | 'salesforce-429'
  | 'salesforce-5xx'
  /** Every CRM write is applied, then its response is lost: a crash between the write and the commit. */
  | 'write-response-lost';

export type Step =
  | { kind: 'hubspot-create'; p: number; values: Values; inSegment: boolean }
  | { kind: 'salesforce-create'; p: number; objectType: 'Lead' | 'Contact'; values: Values }
  | { kind: 'hubspot-edit'; p: number; field: Field; value: string | null }
  | { kind: 'salesforce-edit'; p: number; field: Field; value: string | null }
  | { kind: 'segment'; p: number; join: boolean }
  | { kind: 'convert'; p: number }
  | { kind: 'hubspot-merge'; p: number; q: number }
  | { kind: 'salesforce-merge'; p: number; q: number }
  | { kind: 'deliver'; mode: DeliveryMode; seed: number }
  | { kind: 'process'; max: number; loseAck: boolean; fault: ProcessFault; severity: number }
  | { kind: 'poll' }
  | { kind: 'resync' };

const person = (people: number) => fc.nat({ max: people - 1 });

const values = (): fc.Arbitrary<Values> =>
  fc
    .record({
      firstname: fc.constantFrom(...VALUES.firstname),
      lastname: fc.constantFrom(...VALUES.lastname),
      phone: fc.constantFrom(...VALUES.phone),
      jobtitle: fc.constantFrom(...VALUES.jobtitle),
    })
    .map((v) => {
      const out: Values = {};
      for (const f of FIELDS) {
        const value = v[f];
        if (value !== null) out[f] = value;
      }
      return out;
    });

const edit = <K extends 'hubspot-edit' | 'salesforce-edit'>(kind: K, people: number, clears: boolean) =>
  fc
    .tuple(person(people), fc.constantFrom(...FIELDS), fc.nat({ max: 3 }))
    .map(([p, field, i]) => ({ kind, p, field, value: VALUES[field][i] ?? null }))
    .filter((s) => clears || s.value !== null);

/**
 * One step of a history over `people` persons: a user action, a delivery fault, or processing.
 * `without` leaves step kinds out, and `clear` leaves out edits that clear a field (to explore past a
 * known bug; the default run leaves out nothing).
 */
export function stepArbitrary(people: number, without: ReadonlySet<string> = new Set()): fc.Arbitrary<Step> {
  const kinds: { weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('hubspot-create' as const),
        p: person(people),
        values: values(),
        // Mostly members: the invariants that compare values only look at members.
        inSegment: fc.constantFrom(true, true, false),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('salesforce-create' as const),
        p: person(people),
        objectType: fc.constantFrom('Lead' as const, 'Contact' as const),
        values: values(),
      }),
    },
    { weight: 5, arbitrary: edit('hubspot-edit', people, !without.has('clear')) },
    { weight: 5, arbitrary: edit('salesforce-edit', people, !without.has('clear')) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('segment' as const),
        p: person(people),
        join: fc.constantFrom(true, true, false),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('convert' as const), p: person(people) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('hubspot-merge' as const),
        p: person(people),
        q: person(people),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('salesforce-merge' as const),
        p: person(people),
        q: person(people),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        mode: fc.constantFrom<DeliveryMode>('in-order', 'reversed', 'duplicated', 'half', 'drop-some'),
        seed: fc.nat(),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('process' as const),
        max: fc.constantFrom(1, 3, 200),
        loseAck: fc.boolean(),
        fault: fc.constantFrom<ProcessFault>(
          'none',
          'none',
          'hubspot-429',
          'hubspot-5xx',
          'salesforce-429',
          'salesforce-5xx',
          'write-response-lost',
        ),
        severity: fc.integer({ min: 1, max: 7 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'poll' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'resync' as const }) },
  ];
  return fc.oneof(...kinds.filter((k) => !without.has(kindOf(k.arbitrary))));
}

/** The kind an arbitrary of this file generates (each generates one kind). */
function kindOf(arbitrary: fc.Arbitrary<Step>): string {
  const [sample] = fc.sample(arbitrary, { numRuns: 1, seed: 1 });
  return sample?.kind ?? '';
}

/** A short, readable form of a step for failure reports and regression tests. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'hubspot-create':
      return `HubSpot user creates p${s.p} ${JSON.stringify(s.values)}${s.inSegment ? ' in segment' : ''}`;
    case 'salesforce-create':
      return `Salesforce user creates ${s.objectType} p${s.p} ${JSON.stringify(s.values)}`;
    case 'hubspot-edit':
    case 'salesforce-edit':
      return `${s.kind === 'hubspot-edit' ? 'HubSpot' : 'Salesforce'} user sets p${s.p}.${s.field} = ${JSON.stringify(s.value)}`;
    case 'segment':
      return `p${s.p} ${s.join ? 'joins' : 'leaves'} the segment (+ refresh)`;
    case 'convert':
      return `Salesforce user converts p${s.p}'s lead`;
    case 'hubspot-merge':
    case 'salesforce-merge':
      return `${s.kind === 'hubspot-merge' ? 'HubSpot' : 'Salesforce'} user merges p${s.q} into p${s.p}`;
    case 'deliver':
      return `deliver held notices: ${s.mode}`;
    case 'process':
      return `process ≤${s.max}${s.loseAck ? ', ack lost' : ''}${s.fault === 'none' ? '' : `, ${s.fault}×${s.severity}`}`;
    case 'poll':
      return 'poll both CRMs';
    case 'resync':
      return 'resync the segment';
  }
}
