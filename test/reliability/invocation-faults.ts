import { RetryableError } from '../../lib/errors.ts';
import type { HubSpotPort, SalesforcePort, SyncStore } from '../../lib/ports.ts';

/** The CRM ports and the store one processor invocation runs on. */
export interface InvocationPorts {
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  store: SyncStore;
}

/** The port methods that write to a CRM (one call = one batch write). */
const WRITES = new Set([
  'createContacts',
  'updateContacts',
  'archiveContacts',
  'createRecords',
  'updateRecords',
  'deleteRecords',
  // Companies and associations (C2, C4, C6, C7): only histories with company sync on make these calls.
  'createCompanies',
  'updateCompanies',
  'setPrimaryCompanies',
  'demotePrimaryCompanies',
]);

/** Store methods that change state (a crashed process commits nothing more). */
const STORE_READS = /^(get|list)/;

/** Wraps every method of `target`: `around(name, call)` decides what a call does. */
function intercept<T extends object>(
  target: T,
  around: (name: string, call: () => Promise<unknown>) => Promise<unknown>,
): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value: unknown = Reflect.get(t, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) =>
        around(key, () => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args));
    },
  });
}

/**
 * Every CRM write is applied, then its response is lost (a connection reset or a timeout after the
 * CRM committed): the processor sees a retryable failure for writes that happened. Its retry must find
 * them done — no second create, no duplicate.
 */
export function loseWriteResponses(ports: InvocationPorts): InvocationPorts {
  const lose = <T extends object>(port: T): T =>
    intercept(port, async (name, call) => {
      const out = await call();
      if (!WRITES.has(name)) return out;
      throw new RetryableError(`${name}: the response was lost after the CRM applied it`, 'network');
    });
  return { ...ports, hubspot: lose(ports.hubspot), salesforce: lose(ports.salesforce) };
}

/**
 * The session of one CRM stops working just before the invocation's `afterCalls`-th call to that CRM
 * (`revoke` revokes the token the port uses at that moment): what the adapter does next — jsforce
 * renews a Salesforce session with its refresh token; a HubSpot 401 fails the batch — is production code.
 */
export function expireSessionAfter(
  ports: InvocationPorts,
  side: 'hubspot' | 'salesforce',
  afterCalls: number,
  revoke: () => void,
): InvocationPorts {
  let calls = 0;
  const port = intercept(ports[side], (_name, call) => {
    calls++;
    if (calls === afterCalls) revoke();
    return call();
  });
  return { ...ports, [side]: port };
}

/** The process is gone: whatever it still tries never happens. */
export class Crashed extends Error {
  constructor(what: string) {
    super(`the processor crashed before ${what}`);
    this.name = 'Crashed';
  }
}

/**
 * The processor dies right after its `afterWrites`-th write call to `side` returned (the CRM applied
 * it): that call's result never reaches the processor, and from then on every CRM call and every store
 * write of the invocation fails, so nothing is committed and nothing acknowledged (`crashed()` tells the
 * harness to put every message back, as Lambda does when an invocation dies). Store reads still answer:
 * a dead process reads nothing, and failing them would only add noise.
 */
export function crashAfterWrite(
  ports: InvocationPorts,
  side: 'hubspot' | 'salesforce',
  afterWrites: number,
): { ports: InvocationPorts; crashed: () => boolean } {
  let writes = 0;
  let crashed = false;
  const crm = <T extends object>(which: 'hubspot' | 'salesforce', port: T): T =>
    intercept(port, async (name, call) => {
      if (crashed) throw new Crashed(`${which}.${name}`);
      const out = await call();
      if (which === side && WRITES.has(name) && ++writes === afterWrites) {
        crashed = true;
        throw new Crashed(`the answer of ${which}.${name} (applied by the CRM)`);
      }
      return out;
    });
  const store = intercept(ports.store, async (name, call) => {
    if (crashed && !STORE_READS.test(name)) throw new Crashed(`store.${name}`);
    return call();
  });
  return {
    ports: { hubspot: crm('hubspot', ports.hubspot), salesforce: crm('salesforce', ports.salesforce), store },
    crashed: () => crashed,
  };
}
