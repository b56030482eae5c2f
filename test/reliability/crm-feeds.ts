import type { CrmSide } from '../../lib/domain/notice.ts';
import { isOwnOrigin } from '../../lib/salesforce/cdc-events.ts';

/** A write crmsync made, as the CRM's own change feed reports it (webhook `changeSource`, CDC `changeOrigin`). */
export interface CrmsyncWrite {
  side: CrmSide;
  id: string;
  /** The CRM's time of the change (webhook `occurredAt`, CDC `commitTimestamp`). */
  at: number;
  what: string;
  /** The CRM object written (`contact`, `company`, `Lead`, `Contact`, `Account`), when the feed says. */
  object?: string;
  /** The values the write set, when the feed carries them (webhook `propertyValue`, CDC payload fields). */
  values?: Record<string, unknown>;
}

/** A write to a company or an account (company-invariants.ts judges those; the contact invariants skip them). */
export function isCompanyWrite(w: CrmsyncWrite): boolean {
  return w.object === 'company' || w.object === 'Account';
}

/** crmsync's writes in a HubSpot webhook batch: events whose `sourceId` is crmsync's app. */
export function hubspotWritesOf(body: string, appId: string): CrmsyncWrite[] {
  let events: unknown;
  try {
    events = JSON.parse(body);
  } catch {
    return [];
  }
  if (!Array.isArray(events)) return [];
  return (events as Record<string, unknown>[])
    .filter((e) => String(e['sourceId']) === appId)
    .map((e) => ({
      side: 'hubspot',
      id: String(e['objectId']),
      at: Number(e['occurredAt']),
      what: `${String(e['subscriptionType'])}${e['propertyName'] ? ` ${String(e['propertyName'])}` : ''}`,
      object: String(e['subscriptionType']).split('.')[0],
      ...(e['propertyName'] ? { values: { [String(e['propertyName'])]: e['propertyValue'] } } : {}),
    }));
}

/**
 * Every record change a CDC event reports (any author, for the model's "record modified" times),
 * with crmsync's own writes (`changeOrigin` with our client name) as writes.
 */
export function salesforceChangesOf(
  event: unknown,
  clientName: string,
): { id: string; at: number; write?: CrmsyncWrite }[] {
  const detail = (event as { detail?: { payload?: { ChangeEventHeader?: Record<string, unknown> } } }).detail;
  const header = detail?.payload?.ChangeEventHeader;
  if (!header) return [];
  const ids = (header['recordIds'] as string[] | undefined) ?? [];
  const at = Number(header['commitTimestamp']);
  const own = isOwnOrigin(header['changeOrigin'] as string | undefined, clientName);
  const fields = (header['changedFields'] as string[] | undefined) ?? [];
  const values = Object.fromEntries(
    Object.entries(detail?.payload ?? {}).filter(([k]) => k !== 'ChangeEventHeader'),
  );
  return ids.map((id) =>
    own
      ? {
          id,
          at,
          write: {
            side: 'salesforce',
            id,
            at,
            what: `${String(header['changeType'])} ${fields.join(',')}`,
            object: String(header['entityName']),
            values,
          },
        }
      : { id, at },
  );
}

/** A CDC gap event (GAP_CREATE … GAP_OVERFLOW): the org lost the change's own events. */
export function isGapEvent(event: unknown): boolean {
  const header = (event as { detail?: { payload?: { ChangeEventHeader?: { changeType?: unknown } } } }).detail
    ?.payload?.ChangeEventHeader;
  return typeof header?.changeType === 'string' && header.changeType.startsWith('GAP_');
}
