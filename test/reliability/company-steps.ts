import fc from 'fast-check';
import { type C6Step, c6StepArbitrary, describeC6Step } from './c6-steps.ts';
import { historyArbitrary, type Step, stepArbitrary } from './steps.ts';

/*
 * Company steps of the reliability model (docs/reliability.md "Companies"): what HubSpot and
 * Salesforce users do to companies, accounts and their owners, played beside the contact steps and
 * the faults of steps.ts when a history runs with company sync on.
 */

/** How many organisations a company history plays with (each: at most one company and one account of its own). */
export const ORGS = 3;

/** The mapped company/account fields a history edits (two-way in crmsync.config.example.json). */
export const COMPANY_FIELDS = ['name', 'phone', 'city'] as const;
export type CompanyField = (typeof COMPANY_FIELDS)[number];

/** HubSpot company property → Salesforce Account field. */
export const ACCOUNT_FIELD: Record<CompanyField, string> = {
  name: 'Name',
  phone: 'Phone',
  city: 'BillingCity',
};

/** Account Name is required in Salesforce, so a history never clears a name (a sync error by design). */
const COMPANY_VALUES: Record<CompanyField, (string | null)[]> = {
  name: ['Acme', 'Globex', 'Initech', 'Umbrella'],
  phone: ['+1 555 0201', '+1 555 0202', '+1 555 0203', null],
  city: ['Lyon', 'Oslo', 'Lima', null],
};

export type CompanyValues = Partial<Record<CompanyField, string>>;

/**
 * The owners a history plays with (O1–O5), added to both CRMs when the harness starts:
 * `ann` and `bo` exist on both sides (active users), `tom` is a HubSpot owner only, `sam` a
 * Salesforce user only, `ines` a HubSpot owner whose Salesforce user is inactive.
 */
export const OWNER_NAMES = ['ann', 'bo', 'tom', 'sam', 'ines'] as const;
export type OwnerName = (typeof OWNER_NAMES)[number];
/** Owners a HubSpot user can pick (HubSpot owners). */
export const HUBSPOT_OWNERS: OwnerName[] = ['ann', 'bo', 'tom', 'ines'];
/** Owners a Salesforce user can assign (active users: an inactive one cannot own records). */
export const SALESFORCE_OWNERS: OwnerName[] = ['ann', 'bo', 'sam'];

export type CompanyStep =
  | { kind: 'company-create'; o: number; values: CompanyValues; owner?: OwnerName; contactOf?: number }
  | { kind: 'account-create'; o: number; values: CompanyValues; owner?: OwnerName }
  | { kind: 'company-edit'; o: number; field: CompanyField; value: string | null }
  | { kind: 'account-edit'; o: number; field: CompanyField; value: string | null }
  | { kind: 'company-owner'; o: number; owner: OwnerName }
  | { kind: 'account-owner'; o: number; owner: OwnerName }
  | { kind: 'company-merge'; o: number; q: number }
  | { kind: 'account-merge'; o: number; q: number };

/** A step of a history with companies: a contact step (steps.ts), a company step, or a C6 step (c6-steps.ts). */
export type AnyStep = Step | CompanyStep | C6Step;

const COMPANY_KINDS = new Set<string>([
  'company-create',
  'account-create',
  'company-edit',
  'account-edit',
  'company-owner',
  'account-owner',
  'company-merge',
  'account-merge',
  'contact-account',
  'primary-company',
]);

/** A company or C6 step (company-model.ts applies both). */
export function isCompanyStep(s: AnyStep): s is CompanyStep | C6Step {
  return COMPANY_KINDS.has(s.kind);
}

const org = () => fc.nat({ max: ORGS - 1 });

const companyValues = (): fc.Arbitrary<CompanyValues> =>
  fc
    .record({
      name: fc.constantFrom(...COMPANY_VALUES.name),
      phone: fc.constantFrom(...COMPANY_VALUES.phone),
      city: fc.constantFrom(...COMPANY_VALUES.city),
    })
    .map((v) => {
      const out: CompanyValues = {};
      for (const f of COMPANY_FIELDS) {
        const value = v[f];
        if (value !== null) out[f] = value;
      }
      return out;
    });

const companyEdit = <K extends 'company-edit' | 'account-edit'>(kind: K) =>
  fc
    .tuple(org(), fc.constantFrom(...COMPANY_FIELDS), fc.nat({ max: 3 }))
    .map(([o, field, i]) => ({ kind, o, field, value: COMPANY_VALUES[field][i] ?? null }))
    .filter((s) => s.field !== 'name' || s.value !== null);

