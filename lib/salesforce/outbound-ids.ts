/**
 * Salesforce record and org ids: 15 characters (case-sensitive) or 18 (the 15 plus a 3-character
 * case-safe checksum). The two forms name the same record, so comparisons go through the 18 form.
 * https://help.salesforce.com/s/articleView?id=000385585 (15 vs 18 character ids)
 */

const ID_15_OR_18 = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * True for a well-formed 15- or 18-character id. The 18-character checksum is not enforced: a
 * notice about a record id we cannot read is harmless (the processor finds nothing), while
 * refusing it could lose a change.
 */
export function isSalesforceId(id: string): boolean {
  return ID_15_OR_18.test(id);
}

/**
 * The 18-character form: each 5-character chunk of the 15 contributes one suffix character whose
 * bits mark the upper-case letters in the chunk. An 18-character id is returned as it is.
 * Throws on a malformed id.
 */
export function toSalesforceId18(id: string): string {
  if (!ID_15_OR_18.test(id)) throw new Error('not a salesforce id');
  if (id.length === 18) return id;
  const base = id;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = base.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return base + suffix;
}

/**
 * Same record or org, whatever the form (15 or 18) of each side: the case-sensitive 15-character
 * part decides (the suffix only encodes its letter case). False when either is malformed.
 */
export function sameSalesforceId(a: string, b: string): boolean {
  if (!isSalesforceId(a) || !isSalesforceId(b)) return false;
  return a.slice(0, 15) === b.slice(0, 15);
}
