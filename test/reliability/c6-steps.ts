import fc from 'fast-check';
import type { CompanyPair, PairState } from '../../lib/ports.ts';
import type { CompanyModel } from './company-model.ts';
import { ORGS } from './company-steps.ts';
import type { Harness } from './harness.ts';
import type { History } from './history.ts';

/*
 * C6 in the reliability model (docs/reliability.md "Companies"): users move a Contact to another
 * account in Salesforce, or change a HubSpot contact's primary company; the invariant is that a linked
 * contact's primary company corresponds to its Contact's AccountId (through the company/account links).
 */

export type C6Step =
  /** A Salesforce user sets the person's Contact's AccountId to an organisation's account, or clears it (`o` null). */
  | { kind: 'contact-account'; p: number; o: number | null }
  /** A HubSpot user makes an organisation's company the person's primary company. */
  | { kind: 'primary-company'; p: number; o: number };

export function c6StepArbitrary(people: number): fc.Arbitrary<C6Step> {
  const p = fc.nat({ max: people - 1 });
  const o = fc.nat({ max: ORGS - 1 });
  return fc.oneof(
    fc.record({
      kind: fc.constant('contact-account' as const),
      p,
      o: fc.oneof({ weight: 3, arbitrary: o }, { weight: 1, arbitrary: fc.constant(null) }),
    }),
    fc.record({ kind: fc.constant('primary-company' as const), p, o }),
  );
}

export function describeC6Step(s: C6Step): string {
  return s.kind === 'contact-account'
    ? `Salesforce user sets p${s.p}'s Contact.AccountId = ${s.o === null ? 'blank' : `Account o${s.o}`}`
    : `HubSpot user makes company o${s.o} p${s.p}'s primary company`;
}

/** Applies a C6 step; a step whose records do not exist (yet) does nothing. */
export async function applyC6Step(
  h: Harness,
  model: CompanyModel,
  step: C6Step,
  history: History,
): Promise<void> {
  const person = history.people[step.p]!;
  if (step.kind === 'contact-account') {
    const sf = await history.salesforceOf(person);
    if (sf?.objectType !== 'Contact') return;
    const account = step.o === null ? null : await model.accountOf(model.orgs[step.o]!);
    if (account === undefined) return;
    await h.stack.salesforceSandbox.userUpdate('Contact', sf.id, { AccountId: account });
    person.salesforceTouched.push(Date.now());
    return;
  }
  const contact = await history.hubspotIdOf(person);
  const company = await model.companyOf(model.orgs[step.o]!);
  if (contact && company) await h.stack.hubspotSandbox.userAssociate(contact, company, true);
}

/**
 * C6: every linked contact pair of a member whose Salesforce record is a live Contact has a primary
 * company that corresponds to the Contact's AccountId — the company linked to that account, or no
 * primary company when AccountId is blank. A primary company linked to no account is left as it is by
 * design (C6 has nothing to map it to; the decision says which side is missing), so it is not judged.
 */
export async function checkPrimaryCompanies(
  h: Harness,
  contactPairs: PairState[],
  members: Set<string>,
  companyPairs: { byAccount: Map<string, CompanyPair>; byCompany: Map<string, CompanyPair> },
): Promise<string[]> {
  const pairs = contactPairs.filter((p) => p.salesforceType === 'Contact' && members.has(p.hubspotId));
  if (pairs.length === 0) return [];
  const associations = await h.user.hubspot.readContactCompanies(pairs.map((p) => p.hubspotId));
  const out: string[] = [];
  for (const pair of pairs) {
    const record = h.stack.salesforceSandbox.getRecord(pair.salesforceId);
    if (!record || record['IsDeleted'] === true) continue;
    const accountId = typeof record['AccountId'] === 'string' ? record['AccountId'] : null;
    const primary = (associations.get(pair.hubspotId) ?? []).find((a) => a.primary)?.companyId ?? null;
    if (primary !== null && !companyPairs.byCompany.has(primary)) continue;
    const primaryAccount = primary === null ? null : companyPairs.byCompany.get(primary)!.accountId;
    if (primaryAccount !== accountId)
      out.push(
        `C6: hubspot:${pair.hubspotId}'s primary company is ${primary === null ? 'none' : `company:${primary} (Account:${primaryAccount})`}, but Contact:${pair.salesforceId}.AccountId is ${accountId ?? 'blank'}${accountId && companyPairs.byAccount.has(accountId) ? ` (company:${companyPairs.byAccount.get(accountId)!.companyId})` : ''}`,
      );
  }
  return out;
}
