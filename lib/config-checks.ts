import type { ConfigProblem } from './errors.ts';

/**
 * The config checks that hold across fields (the schema checks each field alone): no field mapped
 * twice, picklist tables exist, each object's identity field is mapped, owners are not field-mapped,
 * and company sync has Account mappings. They run on the raw input even when the schema failed, so
 * `config check` reports every problem at once.
 */

type MappedObject = 'Lead' | 'Contact' | 'Account';

interface LooseMapping {
  hubspot: string;
  salesforce: string;
  type?: unknown;
  picklist?: string;
}
/** The raw input as far as the cross-field checks read it. */
export interface LooseConfig {
  mappings?: Partial<Record<MappedObject, unknown[]>>;
  picklists?: Record<string, unknown>;
  companies?: { enabled?: unknown };
}

/** The mapping each object cannot do without, and why. */
const IDENTITY: Record<MappedObject, { hubspot: string; salesforce: string; why: string; add: string }> = {
  Lead: {
    hubspot: 'email',
    salesforce: 'Email',
    why: 'records are matched by email',
    add: '{ "hubspot": "email", "salesforce": "Email", "rule": "two-way", "type": "email" }',
  },
  Contact: {
    hubspot: 'email',
    salesforce: 'Email',
    why: 'records are matched by email',
    add: '{ "hubspot": "email", "salesforce": "Email", "rule": "two-way", "type": "email" }',
  },
  Account: {
    hubspot: 'name',
    salesforce: 'Name',
    why: 'Salesforce requires an Account Name to create an account (C4)',
    add: '{ "hubspot": "name", "salesforce": "Name", "rule": "two-way" }',
  },
};

/** O1: owners sync by their own rule (matched by email), never as a plain field value. */
const OWNER_FIELDS = { hubspot: 'hubspot_owner_id', salesforce: 'ownerid' };

function mappingsOf(raw: unknown[]): LooseMapping[] {
  return raw.filter(
    (m): m is LooseMapping =>
      typeof m === 'object' &&
      m !== null &&
      typeof (m as Partial<LooseMapping>).hubspot === 'string' &&
      typeof (m as Partial<LooseMapping>).salesforce === 'string',
  );
}

function checkObject(config: LooseConfig, object: MappedObject, raw: unknown[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const mappings = mappingsOf(raw);
  const seenHs = new Map<string, number>();
  const seenSf = new Map<string, number>();
  for (const m of mappings) {
    const i = raw.indexOf(m);
    const base = `mappings.${object}[${i}]`;
    const hsFirst = seenHs.get(m.hubspot);
    if (hsFirst !== undefined) {
      problems.push({
        path: `${base}.hubspot`,
        value: m.hubspot,
        message: `HubSpot property is mapped twice for ${object} (also at mappings.${object}[${hsFirst}])`,
        fix: 'keep one mapping per HubSpot property',
      });
    } else seenHs.set(m.hubspot, i);
    const sfKey = m.salesforce.toLowerCase();
    const sfFirst = seenSf.get(sfKey);
    if (sfFirst !== undefined) {
      problems.push({
        path: `${base}.salesforce`,
        value: m.salesforce,
        message: `Salesforce field is mapped twice for ${object} (also at mappings.${object}[${sfFirst}])`,
        fix: 'keep one mapping per Salesforce field',
      });
    } else seenSf.set(sfKey, i);
    if (m.hubspot === OWNER_FIELDS.hubspot || sfKey === OWNER_FIELDS.salesforce) {
      problems.push({
        path: base,
        value: `${m.hubspot} ⇄ ${m.salesforce}`,
        message: 'owners are not mapped as fields: an owner id means nothing on the other side (O1)',
        fix: 'remove this mapping; owners sync by email when "owners": { "enabled": true }',
      });
    }
    if (m.type === 'picklist') problems.push(...checkPicklist(config, base, m));
  }
  const identity = IDENTITY[object];
  const mapped = mappings.find((m) => m.hubspot === identity.hubspot);
  if (mapped?.salesforce !== identity.salesforce) {
    problems.push({
      path: `mappings.${object}`,
      value: mapped?.salesforce,
      message: `HubSpot "${identity.hubspot}" must be mapped to Salesforce "${identity.salesforce}": ${identity.why}`,
      fix: `add ${identity.add}`,
    });
  }
  return problems;
}

function checkPicklist(config: LooseConfig, base: string, m: LooseMapping): ConfigProblem[] {
  if (!m.picklist) {
    return [
      {
        path: `${base}.picklist`,
        value: undefined,
        message: 'a picklist mapping needs a value table',
        fix: 'name a table under "picklists"',
      },
    ];
  }
  if (config.picklists?.[m.picklist]) return [];
  return [
    {
      path: `${base}.picklist`,
      value: m.picklist,
      message: 'no such picklist table',
      fix: `add "${m.picklist}" under "picklists" or fix the name`,
    },
  ];
}

/** Every cross-field problem of a raw config, in the order of the file. */
export function crossChecks(config: LooseConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const object of ['Lead', 'Contact'] as const) {
    const raw = config.mappings?.[object];
    if (Array.isArray(raw)) problems.push(...checkObject(config, object, raw));
  }
  const accounts = config.mappings?.Account;
  const companiesOn = config.companies?.enabled === true;
  if (Array.isArray(accounts) && (accounts.length > 0 || companiesOn)) {
    problems.push(...checkObject(config, 'Account', accounts));
  } else if (companiesOn) {
    problems.push({
      path: 'mappings.Account',
      value: undefined,
      message: 'company sync is enabled (companies.enabled) but no Account field is mapped (C7)',
      fix: `add "Account": [${IDENTITY.Account.add}] under "mappings", or set companies.enabled to false`,
    });
  }
  return problems;
}
