/**
 * Salesforce record ids: 15 case-sensitive characters (3-char key prefix, then instance and
 * counter) plus a 3-character case-insensitive checksum suffix — the 18-char form the REST
 * API returns. Suffix algorithm: for each 5-char chunk, a 5-bit mask of which characters are
 * upper-case A–Z, mapped onto `A–Z0–5`.
 * https://help.salesforce.com/s/articleView?id=000385008 (15 vs 18 character ids)
 */

/** Key prefixes of the objects the sandbox knows. */
export const KEY_PREFIX = {
  Lead: '00Q',
  Contact: '003',
  Account: '001',
  User: '005',
  Group: '00G',
  // Every field history row (ContactHistory, LeadHistory, …) has this prefix.
  FieldHistory: '017',
  Organization: '00D',
  OutboundAction: '04k',
  OutboundNotification: '04l',
  QueryLocator: '01g',
  EventRelay: '0YL',
} as const;

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character checksum suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX_CHARS[bits];
  }
  return out;
}

/** Build an 18-char id from a key prefix and a counter (pod `SB` marks sandbox ids). */
export function makeId(prefix: string, counter: number): string {
  let n = counter;
  let body = '';
  while (n > 0) {
    body = BASE62[n % 62] + body;
    n = Math.floor(n / 62);
  }
  const id15 = `${prefix}SB${body.padStart(10, '0')}`;
  return id15 + idSuffix(id15);
}

/** True when `s` looks like a 15- or 18-char id (and, for 18, its suffix is right). */
export function isWellFormedId(s: string): boolean {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(s)) return false;
  return s.length === 15 || idSuffix(s.slice(0, 15)) === s.slice(15).toUpperCase();
}

/** Normalize a 15- or 18-char id to its 18-char form (ids are matched on the 15-char part). */
export function to18(s: string): string {
  return s.length === 15 ? s + idSuffix(s) : s.slice(0, 15) + idSuffix(s.slice(0, 15));
}

/** A counter-based id factory; one per sandbox so `reset()` restarts from 1. */
export class IdFactory {
  #next = 1;
  /** A fresh 18-char id with the given key prefix. */
  next(prefix: string): string {
    return makeId(prefix, this.#next++);
  }
  /** Restart numbering. */
  reset(): void {
    this.#next = 1;
  }
  /** The counter of the next id: saved with the data, so no id is reused after a restart. */
  get counter(): number {
    return this.#next;
  }
  set counter(next: number) {
    this.#next = next;
  }
}
