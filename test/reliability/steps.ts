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
  | 'write-response-lost'
  /**
   * The HubSpot token stops working after the invocation's `severity`-th HubSpot call (401): the rest
   * of the batch fails and goes back to the queue; the operator then renews the token (a new one in
   * the secret, picked up by the next invocation).
   */
  | 'hubspot-session-expired'
  /**
   * The Salesforce session is revoked after the invocation's `severity`-th Salesforce call
   * (INVALID_SESSION_ID): jsforce renews it with the refresh token and replays the call.
   */
  | 'salesforce-session-expired'
  /**
   * The processor dies right after its `severity`-th write call to HubSpot (or Salesforce) returned:
   * the CRM has the write, the store has no commit, nothing is acknowledged — every later call fails.
   */
  | 'crash-after-hubspot-write'
  | 'crash-after-salesforce-write';

/** CDC could not send a change's events (Salesforce CDC `GAP_*`): the record's change events are replaced by a gap event. */
export type GapKind = 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_OVERFLOW';

export type Step =
  | { kind: 'hubspot-create'; p: number; values: Values; inSegment: boolean }
  | { kind: 'salesforce-create'; p: number; objectType: 'Lead' | 'Contact'; values: Values; gap?: GapKind }
  | { kind: 'hubspot-edit'; p: number; field: Field; value: string | null }
  | { kind: 'salesforce-edit'; p: number; field: Field; value: string | null; gap?: GapKind }
  | { kind: 'segment'; p: number; join: boolean }
  | { kind: 'convert'; p: number }
  | { kind: 'hubspot-merge'; p: number; q: number }
  | { kind: 'salesforce-merge'; p: number; q: number }
  | { kind: 'deliver'; mode: DeliveryMode; seed: number }
  | { kind: 'process'; max: number; loseAck: boolean; fault: ProcessFault; severity: number }
  /**
   * Two processor instances take the same queue messages at once (SQS at-least-once: a message
   * handed to two consumers) — `share` of every 4 messages go to both, the rest to the first only —
   * and run interleaved, each with its own adapters and limiters.
   */
  | { kind: 'process-concurrently'; max: number; share: number; seed: number }
  /** A CRM is down for every call of 6 invocations: messages exceed maxReceiveCount and land in the DLQ. */
  | { kind: 'outage'; side: 'hubspot' | 'salesforce' }
  /** The operator redrives the DLQ after the cause is fixed. */
  | { kind: 'redrive' }
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

const PROCESS_FAULTS: ProcessFault[] = [
  'none',
  'none',
  'hubspot-429',
  'hubspot-5xx',
  'salesforce-429',
  'salesforce-5xx',
  'write-response-lost',
  'hubspot-session-expired',
  'salesforce-session-expired',
  'crash-after-hubspot-write',
  'crash-after-salesforce-write',
];

/**
 * One step of a history over `people` persons: a user action, a delivery fault, or processing.
 * `without` leaves step kinds out (a kind, `gap`, or a process fault name), and `clear` leaves out
 * edits that clear a field (to explore past a known bug; the default run leaves out nothing).
 */
