import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

const example = JSON.parse(
  readFileSync(new URL('../../crmsync.config.example.json', import.meta.url), 'utf8'),
);
const clone = () => structuredClone(example);

function problemsOf(input: unknown) {
  try {
    parseConfig(input, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('config schema', () => {
  it('accepts the annotated example and fills defaults', async () => {
    const config = await loadConfigFile(
      new URL('../../crmsync.config.example.json', import.meta.url).pathname,
    );
    expect(config.creation.salesforceObject).toBe('Lead');
    expect(config.salesforce.clientName).toBe('crmsync');
    expect(config.mappings.Lead.find((m) => m.hubspot === 'company')?.rule).toBe(
      'prefer-salesforce-unless-blank',
    );
  });

  it('C6: creation.salesforceObject "ContactIfAccount" reads as Lead plus contactIfAccount, and the parsed config reads back the same', () => {
    const input = clone();
    input.creation.salesforceObject = 'ContactIfAccount';
    const config = parseConfig(input, 'test.json');
    expect(config.creation).toMatchObject({ salesforceObject: 'Lead', contactIfAccount: true });
    expect(parseConfig(JSON.parse(JSON.stringify(config)), 'parsed.json')).toEqual(config);
    expect(parseConfig(clone(), 'test.json').creation.contactIfAccount).toBe(false);
    expect(problemsOf({ ...input, creation: { salesforceObject: 'Account' } })[0]?.path).toBe(
      'creation.salesforceObject',
    );
  });

  it('R2: a null inclusion segment is valid (everything syncs)', () => {
    const input = clone();
    input.hubspot.inclusionSegmentId = null;
    expect(parseConfig(input).hubspot.inclusionSegmentId).toBeNull();
  });

  it('names an unknown sync rule with its path, value and the valid rules', () => {
    const input = clone();
    input.mappings.Lead[1].rule = 'sometimes';
    const [p] = problemsOf(input);
    expect(p).toMatchObject({ path: 'mappings.Lead[1].rule', value: 'sometimes' });
    expect(p?.fix).toContain('prefer-salesforce-unless-blank');
  });

  it('names a mapping without a Salesforce field', () => {
    const input = clone();
    delete input.mappings.Contact[2].salesforce;
    const [p] = problemsOf(input);
    expect(p).toMatchObject({ path: 'mappings.Contact[2].salesforce', value: undefined });
    expect(p?.fix).toMatch(/Salesforce field API name/);
  });

  it('names a HubSpot property mapped twice, and a Salesforce field mapped twice', () => {
    const input = clone();
    input.mappings.Lead.push({ hubspot: 'phone', salesforce: 'MobilePhone', rule: 'two-way' });
    input.mappings.Lead.push({ hubspot: 'mobilephone', salesforce: 'title', rule: 'two-way' });
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual(['mappings.Lead[7].hubspot', 'mappings.Lead[8].salesforce']);
    expect(problems[0]?.message).toContain('also at mappings.Lead[3]');
  });

  it('refuses an email where an id belongs, saying where to find the id', () => {
    const input = clone();
    input.hubspot.portalId = 'ops@example.com';
    input.salesforce.orgId = 'admin@example.com';
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual(['hubspot.portalId', 'salesforce.orgId']);
    expect(problems[1]?.fix).toContain('Company Information');
  });

  it('reports every problem at once, schema and cross-field together', () => {
    const input = clone();
    input.mappings.Lead[1].rule = 'sometimes';
    input.mappings.Contact.push({ hubspot: 'email', salesforce: 'Email', rule: 'two-way' });
    expect(problemsOf(input).map((p) => p.path)).toEqual([
      'mappings.Lead[1].rule',
      'mappings.Contact[5].hubspot',
      'mappings.Contact[5].salesforce',
    ]);
  });

  it('refuses unknown keys, a missing email mapping and a missing picklist table', () => {
    const input = clone();
    input.hubspot.segment = '12';
    input.mappings.Contact = input.mappings.Contact.filter((m: { hubspot: string }) => m.hubspot !== 'email');
    input.mappings.Lead[6].picklist = 'nope';
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual([
      'hubspot.segment',
      'mappings.Lead[6].picklist',
      'mappings.Contact',
    ]);
  });

  it('C1: company sync is off in the example and reads Account mappings with their picklist table', () => {
    const config = parseConfig(clone());
    expect(config.companies.enabled).toBe(false);
    expect(config.mappings.Account.map((m) => m.salesforce)).toContain('Name');
    expect(config.mappings.Account.find((m) => m.hubspot === 'industry')).toMatchObject({
      type: 'picklist',
      picklist: 'industry',
    });
    expect(config.picklists.industry?.hubspotToSalesforce.BANKING).toBe('Banking');
  });

  it('C1: a config without companies or Account mappings keeps company sync off', () => {
    const input = clone();
    delete input.companies;
    delete input.mappings.Account;
    const config = parseConfig(input);
    expect(config.companies.enabled).toBe(false);
    expect(config.mappings.Account).toEqual([]);
  });

  it('C7: company sync on with no Account mapping is refused, saying what to add', () => {
    const input = clone();
    input.companies.enabled = true;
    delete input.mappings.Account;
    const [p] = problemsOf(input);
    expect(p).toMatchObject({ path: 'mappings.Account' });
    expect(p?.message).toContain('companies.enabled');
    expect(p?.fix).toContain('"salesforce": "Name"');
  });

  it('C7: Account mappings get the same checks as contacts: rule, duplicates, picklist table, Name', () => {
    const input = clone();
    input.mappings.Account[1].rule = 'mostly';
    input.mappings.Account.push({ hubspot: 'city', salesforce: 'ShippingCity', rule: 'two-way' });
    input.mappings.Account[4].picklist = 'sectors';
    input.mappings.Account = input.mappings.Account.filter((m: { hubspot: string }) => m.hubspot !== 'name');
    const problems = problemsOf(input);
    expect(problems.map((p) => p.path)).toEqual([
      'mappings.Account[0].rule',
      'mappings.Account[3].picklist',
      'mappings.Account[4].hubspot',
      'mappings.Account',
    ]);
    expect(problems[0]?.fix).toContain('always-hubspot');
    expect(problems[3]?.message).toContain('Account Name');
  });

  it('O1: owners are on by default and an owner field mapping is refused with the setting to use', () => {
    const input = clone();
    delete input.owners;
    expect(parseConfig(input).owners.enabled).toBe(true);
    input.mappings.Contact.push({ hubspot: 'hubspot_owner_id', salesforce: 'OwnerId', rule: 'two-way' });
    const [p] = problemsOf(input);
    expect(p).toMatchObject({ path: 'mappings.Contact[5]' });
    expect(p?.message).toContain('O1');
    expect(p?.fix).toContain('"owners": { "enabled": true }');
  });

  it('names a non-boolean companies.enabled with the fix', () => {
    const input = clone();
    input.companies.enabled = 'yes';
    const [p] = problemsOf(input);
    expect(p).toMatchObject({ path: 'companies.enabled', value: 'yes', fix: 'give true or false' });
  });

  it('explains a file that is not JSON or not there, without a stack trace', async () => {
    await expect(loadConfigFile('/nonexistent/crmsync.json')).rejects.toThrow(
      /cannot read the file.*Fix: check the path/s,
    );
  });
});
