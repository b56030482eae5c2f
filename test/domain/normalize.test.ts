import { describe, expect, it } from 'vitest';
import type { FieldMapping } from '../../lib/config.ts';
import { isBlank, normalizeValue, toSideValue } from '../../lib/domain/normalize.ts';
import { InvalidValueError, PicklistUnmappedError } from '../../lib/domain/sync-rule-error.ts';
import { picklists } from './fixtures.ts';

const m = (type: FieldMapping['type'], extra: Partial<FieldMapping> = {}): FieldMapping => ({
  hubspot: 'prop',
  salesforce: 'Field__c',
  rule: 'two-way',
  type,
  ...extra,
});
const status = m('picklist', { hubspot: 'hs_lead_status', salesforce: 'Status', picklist: 'leadStatus' });

describe('normalization', () => {
  it('blank means null, undefined or empty after trim', () => {
    expect([null, undefined, '', '   ', '\t\n'].map(isBlank)).toEqual([true, true, true, true, true]);
    expect([0, false, 'a', ' a '].map(isBlank)).toEqual([false, false, false, false]);
  });

  it.each([
    ['email', '  Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['phone', ' +1 555 0100 ', '+1 555 0100'],
    ['string', '  Ann ', 'Ann'],
    ['number', '1.50', '1.5'],
    ['number', 42, '42'],
    ['date', '2024-01-15', '2024-01-15'],
    ['date', '2024-01-15T00:00:00.000Z', '2024-01-15'],
    ['date', String(Date.UTC(2024, 0, 15)), '2024-01-15'],
    ['datetime', '2024-01-15T10:00:00.000+0000', '2024-01-15T10:00:00.000Z'],
    ['datetime', String(Date.UTC(2024, 0, 15, 10)), '2024-01-15T10:00:00.000Z'],
    ['boolean', true, 'true'],
    ['boolean', 'FALSE', 'false'],
    ['string', '   ', null],
  ] as const)('normalizes a %s value %j to %j', (type, value, expected) => {
    expect(normalizeValue(value, m(type), 'hubspot', picklists)).toBe(expected);
  });

  it('rejects a value that is not of its type, naming the field', () => {
    expect(() => normalizeValue('abc', m('number'), 'salesforce', picklists)).toThrow(InvalidValueError);
    expect(() => normalizeValue('abc', m('number'), 'salesforce', picklists)).toThrow(/Field__c/);
    expect(() => normalizeValue('maybe', m('boolean'), 'hubspot', picklists)).toThrow(/prop/);
    expect(() => normalizeValue('2024-13-45', m('date'), 'hubspot', picklists)).toThrow(InvalidValueError);
  });

  it('translates Salesforce picklist values into the HubSpot value space', () => {
    expect(normalizeValue('Working - Contacted', status, 'salesforce', picklists)).toBe('IN_PROGRESS');
    // Two HubSpot values share one Salesforce value: they canonicalize alike, so nothing ping-pongs.
    expect(normalizeValue('CONNECTED', status, 'hubspot', picklists)).toBe('IN_PROGRESS');
  });

  it('an unmapped picklist value is a sync error naming the field and value', () => {
    const read = () => normalizeValue('Nurturing', status, 'salesforce', picklists);
    expect(read).toThrow(PicklistUnmappedError);
    expect(read).toThrow(/"Nurturing" of Status/);
    try {
      toSideValue('LOST', status, 'salesforce', picklists);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PicklistUnmappedError);
      expect((error as PicklistUnmappedError).category).toBe('picklist-value-unmapped');
      expect((error as PicklistUnmappedError).field).toBe('hs_lead_status');
      expect((error as PicklistUnmappedError).value).toBe('LOST');
    }
  });

  it('writes HubSpot strings (empty to clear) and typed Salesforce values (null to clear)', () => {
    expect(toSideValue(null, m('string'), 'hubspot', picklists)).toBe('');
    expect(toSideValue(null, m('string'), 'salesforce', picklists)).toBeNull();
    expect(toSideValue('1.5', m('number'), 'salesforce', picklists)).toBe(1.5);
    expect(toSideValue('true', m('boolean'), 'salesforce', picklists)).toBe(true);
    expect(toSideValue('true', m('boolean'), 'hubspot', picklists)).toBe('true');
    expect(toSideValue('NEW', status, 'salesforce', picklists)).toBe('Open - Not Contacted');
  });
});
