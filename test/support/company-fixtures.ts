import { setCompanySync } from '../../lib/sync/segment-choice.ts';
import { startTestStack, type TestStack } from './test-stack.ts';

/** A test stack with company sync on (C1, the run-time setting). Always `close()` it. */
export async function startCompanyStack(): Promise<TestStack> {
  const s = await startTestStack();
  await setCompanySync({ store: s.store, config: s.config }, true);
  return s;
}

/**
 * A HubSpot contact and a Salesforce Contact with one email, linked in the store as a first match
 * would link them (empty snapshot), optionally with the Contact under an account — the setup C3 (b)
 * and C4 need: a contact that "syncs with" a Contact.
 */
export async function linkedContactTwins(
  s: TestStack,
  person: { email: string; lastname: string; accountId?: string },
): Promise<{ hubspotId: string; salesforceId: string }> {
  const salesforceId = await s.salesforceSandbox.userCreate('Contact', {
    LastName: person.lastname,
    Email: person.email,
    ...(person.accountId ? { AccountId: person.accountId } : {}),
  });
  const hubspotId = await s.hubspotSandbox.userCreateContact({
    email: person.email,
    lastname: person.lastname,
  });
  await s.store.putPair(
    {
      hubspotId,
      salesforceId,
      salesforceType: 'Contact',
      snapshot: {},
      version: 0,
      lastSyncedAt: 0,
      origin: 'matched',
    },
    0,
  );
  return { hubspotId, salesforceId };
}
