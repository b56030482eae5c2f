import jsforce from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';

let sb: SalesforceSandbox;
let conn: jsforce.Connection;

beforeAll(async () => {
  sb = await startSalesforceSandbox({ port: 0, autoDeliver: false });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
  sb.configure({ duplicateRuleOnEmail: false });
  conn = new jsforce.Connection({ instanceUrl: sb.url, accessToken: 'any-token', version: '64.0' });
});

const contacts = (n: number, prefix = 'c'): { LastName: string; Email: string }[] =>
  Array.from({ length: n }, (_, i) => ({ LastName: `${prefix}${i}`, Email: `${prefix}${i}@example.com` }));

const liveContacts = async (): Promise<number> => (await conn.query('SELECT COUNT() FROM Contact')).totalSize;

describe('Salesforce sandbox: sObject Collections through jsforce', () => {
  it('creates 200 records in one call (POST /composite/sobjects)', async () => {
    const res = await conn.sobject('Contact').create(contacts(200));
    expect(res).toHaveLength(200);
    expect(res.every((r) => r.success && /^003/.test(r.id ?? ''))).toBe(true);
    expect(sb.counters()['POST /services/data/v{version}/composite/sobjects']).toBe(1);
    expect(await liveContacts()).toBe(200);
  });

  it('rejects 201 records with EXCEEDED_ID_LIMIT and writes nothing', async () => {
    await expect(conn.sobject('Contact').create(contacts(201))).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
    expect(await liveContacts()).toBe(0);
    const ids = (await conn.sobject('Contact').create(contacts(2))).map((r) => r.id as string);
    const updates = Array.from({ length: 201 }, (_, i) => ({ Id: ids[i % 2] as string, Title: 't' }));
    await expect(conn.sobject('Contact').update(updates)).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
  });

  it('allOrNone false: valid records are saved, invalid ones report their errors in place', async () => {
    const res = await conn
      .sobject('Lead')
      .create([
        { LastName: 'Ok', Company: 'C' },
        { LastName: 'NoCompany' },
        { LastName: 'Bad', Company: 'C', Status: 'Nope' },
        { LastName: 'Ok2', Company: 'C' },
      ]);
    expect(res[0]).toMatchObject({ success: true, errors: [] });
    expect(res[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Company]',
          fields: ['Company'],
        },
      ],
    });
    expect(res[2]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Status'] }],
    });
    expect(res[3]).toMatchObject({ success: true });
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(2);
  });

  it('allOrNone true: one bad record rolls back the rest with ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const res = await conn
      .sobject('Contact')
      .create([{ LastName: 'A' }, { FirstName: 'missing last' }, { LastName: 'C' }], {
        allOrNone: true,
      });
    expect(res).toEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message:
              'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      },
      {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      },
      expect.objectContaining({
        success: false,
        errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })],
      }),
    ]);
    expect(await liveContacts()).toBe(0);
  });

  it('updates with allOrNone true roll back earlier updates in the same call', async () => {
    const [a, b] = (await conn.sobject('Contact').create(contacts(2))).map((r) => r.id as string);
    const res = await conn.sobject('Contact').update(
      [
        { Id: a as string, Title: 'Changed' },
        { Id: b as string, Email: 'not-an-email' },
      ],
      { allOrNone: true },
    );
    expect(res.map((r) => r.success)).toEqual([false, false]);
    expect(sb.getRecord(a as string)?.Title).toBeNull();
  });

  it('updates with allOrNone false report MALFORMED_ID for an id of another object', async () => {
    const [a] = (await conn.sobject('Contact').create(contacts(1))).map((r) => r.id as string);
    const { id: leadId } = await conn.sobject('Lead').create({ LastName: 'L', Company: 'C' });
    const res = await conn.sobject('Contact').update([
      { Id: a as string, Title: 'Ok' },
      { Id: leadId as string, Title: 'Wrong type' },
    ]);
    expect(res[0]).toEqual({ id: a, success: true, errors: [] });
    expect(res[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'MALFORMED_ID',
          message: `Contact ID: id value of incorrect type: ${leadId}`,
          fields: ['Id'],
        },
      ],
    });
  });

  it('retrieves many (POST /composite/sobjects/{type}) with null for unknown ids', async () => {
    const ids = (await conn.sobject('Contact').create(contacts(3))).map((r) => r.id as string);
    const res = await conn
      .sobject('Contact')
      .retrieve([...ids, '003SB000000000zAAA'], { fields: ['Id', 'Email'] });
    expect(res).toHaveLength(4);
    expect(res[0]).toMatchObject({ Id: ids[0], Email: 'c0@example.com', attributes: { type: 'Contact' } });
    expect(res[3]).toBeNull();
    expect(sb.counters()['POST /services/data/v{version}/composite/sobjects/{type}']).toBe(1);
  });

  it('upserts by Id (PATCH /composite/sobjects/{type}/Id): created true/false', async () => {
    const [a] = (await conn.sobject('Contact').create(contacts(1))).map((r) => r.id as string);
    const res = await conn.request<unknown[]>({
      method: 'PATCH',
      url: '/composite/sobjects/Contact/Id',
      body: JSON.stringify({
        allOrNone: false,
        records: [
          { attributes: { type: 'Contact' }, Id: a, Title: 'Up' },
          { attributes: { type: 'Contact' }, LastName: 'New' },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res).toEqual([
      { id: a, success: true, errors: [], created: false },
      { id: expect.stringMatching(/^003/), success: true, errors: [], created: true },
    ]);
  });

  it('deletes many (DELETE /composite/sobjects?ids=) with ENTITY_IS_DELETED for repeats', async () => {
    const ids = (await conn.sobject('Contact').create(contacts(2))).map((r) => r.id as string);
    const first = await conn.sobject('Contact').destroy(ids);
    expect(first.map((r) => r.success)).toEqual([true, true]);
    const again = await conn.sobject('Contact').destroy(ids);
    expect(again[0]).toEqual({
      success: false,
      errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
    });
  });

  it('duplicate rule on email: DUPLICATES_DETECTED on a second Lead with the same email', async () => {
    sb.configure({ duplicateRuleOnEmail: true });
    const { id } = await conn
      .sobject('Lead')
      .create({ LastName: 'One', Company: 'C', Email: 'dup@example.com' });
    const err = await conn
      .sobject('Lead')
      .create({ LastName: 'Two', Company: 'C', Email: 'DUP@example.com' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ errorCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?' });
    expect(
      (
        err as {
          data: { duplicateResult: { matchResults: { matchRecords: { record: { Id: string } }[] }[] } };
        }
      ).data.duplicateResult.matchResults[0]?.matchRecords[0]?.record.Id,
    ).toBe(id);
    const batch = await conn.sobject('Lead').create([
      { LastName: 'Three', Company: 'C', Email: 'dup@example.com' },
      { LastName: 'Four', Company: 'C', Email: 'fresh@example.com' },
    ]);
    expect(batch[0]).toEqual({
      success: false,
      errors: [{ statusCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?', fields: [] }],
    });
    expect(batch[1]?.success).toBe(true);
    // A Contact with the same email is another object: the Lead rule does not apply.
    await expect(
      conn.sobject('Contact').create({ LastName: 'C', Email: 'dup@example.com' }),
    ).resolves.toMatchObject({ success: true });
  });

  it('duplicate rule off (default): same email twice is accepted', async () => {
    await conn.sobject('Contact').create({ LastName: 'A', Email: 'same@example.com' });
    await expect(
      conn.sobject('Contact').create({ LastName: 'B', Email: 'same@example.com' }),
    ).resolves.toMatchObject({ success: true });
  });
});

describe('Salesforce sandbox: Composite', () => {
  const sub = (i: number): Record<string, unknown> => ({
    method: 'POST',
    url: '/services/data/v64.0/sobjects/Contact',
    referenceId: `r${i}`,
    body: { LastName: `Comp${i}` },
  });

  it('runs 25 subrequests with @{ref.id} references', async () => {
    const compositeRequest = [
      ...Array.from({ length: 24 }, (_, i) => sub(i)),
      {
        method: 'GET',
        url: '/services/data/v64.0/sobjects/Contact/@{r0.id}?fields=LastName',
        referenceId: 'read',
      },
    ];
    const res = await conn.requestPost<{
      compositeResponse: { httpStatusCode: number; referenceId: string; body: Record<string, unknown> }[];
    }>('/composite', { allOrNone: false, compositeRequest });
    expect(res.compositeResponse).toHaveLength(25);
    expect(res.compositeResponse[0]).toMatchObject({
      httpStatusCode: 201,
      referenceId: 'r0',
      body: { success: true },
    });
    expect(res.compositeResponse[24]).toMatchObject({ httpStatusCode: 200, body: { LastName: 'Comp0' } });
    expect(sb.counters()['POST /services/data/v{version}/composite']).toBe(1);
  });

  it('rejects 26 subrequests', async () => {
    await expect(
      conn.requestPost('/composite', { compositeRequest: Array.from({ length: 26 }, (_, i) => sub(i)) }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_API_INPUT' });
  });

  it('allOrNone true: a failing subrequest rolls back the earlier ones, the rest report PROCESSING_HALTED', async () => {
    const res = await conn.requestPost<{
      compositeResponse: { httpStatusCode: number; referenceId: string; body: unknown }[];
    }>('/composite', {
      allOrNone: true,
      compositeRequest: [
        sub(0),
        {
          method: 'POST',
          url: '/services/data/v64.0/sobjects/Contact',
          referenceId: 'bad',
          body: { FirstName: 'NoLast' },
        },
        sub(2),
      ],
    });
    expect(res.compositeResponse.map((x) => [x.referenceId, x.httpStatusCode])).toEqual([
      ['r0', 400],
      ['bad', 400],
      ['r2', 400],
    ]);
    expect(res.compositeResponse[0]?.body).toEqual([
      {
        errorCode: 'PROCESSING_HALTED',
        message: 'The transaction was rolled back since another operation in the same transaction failed.',
      },
    ]);
    expect(res.compositeResponse[1]?.body).toMatchObject([{ errorCode: 'REQUIRED_FIELD_MISSING' }]);
    expect(await liveContacts()).toBe(0);
  });

  it('allOrNone false: independent subrequests keep their results', async () => {
    const res = await conn.requestPost<{ compositeResponse: { httpStatusCode: number }[] }>('/composite', {
      allOrNone: false,
      compositeRequest: [
        sub(0),
        { method: 'POST', url: '/services/data/v64.0/sobjects/Contact', referenceId: 'bad', body: {} },
        sub(2),
      ],
    });
    expect(res.compositeResponse.map((x) => x.httpStatusCode)).toEqual([201, 400, 201]);
    expect(await liveContacts()).toBe(2);
  });

  it('resolves @{ref.records[0].Id} from a query subrequest', async () => {
    await conn.sobject('Contact').create({ LastName: 'Target', Email: 'target@example.com' });
    const res = await conn.requestPost<{ compositeResponse: { httpStatusCode: number; body: unknown }[] }>(
      '/composite',
      {
        allOrNone: true,
        compositeRequest: [
          {
            method: 'GET',
            url: "/services/data/v64.0/query?q=SELECT+Id+FROM+Contact+WHERE+Email+=+'target@example.com'",
            referenceId: 'q',
          },
          {
            method: 'PATCH',
            url: '/services/data/v64.0/sobjects/Contact/@{q.records[0].Id}',
            referenceId: 'u',
            body: { Title: 'Found' },
          },
        ],
      },
    );
    expect(res.compositeResponse.map((x) => x.httpStatusCode)).toEqual([200, 204]);
    const found = await conn.query<{ Title: string }>(
      "SELECT Title FROM Contact WHERE Email = 'target@example.com'",
    );
    expect(found.records[0]?.Title).toBe('Found');
  });
});
