import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeNoticeSchema } from '../../lib/domain/notice.ts';
import { RetryableError } from '../../lib/errors.ts';
import { fieldNamesOf, isOwnOrigin, parseCdcEvent } from '../../lib/salesforce/cdc-events.ts';
import { handleSalesforceCdc } from '../../lib/salesforce/cdc-intake.ts';
import { CapturingLog, CapturingMetrics, FakeChangeQueue } from './fakes.ts';

/** Our own CDC events in Salesforce's documented shapes (Event Relay, AppFlow, Pub/Sub), test/fixtures/salesforce. */
const fixtures = new URL('../fixtures/salesforce/', import.meta.url);
const json = (name: string) =>
  JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as Record<string, unknown>;
const relayContactUpdate = () => json('cdc-relay-contact-update.json');
const ORG = '00D5g000004XyZaEAK';

/** Wraps a CDC payload (pub/sub sample) in Event Relay's EventBridge envelope, as a Lead/Contact event. */
function relay(
  payload: Record<string, unknown>,
  entityName: 'Lead' | 'Contact' = 'Contact',
  header: Record<string, unknown> = {},
) {
  const h = { ...(payload['ChangeEventHeader'] as Record<string, unknown>), entityName, ...header };
  return {
    version: '0',
    id: 'e6a2b7c1-0000-4000-8000-000000000001',
    'detail-type': `${entityName}ChangeEvent`,
    source: `aws.partner/salesforce.com/${ORG}/0YL5g0000008AbCGAU`,
    account: '123456789012',
    time: '2026-11-29T04:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { payload: { ...payload, ChangeEventHeader: h }, schemaId: 'abc', id: 'def' },
  };
}

const opts = { clientName: 'crmsync', orgId: ORG };

describe('Salesforce CDC via Event Relay: wire-format fixtures', () => {
  it('turns the Event Relay contact update into an updated notice with its changed fields', () => {
    const parsed = parseCdcEvent(relayContactUpdate(), opts);
    expect(parsed.notices).toEqual([
      {
        source: 'salesforce',
        objectType: 'Contact',
        recordId: '0035g00000ZkP1aAAF',
        kind: 'updated',
        eventId: 'salesforce-cdc:0003f1c2-77aa-4b1e-8c2d-0e9f1a2b3c4d:1:0035g00000ZkP1aAAF',
        occurredAt: 1762161604000,
        changedFields: ['LastModifiedDate', 'Title'],
      },
    ]);
  });

  it('drops the same event as an echo when its changeOrigin names our client (echo layer 1)', () => {
    const parsed = parseCdcEvent(relayContactUpdate(), { clientName: 'hubspot-sync', orgId: ORG });
    expect(parsed.notices).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: 'echo', count: 1 }]);
  });

  it('C8: reads the AppFlow shape (change event directly in detail): an AccountChangeEvent becomes an Account notice', () => {
    const event = json('cdc-appflow-account-update.json');
    // AppFlow's source names an AWS account and a flow, not the org: read with no org configured.
    const parsed = parseCdcEvent(event, { clientName: opts.clientName });
    expect(parsed.notices).toEqual([
      {
        source: 'salesforce',
        objectType: 'Account',
        recordId: '0015g00000Lm4XyAAJ',
        kind: 'updated',
        eventId: 'salesforce-cdc:0007aa10-3c4d-4e5f-9a6b-7c8d9e0f1a2b:1:0015g00000Lm4XyAAJ',
        occurredAt: 1762257605000,
        changedFields: ['Industry', 'LastModifiedDate'],
      },
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('ignores objects other than Lead, Contact and Account', () => {
    const event = json('cdc-appflow-account-update.json');
    const header = (event['detail'] as { ChangeEventHeader: Record<string, unknown> }).ChangeEventHeader;
    header['entityName'] = 'Opportunity';
    const parsed = parseCdcEvent(event, { clientName: opts.clientName });
    expect(parsed.notices).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: 'unsupported-object', count: 1 }]);
  });

  it('refuses an event whose source names no org when the org is configured (the org check cannot be skipped)', () => {
    const appflow = json('cdc-appflow-account-update.json');
    expect(parseCdcEvent(appflow, opts).ignored).toEqual([{ reason: 'unknown-source', count: 1 }]);
    const { source: _dropped, ...withoutSource } = relayContactUpdate() as Record<string, unknown>;
    expect(parseCdcEvent(withoutSource, opts)).toEqual({
      notices: [],
      ignored: [{ reason: 'missing-source', count: 1 }],
    });
  });

  it('ignores a platform event (no ChangeEventHeader) as invalid', () => {
    const parsed = parseCdcEvent(json('relay-platform-event.json'), opts);
    expect(parsed.ignored).toEqual([{ reason: 'invalid-event', count: 1 }]);
  });

  it('fans out recordIds: one notice per record, bitmap changedFields become "unknown"', () => {
    const parsed = parseCdcEvent(relay(json('cdc-account-update-3-records.json'), 'Lead'), opts);
    expect(parsed.notices.map((n) => [n.recordId, n.kind, n.changedFields])).toEqual([
      ['0015g00000Lm4XaAAJ', 'updated', undefined],
      ['0015g00000Lm4XbAAJ', 'updated', undefined],
      ['0015g00000Lm4XcAAJ', 'updated', undefined],
    ]);
    expect(new Set(parsed.notices.map((n) => n.eventId)).size).toBe(3);
  });

  it('turns GAP_CREATE into a created notice that forces a re-read, even from our own client', () => {
    const gap = json('cdc-account-gap-create.json');
    const parsed = parseCdcEvent(
      relay(gap, 'Lead', { changeOrigin: 'com/salesforce/api/rest/64.0;client=crmsync' }),
      opts,
    );
    expect(parsed.notices).toEqual([
      {
        source: 'salesforce',
        objectType: 'Lead',
        recordId: '0015g00000Lm4XdAAJ',
        kind: 'created',
        eventId: 'salesforce-cdc:0005c3d4-e5f6-4071-8293-a4b5c6d7e8f9:7:0015g00000Lm4XdAAJ',
        occurredAt: 1762168800000,
        forceRead: true,
      },
    ]);
  });

  it.each([
    ['GAP_UPDATE', 'updated'],
    ['GAP_DELETE', 'deleted'],
    ['GAP_UNDELETE', 'restored'],
  ])('turns %s into a %s notice with forceRead', (changeType, kind) => {
    const parsed = parseCdcEvent(relay(json('cdc-account-gap-create.json'), 'Contact', { changeType }), opts);
    expect(parsed.notices.map((n) => [n.kind, n.forceRead])).toEqual([[kind, true]]);
  });

  it("turns GAP_OVERFLOW into one resync notice for the object, recordId '*'", () => {
    const parsed = parseCdcEvent(relay(json('cdc-account-gap-overflow.json'), 'Lead'), opts);
    expect(parsed.notices).toEqual([
      {
        source: 'salesforce',
        objectType: 'Lead',
        recordId: '*',
        kind: 'resync',
        eventId: 'salesforce-cdc:0006d4e5-f6a7-4182-93a4-b5c6d7e8f9a0:3:resync:Lead',
        occurredAt: 1762172400000,
        forceRead: true,
      },
    ]);
  });

  it("turns a wildcard record id ('00Q*') into a resync of the object", () => {
    const { payload } = relayContactUpdate()['detail'] as { payload: Record<string, unknown> };
    const parsed = parseCdcEvent(relay(payload, 'Lead', { recordIds: ['00Q*'] }), opts);
    expect(parsed.notices.map((n) => [n.recordId, n.kind])).toEqual([['*', 'resync']]);
  });
});

