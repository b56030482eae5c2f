import { describe, expect, it } from 'vitest';
import { fieldCatalog, fieldLabel } from '../../lib/admin/fields.ts';
import { compareMappedFields, editReachesOtherSide } from '../../lib/admin/trace-fields.ts';
import { testConfig } from '../support/test-config.ts';

/**
 * What the dashboard is told about fields: the server answers from the config's mappings and the
 * sync rules (`decideField`), so the browser never re-states a rule or keeps its own field list.
 */

const URLS = { hubspot: 'http://127.0.0.1:1', salesforce: 'http://127.0.0.1:2' };
const both = (hubspot: string | null, salesforce: string | null) => ({ hubspot, salesforce });

describe('where an edit flows, from the sync rules', () => {
  it('two-way: an edit on either side reaches the other, clearing included', () => {
    expect(editReachesOtherSide('two-way', both('New', 'Old'), 'hubspot')).toBe(true);
    expect(editReachesOtherSide('two-way', both('Old', 'New'), 'salesforce')).toBe(true);
    expect(editReachesOtherSide('two-way', both(null, 'Old'), 'hubspot')).toBe(true);
  });

  it('always-hubspot: only a HubSpot edit reaches Salesforce', () => {
    expect(editReachesOtherSide('always-hubspot', both('New', 'Old'), 'hubspot')).toBe(true);
    expect(editReachesOtherSide('always-hubspot', both('Old', 'New'), 'salesforce')).toBe(false);
    expect(editReachesOtherSide('always-hubspot', both('Same', 'Same'), 'salesforce')).toBe(false);
  });

  it('always-salesforce: only a Salesforce edit reaches HubSpot', () => {
    expect(editReachesOtherSide('always-salesforce', both('Old', 'New'), 'salesforce')).toBe(true);
    expect(editReachesOtherSide('always-salesforce', both('New', 'Old'), 'hubspot')).toBe(false);
    expect(editReachesOtherSide('always-salesforce', both('Same', 'Same'), 'hubspot')).toBe(false);
  });

  it('prefer-salesforce-unless-blank: a Salesforce edit always reaches HubSpot; a HubSpot edit only while Salesforce is blank', () => {
    expect(editReachesOtherSide('prefer-salesforce-unless-blank', both('Old', 'New'), 'salesforce')).toBe(
      true,
    );
    expect(editReachesOtherSide('prefer-salesforce-unless-blank', both('Old', null), 'salesforce')).toBe(
      true,
    );
    expect(editReachesOtherSide('prefer-salesforce-unless-blank', both('New', null), 'hubspot')).toBe(true);
    expect(editReachesOtherSide('prefer-salesforce-unless-blank', both('New', 'Kept'), 'hubspot')).toBe(
      false,
    );
    expect(editReachesOtherSide('prefer-salesforce-unless-blank', both('Same', 'Same'), 'hubspot')).toBe(
      true,
    );
  });

  it('dont-sync: an edit reaches neither side', () => {
    expect(editReachesOtherSide('dont-sync', both('New', 'Old'), 'hubspot')).toBe(false);
    expect(editReachesOtherSide('dont-sync', both('Old', 'New'), 'salesforce')).toBe(false);
  });

  it('a record trace carries, per mapped field, where an edit of its current value flows', () => {
    const config = testConfig(URLS);
    const fields = compareMappedFields(
      config.mappings.Lead,
      { firstname: 'Ada', company: 'Analytical Engines' },
      { FirstName: 'Ada', Company: 'Babbage & Co' },
      config.picklists,
    );
    expect(fields.find((f) => f.hubspot === 'firstname')?.flowsFrom).toEqual({
      hubspot: true,
      salesforce: true,
    });
    // prefer-salesforce-unless-blank with a Salesforce value: the HubSpot edit is overwritten.
    expect(fields.find((f) => f.hubspot === 'company')?.flowsFrom).toEqual({
      hubspot: false,
      salesforce: true,
    });
  });
});

describe('the dashboard field catalog (GET /api/fields)', () => {
  it('lists the mapped fields per object with labels and rules, in the config order', () => {
    const catalog = fieldCatalog(testConfig(URLS));
    expect(catalog.mappings.Lead.map((m) => m.salesforce)).toEqual([
      'Email',
      'FirstName',
      'LastName',
      'Phone',
      'Title',
      'Company',
      'Status',
    ]);
    expect(catalog.mappings.Lead.find((m) => m.hubspot === 'jobtitle')).toEqual({
      hubspot: 'jobtitle',
      salesforce: 'Title',
      hubspotLabel: 'Job title',
      salesforceLabel: 'Title',
      rule: 'two-way',
    });
    expect(catalog.mappings.Contact.map((m) => m.hubspot)).not.toContain('company');
  });

  it('offers for editing the typable mapped fields (not the email, not picklists) and the segment property', () => {
    const catalog = fieldCatalog(testConfig(URLS));
    expect(catalog.editable).toEqual({
      hubspot: ['firstname', 'lastname', 'phone', 'jobtitle', 'company', 'lifecyclestage'],
      Lead: ['FirstName', 'LastName', 'Phone', 'Title', 'Company'],
      Contact: ['FirstName', 'LastName', 'Phone', 'Title'],
      // C7: a company and an account edit the Account mapping's typable fields (industry is a picklist).
      company: ['name', 'phone', 'city', 'numberofemployees'],
      Account: ['Name', 'Phone', 'BillingCity', 'NumberOfEmployees'],
    });
    expect(catalog.labels.name).toBe('Company name');
    expect(catalog.labels.Name).toBe('Account name');
    expect(catalog.shown.hubspot[0]).toBe('email');
    expect(catalog.shown.salesforce[0]).toBe('Email');
    expect(catalog.labels.lifecyclestage).toBe('Lifecycle stage');
  });

  it('follows the config: a newly mapped field is offered and labelled without any browser change', () => {
    const catalog = fieldCatalog(
      testConfig(URLS, (c) => {
        c.mappings.Contact.push({
          hubspot: 'annualrevenue',
          salesforce: 'AnnualRevenue__c',
          rule: 'two-way',
        });
      }),
    );
    expect(catalog.editable.Contact).toContain('AnnualRevenue__c');
    expect(catalog.editable.hubspot).toContain('annualrevenue');
    expect(catalog.labels.AnnualRevenue__c).toBe('Annual Revenue');
    expect(fieldLabel('hs_custom_score')).toBe('Hs custom score');
  });
});
