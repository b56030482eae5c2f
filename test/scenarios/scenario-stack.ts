import type { ConfigInput } from '../../lib/config.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import { SANDBOX_APP_TOKEN } from '../../lib/local/adapters.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';
import type { RecordTrace } from '../../lib/local/services.ts';
import type { Decision, HubSpotList } from '../../lib/ports.ts';
import { selectSegment, setAutoCreate } from '../../lib/sync/segment-choice.ts';
import type { SyncDeps } from '../../lib/sync/sync-deps.ts';
import { demoSegmentRequest, type HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { type ApiCalls, apiCalls, type CounterSource, diffCalls } from '../support/api-calls.ts';
import { testConfig } from '../support/test-config.ts';

/**
 * A scenario runs against the whole local stack (docs/design.md#local-stack) with empty sandboxes: a user edits
 * records through the sandboxes' user actions, the sandboxes deliver real webhooks, outbound
 * messages and CDC events to the intake, the intake queues notices in the local SQS, and `flush()` drains
 * the queue through the processor. Nothing runs in the background, so every step is deterministic.
 */
export interface Scenario {
  stack: LocalStack;
  hubspotSandbox: HubSpotSandbox;
  salesforceSandbox: SalesforceSandbox;
  /** The ports and store the segment/resync/import functions run on (the stack's own). */
  deps: SyncDeps;
  /** Delivers every pending sandbox event and processes the queue until quiet. */
  flush(): Promise<{ delivered: number; processed: number }>;
  /** API calls both sandboxes have answered so far, split into reads and writes. */
  calls(): ApiCalls;
  /** Runs `fn` (then flushes) and returns the API calls made meanwhile. */
  measure(fn: () => Promise<unknown>): Promise<ApiCalls>;
  /** The record trace the dashboard and `GET /api/records/{side}/{id}` show. */
  trace(side: 'hubspot' | 'salesforce', id: string): Promise<RecordTrace>;
  /** Creates a DYNAMIC contact list "`property` is any of `values`" (HubSpot's segment tool). */
  dynamicList(name: string, property: string, values: string[]): Promise<HubSpotList>;
  /** Creates a MANUAL or SNAPSHOT list through the Lists API, as a HubSpot user would. */
  staticList(name: string, processingType: 'MANUAL' | 'SNAPSHOT'): Promise<string>;
  /** Creates a DYNAMIC list "lifecycle stage is any of `stages`" and selects it as the segment; returns its id. */
  selectNewSegment(name: string, stages: string[]): Promise<string>;
  /**
   * Makes records users create from now on sync nothing, like records that exist before crmsync:
   * auto-create off (no R6) and an empty segment named `emptyListName` (so no R2, and R3 skips them).
   */
  syncNothingYet(emptyListName: string): Promise<void>;
  close(): Promise<void>;
}

/** Lifecycle stages in the scenarios' segment: the demo segment's definition (docs/design.md#demo). */
export const IN_SEGMENT = 'marketingqualifiedlead';
export const OUT_OF_SEGMENT = 'subscriber';

let emailSequence = 0;
/** A unique email per call, so that scenarios sharing a stack never touch each other's records. */
export function uniqueEmail(label: string): string {
  emailSequence++;
  return `${label}.${process.pid}.${emailSequence}@scenario.example.com`;
}

/** Starts the local stack with empty sandboxes and no segment (R2) unless `config` sets one. */
export async function startScenario(
  options: { config?: (input: ConfigInput) => void } = {},
): Promise<Scenario> {
  const config = testConfig(
    { hubspot: 'http://127.0.0.1:9', salesforce: 'http://127.0.0.1:9' },
    options.config,
  );
  const stack = await startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: null,
    config,
    demo: false,
    schedules: false,
    backgroundPolling: false,
    firstRunResync: false,
    log: silentLog,
  });
  const hubspotSandbox = stack.hubspotSandbox!;
  const salesforceSandbox = stack.salesforceSandbox!;
  const counters: CounterSource = {
    hubspot: () => hubspotSandbox.counters(),
    salesforce: () => salesforceSandbox.counters(),
  };
  const deps: SyncDeps = {
    store: stack.store,
    hubspot: stack.hubspot,
    salesforce: stack.salesforce,
    queue: stack.queue,
    config: stack.config,
    now: () => Date.now(),
  };
  const selectNewSegment = async (name: string, stages: string[]): Promise<string> => {
    const { listId } = await stack.hubspot.createDynamicList(name, {
      property: 'lifecyclestage',
      operator: 'IS_ANY_OF',
      values: stages,
    });
    await selectSegment(deps, listId);
    return listId;
  };
  const flush = async () => {
    const { delivered, processed } = await stack.flush();
    return { delivered, processed };
  };
  return {
    stack,
    hubspotSandbox,
    salesforceSandbox,
    deps,
    flush,
    calls: () => apiCalls(counters),
    measure: async (fn) => {
      const before = apiCalls(counters);
      await fn();
      await flush();
      return diffCalls(before, apiCalls(counters));
    },
    trace: async (side, id) => {
      const res = await fetch(`${stack.url}/api/records/${side}/${id}`);
      if (res.status !== 200)
        throw new Error(`GET /api/records/${side}/${id} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as RecordTrace;
    },
    dynamicList: (name, property, values) =>
      stack.hubspot.createDynamicList(name, { property, operator: 'IS_ANY_OF', values }),
    staticList: async (name, processingType) => {
      // A SNAPSHOT list evaluates the demo segment's filter once; MANUAL lists have none.
      const { filterBranch, ...rest } = demoSegmentRequest(name);
      const body =
        processingType === 'SNAPSHOT'
          ? { ...rest, filterBranch, processingType }
          : { ...rest, processingType };
      const res = await fetch(`${hubspotSandbox.url}/crm/v3/lists/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_APP_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { list?: { listId: string } };
      if (!res.ok || !json.list)
        throw new Error(`creating a ${processingType} list failed: ${res.status} ${JSON.stringify(json)}`);
      return json.list.listId;
    },
    selectNewSegment,
    syncNothingYet: async (emptyListName) => {
      await setAutoCreate(deps, { fromLeads: false, fromContacts: false });
      // Nobody in the scenarios has this stage, so the segment stays empty.
      await selectNewSegment(emptyListName, ['evangelist']);
    },
    close: () => stack.close(),
  };
}