describe('Salesforce CDC: kinds', () => {
  const payload = (header: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
    ChangeEventHeader: {
      entityName: 'Contact',
      recordIds: ['003000000000001AAA'],
      changeType: 'UPDATE',
      changeOrigin: 'com/salesforce/api/rest/64.0;client=Workbench/',
      transactionKey: 'tx-1',
      sequenceNumber: 1,
      commitTimestamp: 1_764_000_000_000,
      commitNumber: 1,
      commitUser: '005000000000001AAA',
      changedFields: [],
      ...header,
    },
    ...fields,
  });

  it.each([
    ['CREATE', 'created'],
    ['UPDATE', 'updated'],
    ['DELETE', 'deleted'],
    ['UNDELETE', 'restored'],
  ])('maps %s to %s', (changeType, kind) => {
    expect(parseCdcEvent(relay(payload({ changeType })), opts).notices.map((n) => n.kind)).toEqual([kind]);
  });

  it('maps the DELETE of a merge loser that carries MasterRecordId to merged, with the survivor', () => {
    const parsed = parseCdcEvent(
      relay(payload({ changeType: 'DELETE' }, { MasterRecordId: '003000000000002AAA' })),
      opts,
    );
    expect(parsed.notices).toMatchObject([
      { kind: 'merged', recordId: '003000000000001AAA', survivorId: '003000000000002AAA' },
    ]);
  });

  it('uses changedFields and nulledFields, without compound prefixes, for updates', () => {
    const parsed = parseCdcEvent(
      relay(
        payload({ changedFields: ['Name.FirstName', 'Email', 'LastModifiedDate'], nulledFields: ['Phone'] }),
      ),
      opts,
    );
    expect(parsed.notices[0]?.changedFields).toEqual(['Email', 'FirstName', 'LastModifiedDate', 'Phone']);
  });

  it('skips malformed record ids but keeps the valid ones of the same event', () => {
    const parsed = parseCdcEvent(
      relay(payload({ recordIds: ['bad id', '003000000000003AAA', '\u0000', '003000000000003AAA'] })),
      opts,
    );
    expect(parsed.notices.map((n) => n.recordId)).toEqual(['003000000000003AAA']);
    expect(parsed.ignored).toEqual([{ reason: 'invalid-id', count: 2 }]);
  });

  it('ignores unknown change types (SNAPSHOT) and events relayed from another org', () => {
    expect(parseCdcEvent(relay(payload({ changeType: 'SNAPSHOT' })), opts).ignored).toEqual([
      { reason: 'unknown-change-type', count: 1 },
    ]);
    const other = {
      ...relay(payload({})),
      source: 'aws.partner/salesforce.com/00D000000000999AAA/0YL000000000001',
    };
    expect(parseCdcEvent(other, opts).ignored).toEqual([{ reason: 'wrong-organization', count: 1 }]);
  });

  it('recognizes our client in changeOrigin only as the client parameter', () => {
    expect(isOwnOrigin('com/salesforce/api/rest/64.0;client=crmsync', 'crmsync')).toBe(true);
    expect(isOwnOrigin('com/salesforce/api/soap/64.0;client=crmsync/', 'crmsync')).toBe(true);
    expect(isOwnOrigin('com/salesforce/api/rest/64.0;client=crmsync-other', 'crmsync')).toBe(false);
    expect(isOwnOrigin('com/salesforce/api/client=crmsync/64.0', 'crmsync')).toBe(false);
    expect(isOwnOrigin('', 'crmsync')).toBe(false);
    expect(isOwnOrigin(null, 'crmsync')).toBe(false);
  });

  it('reports changed fields as unknown (undefined) rather than pass on __proto__, constructor, NUL or RTL names', () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'Email\u0000', '\u202EliamE', 'Émail']) {
      expect(
        fieldNamesOf({ changedFields: ['Email', name] } as Parameters<typeof fieldNamesOf>[0]),
      ).toBeUndefined();
    }
    expect(fieldNamesOf({ changedFields: ['Email'] } as Parameters<typeof fieldNamesOf>[0])).toEqual([
      'Email',
    ]);
  });

  it('property: any event never throws and every notice satisfies the notice schema', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.record({
          changeType: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'GAP_OVERFLOW', 'GAP_UPDATE', 'X'),
          recordIds: fc.array(fc.oneof(fc.string(), fc.constantFrom('003000000000001AAA', '00Q*')), {
            minLength: 1,
            maxLength: 5,
          }),
          changedFields: fc.array(fc.string(), { maxLength: 4 }),
        }),
        (junk, header) => {
          for (const event of [junk, relay(payload(header))]) {
            const parsed = parseCdcEvent(event, opts);
            for (const n of parsed.notices) changeNoticeSchema.parse(n);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Salesforce CDC intake', () => {
  const deps = () => ({
    queue: new FakeChangeQueue(),
    clientName: 'crmsync',
    orgId: ORG,
    logger: new CapturingLog(),
    metrics: new CapturingMetrics(),
  });

  it('queues the notices and counts them', async () => {
    const d = deps();
    expect(await handleSalesforceCdc(relayContactUpdate(), d)).toEqual({ queued: 1, ignored: 0 });
    expect(d.queue.sent).toHaveLength(1);
    expect(d.metrics.get('salesforce-cdc.queued')).toBe(1);
  });

  it('throws a RetryableError when the queue fails, so the invocation is retried', async () => {
    const d = deps();
    d.queue.failNext = 1;
    await expect(handleSalesforceCdc(relayContactUpdate(), d)).rejects.toBeInstanceOf(RetryableError);
    expect(d.metrics.get('salesforce-cdc.failed')).toBe(1);
  });

  it('logs and counts an echo, without the changed values (no email in logs)', async () => {
    const d = { ...deps(), clientName: 'hubspot-sync' };
    expect(await handleSalesforceCdc(relayContactUpdate(), d)).toEqual({ queued: 0, ignored: 1 });
    expect(d.metrics.get('salesforce-cdc.echo')).toBe(1);
    expect(d.logger.find('salesforce change event ignored', 'echo')).toBeDefined();
    expect(d.logger.text()).not.toContain('erica.johnson@example.com');
  });

  it('does not echo an email put in the entity name or change type into the log', async () => {
    const d = deps();
    const event = relayContactUpdate();
    const header = (event['detail'] as { payload: { ChangeEventHeader: Record<string, unknown> } }).payload
      .ChangeEventHeader;
    header['entityName'] = 'eve@example.com';
    header['changeType'] = 'mallory@example.com';
    await handleSalesforceCdc(event, d);
    expect(d.metrics.get('salesforce-cdc.ignored')).toBe(1);
    expect(d.logger.text()).not.toContain('@example.com');
  });

  it('refuses an event without source (not from a partner bus): nothing queued, a warning', async () => {
    for (const source of [undefined, '']) {
      const d = deps();
      const event = { ...relayContactUpdate(), source };
      expect(await handleSalesforceCdc(event, d)).toEqual({ queued: 0, ignored: 1 });
      expect(d.queue.calls).toBe(0);
      expect(d.logger.find('salesforce change event ignored', 'missing-source')?.level).toBe('warn');
    }
  });

  it('logs and counts a malformed event instead of throwing', async () => {
    const d = deps();
    expect(await handleSalesforceCdc({ detail: 'nope' }, d)).toEqual({ queued: 0, ignored: 1 });
    expect(d.metrics.get('salesforce-cdc.ignored')).toBe(1);
    expect(d.logger.find('salesforce change event ignored', 'invalid-event')?.level).toBe('warn');
  });
});
