import type { CrmSyncConfig } from '../config.ts';
import type { ChangeQueue, HubSpotPort, RuntimeSettings, SalesforcePort, SyncStore } from '../ports.ts';

/** What the segment, resync and import functions need (ports only, built once and passed in). */
export interface SyncDeps {
  store: SyncStore;
  hubspot: HubSpotPort;
  salesforce: SalesforcePort;
  queue: ChangeQueue;
  config: CrmSyncConfig;
  now: () => number;
}

/** Progress of long work, for the CLI's progress line and the dashboard's progress bar. */
export type ProgressListener = (progress: { phase: string; done: number; total?: number }) => void;

/**
 * The run-time settings (docs/design.md#choosing-the-segment): what the store holds, else the config file's defaults.
 * A stored record always wins, so `crmsync segment set` outlives a restart.
 */
export async function currentSettings(deps: Pick<SyncDeps, 'store' | 'config'>): Promise<RuntimeSettings> {
  const stored = await deps.store.getSettings();
  if (stored) return stored;
  return {
    inclusionSegmentId: deps.config.hubspot.inclusionSegmentId,
    segmentSelectedAt: null,
    segmentLoaded: false,
    autoCreateFromLeads: deps.config.creation.autoCreateFromLeads,
    autoCreateFromContacts: deps.config.creation.autoCreateFromContacts,
    companiesEnabled: deps.config.companies.enabled,
    version: 0,
  };
}

/** C1: whether company ⇄ account sync is on: the run-time setting, else the config's default. */
export function companySyncEnabled(
  settings: Pick<RuntimeSettings, 'companiesEnabled'> | undefined,
  config: Pick<SyncDeps['config'], 'companies'>,
): boolean {
  return settings?.companiesEnabled ?? config.companies.enabled;
}
