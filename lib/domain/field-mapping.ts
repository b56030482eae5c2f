import { z } from 'zod';
import type { SalesforceObject } from './notice.ts';

/**
 * The field-mapping vocabulary: which HubSpot property pairs with which Salesforce field, under
 * which sync rule, normalized as which type, and the picklist value tables. The config file is
 * validated against these schemas (`lib/config.ts` composes them); the domain owns them because the
 * sync rules are its behaviour (docs/design.md#sync-rules).
 */

/** The five sync rules of docs/design.md#sync-rules (the native connector's four plus `always-hubspot`). */
export const syncRuleSchema = z.enum([
  'two-way',
  'prefer-salesforce-unless-blank',
  'always-salesforce',
  'always-hubspot',
  'dont-sync',
]);
export type SyncRule = z.infer<typeof syncRuleSchema>;

/** How a value is normalized before comparing and writing. */
export const fieldTypeSchema = z.enum([
  'string',
  'email',
  'phone',
  'number',
  'date',
  'datetime',
  'boolean',
  'picklist',
]);
export type FieldType = z.infer<typeof fieldTypeSchema>;

const propertyName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,99}$/, 'a HubSpot property internal name is lower-case letters, digits and _');
const sfFieldName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,79}$/,
    'a Salesforce field API name is letters, digits and _ (custom: Name__c)',
  );

export const fieldMappingSchema = z.strictObject({
  hubspot: propertyName,
  salesforce: sfFieldName,
  rule: syncRuleSchema,
  type: fieldTypeSchema.default('string'),
  /** For `picklist`: the name of a table under `picklists`. */
  picklist: z.string().min(1).optional(),
});
export type FieldMapping = z.infer<typeof fieldMappingSchema>;

/** A picklist value table: HubSpot option value ⇄ Salesforce picklist value. */
export const picklistTableSchema = z.strictObject({
  /** HubSpot value → Salesforce value. The reverse direction is derived unless given. */
  hubspotToSalesforce: z.record(z.string(), z.string()),
  salesforceToHubspot: z.record(z.string(), z.string()).optional(),
});
export type PicklistTable = z.infer<typeof picklistTableSchema>;

/**
 * The part of the configuration the planner reads. `CrmSyncConfig` (lib/config.ts) satisfies it, so
 * the domain needs nothing from the config module.
 */
export interface PlanConfig {
  mappings: Record<SalesforceObject, FieldMapping[]>;
  picklists: Record<string, PicklistTable>;
  creation: {
    /** What a new HubSpot contact becomes in Salesforce. */
    salesforceObject: SalesforceObject;
    /**
     * `"ContactIfAccount"`: a new contact whose primary company is linked to an account becomes a
     * Contact under it, any other one a `salesforceObject` (then Lead).
     */
    contactIfAccount?: boolean;
    /** Lead.Company is required in Salesforce: used when no mapped value is there. */
    defaultCompany: string;
    autoCreateFromLeads: boolean;
    autoCreateFromContacts: boolean;
  };
  deletes: 'ignore' | 'propagate';
}