export function stepArbitrary(people: number, without: ReadonlySet<string> = new Set()): fc.Arbitrary<Step> {
  const faults = PROCESS_FAULTS.filter((f) => !without.has(f));
  const kinds: { name: string; weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
    {
      name: 'hubspot-create',
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
      name: 'salesforce-create',
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('salesforce-create' as const),
        p: person(people),
        objectType: fc.constantFrom('Lead' as const, 'Contact' as const),
        values: values(),
      }),
    },
    { name: 'hubspot-edit', weight: 5, arbitrary: edit('hubspot-edit', people, !without.has('clear')) },
    { name: 'salesforce-edit', weight: 5, arbitrary: edit('salesforce-edit', people, !without.has('clear')) },
    {
      name: 'gap',
      weight: 1,
      arbitrary: fc.oneof(
        edit('salesforce-edit', people, !without.has('clear')).chain((e) =>
          fc.constantFrom<GapKind>('GAP_UPDATE', 'GAP_OVERFLOW').map((gap): Step => ({ ...e, gap })),
        ),
        fc.record({
          kind: fc.constant('salesforce-create' as const),
          p: person(people),
          objectType: fc.constantFrom('Lead' as const, 'Contact' as const),
          values: values(),
          gap: fc.constant<GapKind>('GAP_CREATE'),
        }),
      ),
    },
    {
      name: 'segment',
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('segment' as const),
        p: person(people),
        join: fc.constantFrom(true, true, false),
      }),
    },
    {
      name: 'convert',
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('convert' as const), p: person(people) }),
    },
    {
      name: 'hubspot-merge',
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('hubspot-merge' as const),
        p: person(people),
        q: person(people),
      }),
    },
    {
      name: 'salesforce-merge',
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('salesforce-merge' as const),
        p: person(people),
        q: person(people),
      }),
    },
    {
      name: 'deliver',
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        mode: fc.constantFrom<DeliveryMode>('in-order', 'reversed', 'duplicated', 'half', 'drop-some'),
        seed: fc.nat(),
      }),
    },
    {
      name: 'process',
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('process' as const),
        max: fc.constantFrom(1, 3, 200),
        loseAck: fc.boolean(),
        fault: fc.constantFrom<ProcessFault>(...faults),
        severity: fc.integer({ min: 1, max: 7 }),
      }),
    },
    {
      name: 'process-concurrently',
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('process-concurrently' as const),
        max: fc.constantFrom(3, 200),
        share: fc.integer({ min: 1, max: 4 }),
        seed: fc.nat(),
      }),
    },
    {
      name: 'outage',
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('outage' as const),
        side: fc.constantFrom('hubspot' as const, 'salesforce' as const),
      }),
    },
    { name: 'redrive', weight: 1, arbitrary: fc.constant({ kind: 'redrive' as const }) },
    { name: 'poll', weight: 1, arbitrary: fc.constant({ kind: 'poll' as const }) },
    { name: 'resync', weight: 1, arbitrary: fc.constant({ kind: 'resync' as const }) },
  ];
  return fc.oneof(...kinds.filter((k) => !without.has(k.name)));
}

/** A short, readable form of a step for failure reports and regression tests. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'hubspot-create':
      return `HubSpot user creates p${s.p} ${JSON.stringify(s.values)}${s.inSegment ? ' in segment' : ''}`;
    case 'salesforce-create':
      return `Salesforce user creates ${s.objectType} p${s.p} ${JSON.stringify(s.values)}${s.gap ? ` (CDC: ${s.gap})` : ''}`;
    case 'hubspot-edit':
    case 'salesforce-edit':
      return `${s.kind === 'hubspot-edit' ? 'HubSpot' : 'Salesforce'} user sets p${s.p}.${s.field} = ${JSON.stringify(s.value)}${s.kind === 'salesforce-edit' && s.gap ? ` (CDC: ${s.gap})` : ''}`;
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
    case 'process-concurrently':
      return `two processors at once over ≤${s.max}, ${s.share}/4 of the messages to both`;
    case 'outage':
      return `${s.side === 'hubspot' ? 'HubSpot' : 'Salesforce'} down for 6 invocations (messages to the DLQ)`;
    case 'redrive':
      return 'redrive the DLQ';
    case 'poll':
      return 'poll both CRMs';
    case 'resync':
      return 'resync the segment';
  }
}

/** A history: 3–6 people and up to `maxSteps` steps over them (what one run of the model plays). */
export function historyArbitrary(
  maxSteps: number,
  without: ReadonlySet<string> = new Set(),
): fc.Arbitrary<[number, Step[]]> {
  return fc
    .integer({ min: 3, max: 6 })
    .chain((people) =>
      fc.tuple(
        fc.constant(people),
        fc.array(stepArbitrary(people, without), { minLength: 1, maxLength: maxSteps, size: 'max' }),
      ),
    );
}

/** The fault a step plays, for the long run's tally (`none` for plain user actions and processing). */
export function faultOf(s: Step): string {
  switch (s.kind) {
    case 'deliver':
      return `deliver:${s.mode}`;
    case 'process':
      return s.fault === 'none' && !s.loseAck ? 'none' : `${s.fault === 'none' ? 'ack-lost' : s.fault}`;
    case 'salesforce-create':
    case 'salesforce-edit':
      return s.gap ?? 'none';
    case 'process-concurrently':
    case 'outage':
    case 'redrive':
      return s.kind;
    default:
      return 'none';
  }
}