/** A HubSpot contact and a Salesforce lead with one email and their own titles, never synced. */
export interface Twin {
  label: string;
  email: string;
  hubspotId: string;
  leadId: string;
}

/**
 * Creates, as users, a HubSpot contact titled `HubSpot <label>` and a Salesforce lead with the same
 * email titled `leadTitle` (default `Salesforce <label>`), both with last name `lastName`; the lead
 * also gets first name `label` when `leadFirstName` is set. Call it while nothing syncs (see
 * {@link Scenario.syncNothingYet}), so the pair stays unlinked.
 */
export async function createTwin(
  s: Scenario,
  t: {
    label: string;
    lifecyclestage: string;
    lastName: string;
    company: string;
    leadTitle?: string;
    leadFirstName?: boolean;
  },
): Promise<Twin> {
  const email = uniqueEmail(t.label);
  const hubspotId = await s.hubspotSandbox.userCreateContact({
    email,
    firstname: t.label,
    lastname: t.lastName,
    jobtitle: `HubSpot ${t.label}`,
    lifecyclestage: t.lifecyclestage,
  });
  const leadId = await s.salesforceSandbox.userCreate('Lead', {
    Email: email,
    ...(t.leadFirstName ? { FirstName: t.label } : {}),
    LastName: t.lastName,
    Company: t.company,
    Title: t.leadTitle ?? `Salesforce ${t.label}`,
  });
  return { label: t.label, email, hubspotId, leadId };
}

/** The decisions of a trace made by the gate or the plan (not the `received` entries), oldest first. */
export function outcomes(trace: RecordTrace): Decision[] {
  return trace.decisions.filter((d) => d.outcome !== 'received').sort((a, b) => a.at - b.at);
}

/** The gate/plan decisions of a trace made at or after `sinceMs` (take it with Date.now() before acting). */
export function decisionsSince(trace: RecordTrace, sinceMs: number): Decision[] {
  return outcomes(trace).filter((d) => d.at >= sinceMs);
}

/** Reads a HubSpot contact's current properties straight from the sandbox API (not through crmsync's trace). */
export async function hubspotContact(s: Scenario, id: string): Promise<Record<string, string | null>> {
  const [contact] = await s.stack.hubspot.readContacts(
    [id],
    ['email', 'firstname', 'lastname', 'phone', 'jobtitle', 'company', 'lifecyclestage', 'hs_lead_status'],
  );
  if (!contact) throw new Error(`HubSpot contact ${id} not found`);
  return contact.properties;
}

/** HubSpot contacts with this email (through the API): 0 or 1; more would be a duplicate. */
export async function hubspotIdsByEmail(s: Scenario, email: string): Promise<string[]> {
  const found = await s.stack.hubspot.findContactsByEmail([email], ['email']);
  return found.map((c) => c.id);
}
