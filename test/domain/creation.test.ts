import { describe, expect, it } from 'vitest';
import { valuesForNewHubSpotRecord, valuesForNewSalesforceRecord } from '../../lib/domain/creation.ts';
import { merge } from '../../lib/domain/three-way-merge.ts';
import { contactMappings, leadMappings, picklists } from './fixtures.ts';

const hs = {
  email: ' Ann@Example.com',
  firstname: 'Ann',
  lastname: 'Lee',
  phone: '',
  company: null,
  hs_lead_status: 'NEW',
  rating: 'Warm',
  score: '7',
  lifecyclestage: 'lead',
};

describe('creation', () => {
  it('copies every mapped non-blank value except dont-sync into a new Lead, with the default Company', () => {
    const r = valuesForNewSalesforceRecord(hs, leadMappings, picklists, {
      objectType: 'Lead',
      defaultCompany: 'Unknown',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      Email: 'ann@example.com',
      FirstName: 'Ann',
      LastName: 'Lee',
      Company: 'Unknown',
      Status: 'Open - Not Contacted',
      Rating: 'Warm',
      Score__c: 7,
    });
    expect(r.value).not.toHaveProperty('Stage__c');
    expect(r.snapshot).not.toHaveProperty('lifecyclestage');
  });

  it('takes Lead Company from its mapping when there is a value', () => {
    const r = valuesForNewSalesforceRecord({ ...hs, company: 'Acme' }, leadMappings, picklists, {
      objectType: 'Lead',
      defaultCompany: 'Unknown',
    });
    expect(r.ok && r.value['Company']).toBe('Acme');
  });

  it('does not add Company to a Contact', () => {
    const r = valuesForNewSalesforceRecord(hs, contactMappings, picklists, {
      objectType: 'Contact',
      defaultCompany: 'Unknown',
    });
    expect(r.ok && r.value).not.toHaveProperty('Company');
  });

  it('a missing LastName is a missing-required-field error naming the field', () => {
    const r = valuesForNewSalesforceRecord({ ...hs, lastname: '  ' }, leadMappings, picklists, {
      objectType: 'Lead',
      defaultCompany: 'Unknown',
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          field: 'lastname',
          category: 'missing-required-field',
          message: expect.stringMatching(/LastName is required/),
        }),
      ],
    });
  });

  it('an unmapped picklist value is left out with a warning naming field and value; the record is still created', () => {
    const r = valuesForNewSalesforceRecord({ ...hs, hs_lead_status: 'LOST' }, leadMappings, picklists, {
      objectType: 'Lead',
      defaultCompany: 'X',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).not.toHaveProperty('Status');
    expect(r.warnings).toEqual([
      expect.objectContaining({
        field: 'hs_lead_status',
        value: 'LOST',
        category: 'picklist-value-unmapped',
      }),
    ]);
  });

  it('copies a Salesforce record into a new HubSpot contact, and the first merge afterwards is a no-op', () => {
    const sf = {
      Email: 'ann@example.com',
      FirstName: 'Ann',
      LastName: 'Lee',
      Phone: null,
      Rating: 'Hot',
      Score__c: 3,
      Stage__c: 'x',
    };
    const r = valuesForNewHubSpotRecord(sf, contactMappings, picklists);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      email: 'ann@example.com',
      firstname: 'Ann',
      lastname: 'Lee',
      rating: 'Hot',
      score: '3',
    });
    const again = merge({
      mappings: contactMappings,
      picklists,
      hubspot: { values: r.value, changedAt: () => 1 },
      salesforce: { values: sf, changedAt: () => 1 },
      snapshot: r.snapshot,
    });
    expect(again.toHubSpot).toEqual({});
    expect(again.toSalesforce).toEqual({});
  });
});
