import { describe, expect, it } from 'vitest';
import {
  apiName,
  chunkForInClause,
  encodeQueryParam,
  inClause,
  isSalesforceId,
  soqlDateTime,
  soqlString,
} from '../../lib/salesforce/salesforce-soql.ts';

describe('SOQL building', () => {
  it('escapes quotes, backslashes and control characters in string literals', () => {
    expect(soqlString("o'brien@example.com")).toBe("'o\\'brien@example.com'");
    expect(soqlString('back\\slash')).toBe("'back\\\\slash'");
    expect(soqlString('a"b\nc\td')).toBe("'a\\\"b\\nc\\td'");
    expect(inClause('Email', ["x') OR (Email != 'x"])).toBe("Email IN ('x\\') OR (Email != \\'x')");
  });

  it('accepts API names only', () => {
    expect(apiName('Score__c')).toBe('Score__c');
    expect(apiName('Owner.Name')).toBe('Owner.Name');
    expect(() => apiName('Id FROM User --')).toThrow(/API name/);
    expect(() => apiName("Email' OR")).toThrow();
  });

  it('recognizes 15- and 18-character ids', () => {
    expect(isSalesforceId('00Q000000000001')).toBe(true);
    expect(isSalesforceId('00Q000000000001AAA')).toBe(true);
    expect(isSalesforceId("00Q' OR Id != '")).toBe(false);
  });

  it('writes dateTime literals at second precision in UTC', () => {
    expect(soqlDateTime(Date.UTC(2026, 10, 29, 4, 5, 6, 789))).toBe('2026-11-29T04:05:06Z');
  });

  it('chunks IN values so the encoded query stays under the limit, keeping every value once and in order', () => {
    const values = Array.from({ length: 2000 }, (_, i) => `o'neil${i}@example.com`);
    const chunks = chunkForInClause(values, 200, 14_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(values);
    for (const c of chunks)
      expect(200 + encodeQueryParam(c.map(soqlString).join(',')).length).toBeLessThanOrEqual(14_000);
  });

  it('encodes what the URL parser would encode, so measured length is wire length', () => {
    expect(encodeQueryParam("IN ('a')")).toBe('IN%20%28%27a%27%29');
    expect(new URL(`http://h/q?q=${encodeQueryParam("IN ('a')")}`).search.length).toBe(
      '?q=IN%20%28%27a%27%29'.length,
    );
  });
});
