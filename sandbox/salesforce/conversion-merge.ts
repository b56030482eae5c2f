/**
 * The org's two compound operations, built on the store's single-record writes: lead conversion
 * and merge.
 */
import { SalesforceApiError, unsupportedType } from './errors.ts';
import { to18 } from './ids.ts';
import { CONTACT, LEAD, findObject } from './schema.ts';
import type { OrgStore } from './store.ts';
import type { Transaction } from './transaction.ts';

/**
 * Convert a lead as the platform does: create (or reuse) an Account from Company, create a
 * Contact from the lead's fields (or attach to `contactId`), then mark the lead converted
 * (IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate, Status
 * 'Closed - Converted'). Converted leads are read-only afterwards.
 */
export function convertLead(
  store: OrgStore,
  txn: Transaction,
  leadId: string,
  contactId?: string,
): { contactId: string; accountId: string } {
  const lead = store.live(LEAD, leadId);
  if (lead.fields.IsConverted === true) {
    throw new SalesforceApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead', []);
  }
  const lf = lead.fields;
  let accountId: string;
  let finalContactId: string;
  if (contactId) {
    const contact = store.live(CONTACT, contactId);
    finalContactId = String(contact.fields.Id);
    if (typeof contact.fields.AccountId === 'string') accountId = contact.fields.AccountId;
    else {
      accountId = store.create(txn, 'Account', { Name: lf.Company ?? lf.LastName });
      store.applyUpdate(txn, CONTACT, contact, { AccountId: accountId });
    }
  } else {
    accountId = store.create(txn, 'Account', {
      Name: lf.Company,
      Website: lf.Website,
      Phone: lf.Phone,
      Industry: lf.Industry,
    });
    const copy: Record<string, unknown> = { AccountId: accountId };
    for (const [from, to] of [
      ['FirstName', 'FirstName'],
      ['LastName', 'LastName'],
      ['Salutation', 'Salutation'],
      ['Title', 'Title'],
      ['Email', 'Email'],
      ['Phone', 'Phone'],
      ['MobilePhone', 'MobilePhone'],
      ['LeadSource', 'LeadSource'],
      ['Description', 'Description'],
      ['HasOptedOutOfEmail', 'HasOptedOutOfEmail'],
      ['Street', 'MailingStreet'],
      ['City', 'MailingCity'],
      ['State', 'MailingState'],
      ['PostalCode', 'MailingPostalCode'],
      ['Country', 'MailingCountry'],
    ] as const) {
      if (lf[from] !== null && lf[from] !== undefined) copy[to] = lf[from];
    }
    // Conversion is not blocked by the duplicate rule on the new contact (the UI lets the user choose).
    const saved = store.options.duplicateRuleOnEmail;
    store.options.duplicateRuleOnEmail = false;
    try {
      finalContactId = store.create(txn, 'Contact', copy);
    } finally {
      store.options.duplicateRuleOnEmail = saved;
    }
  }
  const day = new Date(txn.timestamp).toISOString().slice(0, 10);
  store.applyUpdate(txn, LEAD, lead, {
    IsConverted: true,
    Status: 'Closed - Converted',
    ConvertedContactId: finalContactId,
    ConvertedAccountId: accountId,
    ConvertedDate: day,
  });
  return { contactId: finalContactId, accountId };
}

/**
 * Merge up to two losers into a master (the platform allows three records per merge):
 * losers go to the recycle bin with MasterRecordId = master; the master is updated
 * (LastModifiedDate) — field values are kept from the master, as the API merge does
 * unless a field is chosen from a loser.
 */
export function mergeRecords(
  store: OrgStore,
  txn: Transaction,
  typeName: string,
  masterId: string,
  loserIds: string[],
): void {
  const obj = findObject(typeName);
  if (!obj || (obj !== LEAD && obj !== CONTACT)) throw unsupportedType(typeName);
  if (loserIds.length < 1 || loserIds.length > 2) {
    throw new SalesforceApiError(
      400,
      'INVALID_OPERATION',
      'A merge request takes one master and one or two records to merge',
    );
  }
  const master = store.live(obj, masterId);
  for (const l of loserIds) {
    if (to18(l) === master.fields.Id)
      throw new SalesforceApiError(400, 'INVALID_ID_FIELD', 'Cannot merge a record with itself');
    store.live(obj, l);
  }
  // Fill the master's blank fields from the losers (what the UI preselects).
  const fill: Record<string, unknown> = {};
  for (const l of loserIds) {
    const loser = store.live(obj, l);
    for (const d of obj.fields) {
      if (!d.updateable) continue;
      if (
        (master.fields[d.name] === null || master.fields[d.name] === undefined) &&
        loser.fields[d.name] != null &&
        !(d.name in fill)
      ) {
        fill[d.name] = loser.fields[d.name];
      }
    }
  }
  store.applyUpdate(txn, obj, master, fill);
  for (const l of loserIds) store.delete(txn, obj.name, l, String(master.fields.Id));
}
