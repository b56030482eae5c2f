import type { SalesforceObject } from '../../lib/domain/notice.ts';
import { hubspotNotice } from './notices.ts';
import type { TestStack } from './test-stack.ts';

export interface LinkedPairs {
  hubspotIds: string[];
  salesforceIds: string[];
  objectType: SalesforceObject;
}

/**
 * Seeds `count` HubSpot contacts and `count` Salesforce twins (same seed: same people and emails),
 * then links them the way production does: a `resync` notice per contact, processed in batches of 200,
 * matches each by email and stores the pair. Returns the ids, index-aligned (hubspotIds[i] ⇄ salesforceIds[i]).
 * Fails loudly when a twin did not link, so a test never starts from a half-linked state.
 */
export async function seedLinkedPairs(
  stack: TestStack,
  count: number,
  options: { objectType?: SalesforceObject; seed?: number } = {},
): Promise<LinkedPairs> {
  const objectType = options.objectType ?? 'Lead';
  const seed = options.seed ?? 7;
  const hubspotIds = stack.hubspotSandbox.seed({ contacts: count, seed });
  const twins = stack.salesforceSandbox.seed({
    leads: objectType === 'Lead' ? count : 0,
    contacts: objectType === 'Contact' ? count : 0,
    seed,
  });
  const salesforceIds = objectType === 'Lead' ? twins.leadIds : twins.contactIds;
  for (let i = 0; i < hubspotIds.length; i += 200) {
    const result = await stack.process(
      hubspotIds.slice(i, i + 200).map((id) => hubspotNotice(id, { kind: 'resync' })),
    );
    if (result.batchItemFailures.length > 0)
      throw new Error(`linking: ${result.batchItemFailures.length} retried`);
  }
  const pairs = await stack.store.getPairsByHubSpotIds(hubspotIds);
  hubspotIds.forEach((id, i) => {
    const pair = pairs.get(id);
    if (pair?.salesforceId !== salesforceIds[i]) {
      throw new Error(
        `hubspot:${id} linked to ${pair?.salesforceId ?? 'nothing'}, expected ${salesforceIds[i]}`,
      );
    }
  });
  return { hubspotIds, salesforceIds, objectType };
}
