/**
 * The SOQL tokenizer: words, 'strings' (with \' escapes), numbers, punctuation and date/datetime
 * literals, each with its position for error messages.
 */
import { SalesforceApiError } from './errors.ts';

/** One token of a SOQL string. */
export interface Tok {
  kind: 'word' | 'str' | 'num' | 'punct' | 'dt';
  text: string;
  pos: number;
}

/** A MALFORMED_QUERY error, as the API answers a query it cannot parse. */
export function malformed(message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'MALFORMED_QUERY', message);
}

/** Splits a SOQL string into tokens; an unterminated string or a stray character is MALFORMED_QUERY. */
export function tokenize(q: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < q.length && q[j] !== "'"; j++) {
        if (q[j] === '\\' && j + 1 < q.length) {
          j++;
          const e = q[j] as string;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else s += q[j];
      }
      if (j >= q.length) throw malformed(`line 1:${i} mismatched character '<EOF>' expecting '''`);
      toks.push({ kind: 'str', text: s, pos: i });
      i = j + 1;
      continue;
    }
    const dt = /^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d))?/.exec(q.slice(i));
    if (dt) {
      toks.push({ kind: 'dt', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(q.slice(i));
    if (num) {
      toks.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
    if (word) {
      toks.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    const p = /^(!=|<>|<=|>=|[=<>(),])/.exec(q.slice(i));
    if (p) {
      toks.push({ kind: 'punct', text: p[0] === '<>' ? '!=' : p[0], pos: i });
      i += p[0].length;
      continue;
    }
    throw malformed(`line 1:${i} no viable alternative at character '${c}'`);
  }
  return toks;
}
