import type { ChangeNotice, NoticeKind, SalesforceObject } from '../../lib/domain/notice.ts';

let sequence = 0;
/** A unique event id per call (tests that need a duplicate reuse a notice's `eventId`). */
export function nextEventId(prefix = 'evt'): string {
  sequence++;
  return `${prefix}-${process.pid}-${sequence}`;
}

type NoticeOptions = Partial<Omit<ChangeNotice, 'source' | 'objectType' | 'recordId'>>;

/** A notice about a HubSpot contact ("contact X may have changed"), `updated` by default. */
export function hubspotNotice(recordId: string, options: NoticeOptions = {}): ChangeNotice {
  return {
    source: 'hubspot',
    objectType: 'contact',
    recordId,
    kind: 'updated' as NoticeKind,
    eventId: nextEventId('hs'),
    occurredAt: Date.now(),
    ...options,
  };
}

/** A notice about a Salesforce Lead or Contact, `updated` by default. */
export function salesforceNotice(
  objectType: SalesforceObject,
  recordId: string,
  options: NoticeOptions = {},
): ChangeNotice {
  return {
    source: 'salesforce',
    objectType,
    recordId,
    kind: 'updated' as NoticeKind,
    eventId: nextEventId('sf'),
    occurredAt: Date.now(),
    ...options,
  };
}

/** Queue messages for `processBatch`, as SqsChangeQueue would have sent them (JSON bodies). */
export function asMessages(notices: ChangeNotice[], prefix = 'msg'): { messageId: string; body: string }[] {
  return notices.map((n) => ({ messageId: `${prefix}-${nextEventId('m')}`, body: JSON.stringify(n) }));
}
