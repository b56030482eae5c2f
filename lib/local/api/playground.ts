import type { SalesforceObject } from '../../domain/notice.ts';
import { CrmSyncError } from '../../errors.ts';
import { currentSettings, type SyncDeps } from '../../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../../sandbox/salesforce/index.ts';
import type { PlaygroundRecord, PlaygroundSide, StackServices } from '../services.ts';
import { companyPlayground } from './playground-companies.ts';
import { HUBSPOT_ID, type RecordReader, SALESFORCE_ID, salesforceObjectOf } from '../../admin/records.ts';
import { ApiRequestError, asRequestErrors } from '../../admin/request-error.ts';

function hubspotRecord(c: { id: string; properties: Record<string, string | null> }): PlaygroundRecord {
  return { side: 'hubspot', id: c.id, objectType: 'contact', fields: c.properties };
}

function salesforceRecord(r: {
  id: string;
  objectType: SalesforceObject;
  fields: Record<string, unknown>;
}): PlaygroundRecord {
  const fields: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(r.fields)) fields[k] = v === null || v === undefined ? null : String(v);
  return { side: 'salesforce', id: r.id, objectType: r.objectType, fields };
}

/** HubSpot ids are numbers: sort them numerically so samples are stable. */
function sortIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

/** The dashboard's blank field is a cleared value. */
function asEdits(fields: Record<string, string>): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(fields)) values[k] = v === '' ? null : v;
  return values;
}

function requireSandbox<T>(sandbox: T | undefined): T {
  if (!sandbox) throw new CrmSyncError('the playground edits sandbox records; it is off in live mode');
  return sandbox;
}

/**
 * The playground: a few records to pick from, and edits made in a sandbox as a user would make them
 * (attributed to a user, not to crmsync), so the sync that follows is the real one.
 */
export function createPlayground(
  deps: SyncDeps,
  reader: RecordReader,
  sandboxes: { hubspot: HubSpotSandbox | undefined; salesforce: SalesforceSandbox | undefined },
): StackServices['playground'] {
  const { store, hubspot, salesforce } = deps;
  const companies = companyPlayground(deps, sandboxes);

  async function samples(side: PlaygroundSide, limit: number): Promise<PlaygroundRecord[]> {
    if (side === 'company' || side === 'account') return companies.samples(side, limit);
    // Prefer linked members of the segment: an edit to them visibly syncs.
    const settings = await currentSettings(deps);
    const members = settings.inclusionSegmentId
      ? (await store.listMembers(settings.inclusionSegmentId)).slice(0, 200)
      : [];
    const pairs = members.length ? [...(await store.getPairsByHubSpotIds(members)).values()] : [];
    if (side === 'hubspot') {
      let ids = pairs.map((p) => p.hubspotId);
      if (ids.length === 0) ids = members;
      if (ids.length === 0)
        return (await hubspot.listContacts(reader.hubspotProperties)).contacts
          .slice(0, limit)
          .map(hubspotRecord);
      return (await reader.readHubSpot(sortIds(ids).slice(0, limit))).map(hubspotRecord);
    }
    const linked = pairs.filter((p) => p.salesforceType === 'Lead').map((p) => p.salesforceId);
    const fields = reader.salesforceFields('Lead');
    if (linked.length === 0) {
      const page = await salesforce.queryPage('Lead', fields, {});
      return page.records.slice(0, limit).map(salesforceRecord);
    }
    const records = await salesforce.readRecords('Lead', linked.sort().slice(0, limit), fields);
    return records.map(salesforceRecord);
  }

  async function edit(
    side: PlaygroundSide,
    id: string,
    fields: Record<string, string>,
  ): Promise<PlaygroundRecord> {
    if (side === 'company' || side === 'account') return companies.edit(side, id, asEdits(fields));
    if (side === 'hubspot') {
      const sandbox = requireSandbox(sandboxes.hubspot);
      if (!HUBSPOT_ID.test(id)) throw new ApiRequestError(400, `${id} is not a HubSpot contact id (digits)`);
      await asRequestErrors(() => sandbox.userUpdateContact(id, asEdits(fields)));
      const [contact] = await reader.readHubSpot([id]);
      if (!contact) throw new CrmSyncError(`no HubSpot contact ${id}`);
      return hubspotRecord(contact);
    }
    const sandbox = requireSandbox(sandboxes.salesforce);
    const object = salesforceObjectOf(id);
    if (!object || !SALESFORCE_ID.test(id))
      throw new ApiRequestError(
        400,
        `${id} is not a Lead (00Q…) or Contact (003…) id of 15 or 18 characters`,
      );
    await asRequestErrors(() => sandbox.userUpdate(object, id, asEdits(fields)));
    const record = await reader.readSalesforce(id);
    if (!record) throw new CrmSyncError(`no Salesforce ${object} ${id}`);
    return salesforceRecord(record);
  }

  return { samples, edit };
}
