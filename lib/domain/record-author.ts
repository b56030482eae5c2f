/**
 * Whether crmsync itself created a record, by what the CRM recorded when it was created — not by
 * crmsync's own bookkeeping, which a lost create response leaves empty (docs/reliability.md, finding
 * 6). Salesforce stamps `CreatedById` with the user the session ran as (crmsync's integration user);
 * HubSpot stamps `hs_object_source: INTEGRATION` and `hs_object_source_id: <app id>`. Neither field
 * can be changed afterwards by anyone, so neither a user edit nor a merge makes a record "ours".
 */

/** Salesforce ids compare on their case-sensitive 15-character form (the 18-character one adds a checksum). */
function sameSalesforceId(a: string, b: string): boolean {
  return a.length >= 15 && b.length >= 15 && a.slice(0, 15) === b.slice(0, 15);
}

/** A Salesforce record crmsync created: its `CreatedById` is the integration user crmsync runs as. */
export function createdByCrmsyncInSalesforce(
  record: { createdById?: string },
  integrationUserId: string | undefined,
): boolean {
  return (
    record.createdById !== undefined &&
    integrationUserId !== undefined &&
    sameSalesforceId(record.createdById, integrationUserId)
  );
}

/** A HubSpot contact crmsync created: made by an integration whose app id is crmsync's. */
export function createdByCrmsyncInHubSpot(
  contact: { createdBy?: { source: string; sourceId?: string } },
  appId: string,
): boolean {
  const by = contact.createdBy;
  return by?.source === 'INTEGRATION' && by.sourceId !== undefined && String(by.sourceId) === String(appId);
}
