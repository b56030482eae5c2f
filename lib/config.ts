import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  type FieldMapping,
  fieldMappingSchema,
  fieldTypeSchema,
  picklistTableSchema,
  syncRuleSchema,
} from './domain/field-mapping.ts';
import { BULK_RESULT_SET_SIZE, bulkBreakEven } from './domain/read-cost.ts';
import { crossChecks, type LooseConfig } from './config-checks.ts';
import { type ConfigProblem, ConfigError } from './errors.ts';

// The field-mapping vocabulary belongs to the domain; re-exported for the config's readers.
export {
  type FieldMapping,
  type FieldType,
  fieldMappingSchema,
  fieldTypeSchema,
  type PicklistTable,
  picklistTableSchema,
  type SyncRule,
  syncRuleSchema,
} from './domain/field-mapping.ts';

/**
 * The configuration of crmsync (`crmsync.config.json`). Run-time settings (segment, auto-create
 * toggles) start from these values and then live in the store's settings record (docs/design.md#choosing-the-segment).
 */

const digits = (what: string) => z.string().regex(/^[0-9]{1,20}$/, `${what} is a number made of digits`);
/** Salesforce org ids start with 00D and are 15 or 18 characters. */
const orgId = z
  .string()
  .regex(
    /^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/,
    'a Salesforce org id starts with 00D and has 15 or 18 characters',
  );
/** EventBridge schedule expressions: `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
const schedule = z
  .string()
  .regex(
    /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\)|off)$/,
    'a schedule is rate(N minutes|hours|days), cron(...) or off',
  );

const budgetSchema = z.strictObject({
  /** The org's daily API allocation (HubSpot Professional: 650,000; Salesforce: see /limits). */
  dailyLimit: z.number().int().positive(),
  /** The share of the daily allocation crmsync may use, 0 < share <= 1. */
  dailyShare: z.number().gt(0).lte(1),
  /** Most requests crmsync sends in any 10-second window. */
  maxRequestsPer10s: z.number().int().positive(),
});
export type ApiBudget = z.infer<typeof budgetSchema>;

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  hubspot: z.strictObject({
    portalId: digits('hubspot.portalId'),
    appId: digits('hubspot.appId'),
    /** The inclusion segment (a DYNAMIC list id), or null for "everything syncs" (R2). */
    inclusionSegmentId: digits('hubspot.inclusionSegmentId').nullable().default(null),
    /** API base URL; the sandbox's by default in the local stack. */
    baseUrl: z.url().optional(),
  }),
  salesforce: z.strictObject({
    orgId,
    apiVersion: z
      .string()
      .regex(/^\d{2}\.0$/, 'the API version looks like 64.0')
      .default('64.0'),
    /** Sent as `Sforce-Call-Options: client=<name>` on every write; CDC echoes carry it. */
    clientName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only')
      .default('crmsync'),
    instanceUrl: z.url().optional(),
    /**
     * Large reads (the import) through Bulk API 2.0 query jobs, where they cost fewer API calls than
     * SOQL pages (docs/design.md#bulk-reads).
     */
    bulkQuery: z
      .strictObject({
        /** Records left to read above which a Bulk job is used; default: where it starts costing fewer calls. */
        threshold: z.number().int().min(0).default(bulkBreakEven()),
        /** Records per result set (`maxRecords`), held in memory one set at a time. */
        resultSetSize: z.number().int().min(1).max(100_000).default(BULK_RESULT_SET_SIZE),
        /** First wait between status polls, doubled after each up to `pollMaxDelayMs`. */
        pollFirstDelayMs: z.number().int().min(0).default(1000),
        pollMaxDelayMs: z.number().int().min(0).default(30_000),
        /** Waiting after which the job is aborted and the read goes on by SOQL pages. */
        pollMaxWaitMs: z
          .number()
          .int()
          .min(0)
          .default(30 * 60_000),
      })
      .prefault({}),
  }),
  mappings: z.strictObject({
    Lead: z.array(fieldMappingSchema).min(1),
    Contact: z.array(fieldMappingSchema).min(1),
    /** HubSpot company ⇄ Salesforce Account (C7): same rules, merge and picklist tables as contacts. */
    Account: z.array(fieldMappingSchema).default([]),
  }),
  companies: z
    .strictObject({
      /** C1: the default of the run-time company-sync setting; off until a user turns it on. */
      enabled: z.boolean().default(false),
    })
    .prefault({}),
  owners: z
    .strictObject({
      /**
       * O1: OwnerId (Lead, Contact, Account) ⇄ hubspot_owner_id (contact, company), always two-way.
       * On by default: owners sync wherever both sides have one.
       */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  picklists: z.record(z.string(), picklistTableSchema).default({}),
  creation: z
    .strictObject({
      /**
       * What a new HubSpot contact becomes in Salesforce. `ContactIfAccount` (ours): a Contact under
       * the account its primary company is linked to, else a Lead (docs/design.md#contacts-companies-and-owners).
       */
      salesforceObject: z.enum(['Lead', 'Contact', 'ContactIfAccount']).default('Lead'),
      /** Lead.Company is required in Salesforce: used when no mapped value is there. */
      defaultCompany: z.string().min(1).max(255).default('Unknown'),
      /** R6: create HubSpot contacts from newly created Salesforce records, even outside the segment. */
      autoCreateFromLeads: z.boolean().default(true),
      autoCreateFromContacts: z.boolean().default(true),
      /**
       * R6: how long after its creation a Salesforce record still counts as new (its `CreatedDate`
       * against the batch's time). A `created` notice for an older record is an ordinary change.
       */
      autoCreateWindowHours: z.number().positive().max(8760).default(24),
      /**
       * The parsed form of `salesforceObject: "ContactIfAccount"` (a deployed stack is handed the
       * parsed config, so it must read back the same); write `salesforceObject` instead.
       */
      contactIfAccount: z.boolean().default(false),
    })
    // `ContactIfAccount` is read as its fallback object (Lead) plus the flag, so everything that asks
    // "what does an unlinked contact become" keeps one Salesforce object to answer with.
    .transform(({ salesforceObject, contactIfAccount, ...rest }) => ({
      ...rest,
      salesforceObject: salesforceObject === 'ContactIfAccount' ? ('Lead' as const) : salesforceObject,
      contactIfAccount: contactIfAccount || salesforceObject === 'ContactIfAccount',
    }))
    .prefault({}),
  deletes: z.enum(['ignore', 'propagate']).default('ignore'),
  schedules: z
    .strictObject({
      resync: schedule.default('cron(0 3 * * ? *)'),
      segmentRefresh: schedule.default('rate(5 minutes)'),
      /** Polling safety net for missed webhooks/events. */
      poll: schedule.default('rate(15 minutes)'),
      /** Refresh of the cached HubSpot owner / Salesforce user table (O2, O3); a miss also refreshes. */
      ownerRefresh: schedule.default('rate(1 hour)'),
    })
    .prefault({}),
  budgets: z
    .strictObject({
      hubspot: budgetSchema.default({ dailyLimit: 650_000, dailyShare: 0.5, maxRequestsPer10s: 100 }),
      salesforce: budgetSchema.default({ dailyLimit: 100_000, dailyShare: 0.5, maxRequestsPer10s: 50 }),
    })
    .prefault({}),
  processing: z
    .strictObject({
      batchSize: z.number().int().min(1).max(10_000).default(200),
      batchingWindowSeconds: z.number().int().min(0).max(300).default(2),
    })
    .prefault({}),
});
export type CrmSyncConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

