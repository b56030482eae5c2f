import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { describe, expect, it } from 'vitest';
import { failure } from '../support/hubspot-failure.ts';
import { useHubSpotSandboxClient } from '../support/hubspot-sandbox-client.ts';

const hubspot = useHubSpotSandboxClient();

/** Ann's contact merged into Bea's: Bea survives, Ann's email is Bea's additional email. */
async function annMergedIntoBea(): Promise<{ bea: string; ann: string }> {
  const create = async (email: string) =>
    (
      await hubspot
        .client()
        .crm.contacts.basicApi.create({ properties: { email, lastname: 'X' }, associations: [] })
    ).id;
  const bea = await create('bea@merged.example.com');
  const ann = await create('ann@merged.example.com');
  await hubspot.client().crm.contacts.basicApi.merge({ primaryObjectId: bea, objectIdToMerge: ann });
  return { bea, ann };
}

/**
 * HubSpot keeps a merged-away contact's email on the survivor (`hs_additional_emails`) and refuses a
 * new contact with it (docs/sandbox-hubspot.md, docs/reliability.md finding 22, with the sources).
 */
describe('HubSpot sandbox: the email of a merged-away contact', () => {
  it('stays on the survivor as an additional email, and a create with it is refused (409, Existing ID: the survivor)', async () => {
    const { bea } = await annMergedIntoBea();
    const read = await hubspot.client().crm.contacts.basicApi.getById(bea, ['email', 'hs_additional_emails']);
    expect(read.properties).toMatchObject({
      email: 'bea@merged.example.com',
      hs_additional_emails: 'ann@merged.example.com',
    });
    const refused = await failure(
      hubspot.client().crm.contacts.basicApi.create({
        properties: { email: 'ANN@merged.example.com', lastname: 'Again' },
        associations: [],
      }),
    );
    expect(refused.code).toBe(409);
    expect(refused.body.message).toBe(`Contact already exists. Existing ID: ${bea}`);
    // A batch create with it is refused whole, as for a contact's own email.
    const batch = await failure(
      hubspot.client().crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'new@merged.example.com' }, associations: [] },
          { properties: { email: 'ann@merged.example.com' }, associations: [] },
        ],
      }),
    );
    expect(batch.code).toBe(409);
    expect(batch.body.message).toBe(`Contact already exists. Existing ID: ${bea}`);
    // So is moving another contact onto it.
    const cyd = await hubspot.client().crm.contacts.basicApi.create({
      properties: { email: 'cyd@merged.example.com' },
      associations: [],
    });
    const moved = await failure(
      hubspot
        .client()
        .crm.contacts.basicApi.update(cyd.id, { properties: { email: 'ann@merged.example.com' } }),
    );
    expect(moved.code).toBe(409);
  });

  it('a search on hs_additional_emails EQ finds the survivor among its several emails; the batch read by email does not', async () => {
    const { bea } = await annMergedIntoBea();
    const dee = await hubspot.client().crm.contacts.basicApi.create({
      properties: { email: 'dee@merged.example.com' },
      associations: [],
    });
    await hubspot.client().crm.contacts.basicApi.merge({ primaryObjectId: bea, objectIdToMerge: dee.id });
    const found = await hubspot.client().crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'hs_additional_emails',
              operator: FilterOperatorEnum.Eq,
              value: 'ann@merged.example.com',
            },
          ],
        },
      ],
      properties: ['email', 'hs_additional_emails'],
      limit: 10,
    });
    expect(found.results.map((r) => r.id)).toEqual([bea]);
    // Whether HubSpot's batch read by `email` matches a secondary email is not documented; the sandbox
    // answers by the contact's own email only, so crmsync must not rely on it.
    const byEmail = await hubspot.client().crm.contacts.batchApi.read({
      inputs: [{ id: 'ann@merged.example.com' }],
      idProperty: 'email',
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(byEmail.results).toEqual([]);
  });

  it('the sandbox frees it when the survivor is archived, as it frees an archived contact’s own email', async () => {
    const { bea } = await annMergedIntoBea();
    await hubspot.client().crm.contacts.basicApi.archive(bea);
    const again = await hubspot.client().crm.contacts.basicApi.create({
      properties: { email: 'ann@merged.example.com' },
      associations: [],
    });
    expect(again.id).not.toBe(bea);
  });
});
