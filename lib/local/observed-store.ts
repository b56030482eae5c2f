import type { CrmSide } from '../domain/notice.ts';
import type { Decision, MembershipChange, PairState, RuntimeSettings, SyncStore } from '../ports.ts';

/**
 * A `SyncStore` that forwards every call to the real store and reports what it sees: recorded
 * decisions (for the dashboard's counters) and API usage (per CRM, for the budget gauge). It adds no
 * behaviour, so the processor runs exactly as it does in AWS.
 */
export class ObservedSyncStore implements SyncStore {
  constructor(
    private readonly inner: SyncStore,
    private readonly observer: {
      onDecisions?: (decisions: Decision[]) => void;
      onApiUsage?: (crm: CrmSide, day: string, total: number) => void;
      onMembership?: (listId: string, changes: MembershipChange[]) => void;
    },
  ) {}

  getPairsByHubSpotIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.inner.getPairsByHubSpotIds(ids);
  }
  getPairsBySalesforceIds(ids: string[]): Promise<Map<string, PairState>> {
    return this.inner.getPairsBySalesforceIds(ids);
  }
  putPair(pair: PairState, expectedVersion: number): Promise<PairState> {
    return this.inner.putPair(pair, expectedVersion);
  }
  deletePair(hubspotId: string, expectedVersion: number): Promise<void> {
    return this.inner.deletePair(hubspotId, expectedVersion);
  }
  getMembers(listId: string, hubspotIds: string[]): Promise<Set<string>> {
    return this.inner.getMembers(listId, hubspotIds);
  }
  async replaceMembership(listId: string, memberIds: string[], options: { at: number }): Promise<MembershipChange[]> {
    const changes = await this.inner.replaceMembership(listId, memberIds, options);
    this.observer.onMembership?.(listId, changes);
    return changes;
  }
  getCursor(name: string): Promise<number | undefined> {
    return this.inner.getCursor(name);
  }
  advanceCursor(name: string, value: number): Promise<void> {
    return this.inner.advanceCursor(name, value);
  }
  listMembers(listId: string): Promise<string[]> {
    return this.inner.listMembers(listId);
  }
  getSettings(): Promise<RuntimeSettings | undefined> {
    return this.inner.getSettings();
  }
  putSettings(settings: RuntimeSettings, expectedVersion: number): Promise<RuntimeSettings> {
    return this.inner.putSettings(settings, expectedVersion);
  }
  markEventProcessed(eventId: string, at: number): Promise<boolean> {
    return this.inner.markEventProcessed(eventId, at);
  }
  async recordDecisions(decisions: Decision[]): Promise<void> {
    await this.inner.recordDecisions(decisions);
    this.observer.onDecisions?.(decisions);
  }
  listDecisions(recordKey: string, limit?: number): Promise<Decision[]> {
    return this.inner.listDecisions(recordKey, limit);
  }
  async addApiUsage(crm: CrmSide, day: string, calls: number): Promise<number> {
    const total = await this.inner.addApiUsage(crm, day, calls);
    this.observer.onApiUsage?.(crm, day, total);
    return total;
  }
  getApiUsage(crm: CrmSide, day: string): Promise<number> {
    return this.inner.getApiUsage(crm, day);
  }
}
