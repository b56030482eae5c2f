import { CrmSyncError } from '../../errors.ts';
import type { SyncDeps } from '../../sync/sync-deps.ts';
import type { HubSpotSandbox } from '../../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../../sandbox/salesforce/index.ts';
import { isAccountId } from '../../admin/company-records.ts';
import { HUBSPOT_ID } from '../../admin/records.ts';
import { ApiRequestError, asRequestErrors } from '../../admin/request-error.ts';
import type { PlaygroundRecord } from '../services.ts';

/**
 * The playground's companies and accounts (C7): a few to pick from — linked ones first, so an edit
 * visibly syncs — and edits made in a sandbox as a user would (attributed to a user, not to
 * crmsync), so the sync that follows is the real one: webhook or outbound message and CDC, intake,
 * queue, processor.
 */
export function companyPlayground(
  deps: SyncDeps,
  sandboxes: { hubspot: HubSpotSandbox | undefined; salesforce: SalesforceSandbox | undefined },
) {
  const { store, hubspot, salesforce, config } = deps;
  const properties = config.mappings.Account.map((m) => m.hubspot);
  const fields = config.mappings.Account.map((m) => m.salesforce);

  const company = (c: { id: string; properties: Record<string, string | null> }): PlaygroundRecord => ({
    side: 'hubspot',
    id: c.id,
    objectType: 'company',
    fields: c.properties,
  });
  const account = (a: { id: string; fields: Record<string, unknown> }): PlaygroundRecord => ({
    side: 'salesforce',
    id: a.id,
    objectType: 'Account',
    fields: Object.fromEntries(
      Object.entries(a.fields).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]),
    ),
  });
  /** The first page's ids, those linked first. */
  const linkedFirst = (ids: string[], linked: Set<string>, limit: number) =>
    [...ids.filter((id) => linked.has(id)), ...ids.filter((id) => !linked.has(id))].slice(0, limit);

  async function samples(object: 'company' | 'account', limit: number): Promise<PlaygroundRecord[]> {
    if (object === 'company') {
      const { ids } = await hubspot.companyIdPage();
      const linked = new Set((await store.getCompanyPairsByCompanyIds(ids)).keys());
      return (await hubspot.readCompanies(linkedFirst(ids, linked, limit), properties)).map(company);
    }
    const { ids } = await salesforce.accountIdPage();
    const linked = new Set((await store.getCompanyPairsByAccountIds(ids)).keys());
    return (await salesforce.readAccounts(linkedFirst(ids, linked, limit), fields)).map(account);
  }

  async function edit(
    object: 'company' | 'account',
    id: string,
    values: Record<string, string | null>,
  ): Promise<PlaygroundRecord> {
    if (object === 'company') {
      const sandbox = sandboxes.hubspot;
      if (!sandbox) throw new CrmSyncError('the playground edits sandbox records; it is off in live mode');
      if (!HUBSPOT_ID.test(id)) throw new ApiRequestError(400, `${id} is not a HubSpot company id (digits)`);
      await asRequestErrors(() => sandbox.userUpdateCompany(id, values));
      const [read] = await hubspot.readCompanies([id], properties);
      if (!read) throw new CrmSyncError(`no HubSpot company ${id}`);
      return company(read);
    }
    const sandbox = sandboxes.salesforce;
    if (!sandbox) throw new CrmSyncError('the playground edits sandbox records; it is off in live mode');
    if (!isAccountId(id))
      throw new ApiRequestError(400, `${id} is not an Account id (001…, 15 or 18 characters)`);
    await asRequestErrors(() => sandbox.userUpdate('Account', id, values));
    const [read] = await salesforce.readAccounts([id], fields);
    if (!read) throw new CrmSyncError(`no Salesforce Account ${id}`);
    return account(read);
  }

  return { samples, edit };
}