const FIXES: Record<string, string> = {
  rule: `use one of ${syncRuleSchema.options.join(', ')}`,
  type: `use one of ${fieldTypeSchema.options.join(', ')}`,
  salesforce: 'give the Salesforce field API name, e.g. "Email" or "Score__c"',
  hubspot: 'give the HubSpot property internal name, e.g. "email" or "jobtitle"',
  portalId: 'copy the Hub ID (digits) from HubSpot: Settings > Account Defaults',
  appId: 'copy the app id (digits) from your HubSpot developer app',
  inclusionSegmentId: 'give the list id (digits) of an active (DYNAMIC) list, or null to sync everything',
  orgId: 'copy the Organization ID from Salesforce: Setup > Company Information (starts with 00D)',
  enabled: 'give true or false',
};

function fixFor(path: PropertyKey[], code: string): string {
  const last = path.filter((p) => typeof p === 'string').at(-1);
  if (code === 'unrecognized_keys')
    return 'remove the key or check its spelling against crmsync.config.example.json';
  if (typeof last === 'string' && FIXES[last]) return FIXES[last];
  if (code === 'invalid_type') return 'give a value of the expected type (see crmsync.config.example.json)';
  return 'see crmsync.config.example.json for a valid value';
}

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/**
 * Parses and validates a configuration object. Throws ConfigError listing every problem with its
 * path, the bad value and the fix — never a bare stack trace.
 */
export function parseConfig(raw: unknown, source = 'config'): CrmSyncConfig {
  const input = stripAnnotations(raw);
  const result = configSchema.safeParse(input);
  const cross = typeof input === 'object' && input !== null ? crossChecks(input as LooseConfig) : [];
  if (!result.success) {
    const problems = result.error.issues.map((issue): ConfigProblem => {
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      return {
        path: pathText(path) || '(top level)',
        value: valueAt(input, path),
        message:
          issue.code === 'unrecognized_keys' ? `unknown key "${issue.keys.join('", "')}"` : issue.message,
        fix: fixFor(path, issue.code),
      };
    });
    throw new ConfigError(source, [...problems, ...cross]);
  }
  if (cross.length > 0) throw new ConfigError(source, cross);
  return result.data;
}

/** JSON has no comments: keys named "//" are annotations and are dropped before validation. */
function stripAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAnnotations);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== '//') out[k] = stripAnnotations(v);
  return out;
}

/** Reads and validates a JSON config file. */
export async function loadConfigFile(path: string): Promise<CrmSyncConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(path, [
      {
        path: '(file)',
        value: path,
        message: 'cannot read the file',
        fix: 'check the path, or copy crmsync.config.example.json to crmsync.config.json',
      },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(path, [
      {
        path: '(file)',
        value: undefined,
        message: `not valid JSON: ${(cause as Error).message}`,
        fix: 'fix the JSON syntax (no comments, no trailing commas)',
      },
    ]);
  }
  return parseConfig(json, path);
}

/** The mapping for a HubSpot property, per Salesforce object. */
export function mappingsFor(config: CrmSyncConfig, object: 'Lead' | 'Contact' | 'Account'): FieldMapping[] {
  return config.mappings[object];
}
