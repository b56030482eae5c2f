import type { CompanyTrace } from '../../lib/admin/company-records.ts';
import type { Decision } from '../../lib/ports.ts';
import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { type Scenario, startScenario, uniqueEmail } from './scenario-stack.ts';

/**
 * Company scenarios (docs/design.md#companies-accounts-and-owners): the whole local stack with
 * empty sandboxes, no segment (R2) and company sync on (C1). Users edit accounts and companies
 * through the sandboxes' user actions; the sandboxes deliver real webhooks (`company.*`), outbound
 * messages and `AccountChangeEvent` CDC events to the intake; `flush()` drains the queue through
 * the processor.
 */
export async function startCompanyScenario(): Promise<Scenario> {
  const s = await startScenario({
    config: (c) => {
      c.companies = { enabled: true };
    },
  });
  await setCompanySync(s.deps, true);
  return s;
}

/** The company/account trace the dashboard and `crmsync record` show (`GET /api/records/{object}/{id}`). */
export async function companyTrace(
  s: Scenario,
  object: 'company' | 'account',
  id: string,
): Promise<CompanyTrace> {
  const res = await fetch(`${s.stack.url}/api/records/${object}/${id}`);
  if (res.status !== 200)
    throw new Error(`GET /api/records/${object}/${id} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as CompanyTrace;
}

/** The newest decision of a trace that is not a `received` entry. */
export function latest(trace: { decisions: Decision[] }): Decision | undefined {
  return trace.decisions.find((d) => d.outcome !== 'received');
}

/** A HubSpot company's properties, read through the HubSpot API (not crmsync's trace). */
export async function companyProperties(
  s: Scenario,
  id: string,
  properties: string[] = ['name', 'city', 'phone', 'industry'],
): Promise<Record<string, string | null>> {
  const [company] = await s.stack.hubspot.readCompanies([id], properties);
  if (!company) throw new Error(`HubSpot company ${id} not found`);
  return company.properties;
}

/** How many (live) companies the HubSpot sandbox holds. */
export async function companyCount(s: Scenario): Promise<number> {
  let count = 0;
  let after: string | undefined;
  do {
    const page = await s.stack.hubspot.companyIdPage(after);
    count += page.ids.length;
    after = page.after;
  } while (after);
  return count;
}

/**
 * A HubSpot contact and a Salesforce Contact with one email, linked by crmsync: the Contact is
 * created in Salesforce (R6 auto-create finds the HubSpot contact by email and links it).
 */
export async function linkedContact(
  s: Scenario,
  label: string,
  fields: Record<string, unknown> = {},
): Promise<{ hubspotId: string; contactId: string; email: string }> {
  const email = uniqueEmail(label);
  const hubspotId = await s.hubspotSandbox.userCreateContact({ email, lastname: label });
  const contactId = await s.salesforceSandbox.userCreate('Contact', {
    Email: email,
    LastName: label,
    ...fields,
  });
  await s.flush();
  const pair = (await s.stack.store.getPairsBySalesforceIds([contactId])).get(contactId);
  if (pair?.hubspotId !== hubspotId)
    throw new Error(`contact ${label} did not link: ${JSON.stringify(pair)}`);
  return { hubspotId, contactId, email };
}