/** One company step over `people` persons (a company may be created as a person's primary company). */
export function companyStepArbitrary(people: number): fc.Arbitrary<CompanyStep> {
  const owner = (names: OwnerName[]) => fc.constantFrom(...names);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record(
        {
          kind: fc.constant('company-create' as const),
          o: org(),
          values: companyValues(),
          owner: owner(HUBSPOT_OWNERS),
          contactOf: fc.nat({ max: people - 1 }),
        },
        { requiredKeys: ['kind', 'o', 'values'] },
      ),
    },
    {
      weight: 3,
      arbitrary: fc.record(
        {
          kind: fc.constant('account-create' as const),
          o: org(),
          values: companyValues(),
          owner: owner(SALESFORCE_OWNERS),
        },
        { requiredKeys: ['kind', 'o', 'values'] },
      ),
    },
    { weight: 4, arbitrary: companyEdit('company-edit') },
    { weight: 4, arbitrary: companyEdit('account-edit') },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('company-owner' as const),
        o: org(),
        owner: owner(HUBSPOT_OWNERS),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('account-owner' as const),
        o: org(),
        owner: owner(SALESFORCE_OWNERS),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('company-merge' as const), o: org(), q: org() }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('account-merge' as const), o: org(), q: org() }),
    },
  );
}

/**
 * A history with company sync on: 3–6 people, {@link ORGS} organisations, up to `maxSteps` steps —
 * the contact steps and faults of steps.ts (`without` applies to them, half the steps), company steps
 * and C6 steps (c6-steps.ts, a quarter each). A separate arbitrary, so the contact-only histories and
 * their seeds stay as they are.
 */
export function companyHistoryArbitrary(
  maxSteps: number,
  without: ReadonlySet<string> = new Set(),
): fc.Arbitrary<[number, AnyStep[]]> {
  return fc
    .integer({ min: 3, max: 6 })
    .chain((people) =>
      fc.tuple(
        fc.constant(people),
        fc.array(
          fc.oneof(
            { weight: 2, arbitrary: stepArbitrary(people, without) as fc.Arbitrary<AnyStep> },
            { weight: 1, arbitrary: companyStepArbitrary(people) as fc.Arbitrary<AnyStep> },
            { weight: 1, arbitrary: c6StepArbitrary(people) as fc.Arbitrary<AnyStep> },
          ),
          { minLength: 1, maxLength: maxSteps, size: 'max' },
        ),
      ),
    );
}

/** The contact-only or the company history arbitrary. */
export function anyHistoryArbitrary(
  maxSteps: number,
  without: ReadonlySet<string>,
  companies: boolean,
): fc.Arbitrary<[number, AnyStep[]]> {
  return companies ? companyHistoryArbitrary(maxSteps, without) : historyArbitrary(maxSteps, without);
}

/** A short, readable form of a company step for failure reports and regression tests. */
export function describeCompanyStep(s: CompanyStep | C6Step): string {
  switch (s.kind) {
    case 'contact-account':
    case 'primary-company':
      return describeC6Step(s);
    case 'company-create':
      return `HubSpot user creates company o${s.o} ${JSON.stringify(s.values)}${s.owner ? ` owner ${s.owner}` : ''}${s.contactOf === undefined ? '' : `, primary company of p${s.contactOf}`}`;
    case 'account-create':
      return `Salesforce user creates Account o${s.o} ${JSON.stringify(s.values)}${s.owner ? ` owner ${s.owner}` : ''}`;
    case 'company-edit':
      return `HubSpot user sets company o${s.o}.${s.field} = ${JSON.stringify(s.value)}`;
    case 'account-edit':
      return `Salesforce user sets Account o${s.o}.${ACCOUNT_FIELD[s.field]} = ${JSON.stringify(s.value)}`;
    case 'company-owner':
      return `HubSpot user sets company o${s.o}'s owner to ${s.owner}`;
    case 'account-owner':
      return `Salesforce user sets Account o${s.o}'s owner to ${s.owner}`;
    case 'company-merge':
      return `HubSpot user merges company o${s.q} into o${s.o}`;
    case 'account-merge':
      return `Salesforce user merges Account o${s.q} into o${s.o}`;
  }
}
