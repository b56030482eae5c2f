import type { SyncPlan } from '../domain/plan/index.ts';
import type { HubSpotPort } from '../ports.ts';
import type { ApplyResult, RefFailure } from './apply-plan.ts';
import { classifyError, settle } from './processor-errors.ts';

/**
 * C6 writes of one batch (docs/design.md#contacts-companies-and-owners): every primary company to set
 * in one associations v4 batch create (type 1, 2,000 pairs per call; HubSpot demotes the old primary
 * to unlabeled itself) and every primary to drop in one batch label archive. They run after the
 * contact writes, so a contact created in this batch has its id; a ref whose writes failed, or whose
 * contact was not created, writes no association. A failed call fails its refs (their pairs are not
 * committed, so the retry decides again from what HubSpot then holds).
 */
export async function applyAssociationWrites(
  plan: SyncPlan,
  hubspot: Pick<HubSpotPort, 'setPrimaryCompanies' | 'demotePrimaryCompanies'>,
  result: ApplyResult,
  fail: (ref: string, failure: RefFailure) => void,
): Promise<void> {
  const ready = plan.associationWrites.flatMap((w) => {
    if (result.failures.has(w.ref)) return [];
    const contactId = w.contactId || result.created.get(w.ref)?.id;
    return contactId ? [{ ...w, contactId }] : [];
  });
  const run = async (action: 'set-primary' | 'demote') => {
    const writes = ready.filter((w) => w.action === action);
    if (writes.length === 0) return;
    const links = writes.map((w) => ({ contactId: w.contactId, companyId: w.companyId }));
    const outcome = await settle(
      action === 'set-primary' ? hubspot.setPrimaryCompanies(links) : hubspot.demotePrimaryCompanies(links),
    );
    for (const w of writes) {
      if (outcome.ok) result.written.hubspot.add(w.ref);
      else fail(w.ref, { ...classifyError(outcome.error), stage: 'hubspot-write' });
    }
  };
  await Promise.all([run('set-primary'), run('demote')]);
}
