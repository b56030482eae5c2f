import type { CrmSide } from '../domain/notice.ts';
import type { Decision, MembershipChange, SyncStore } from '../ports.ts';

/** What the local stack wants to hear about as the engine uses the store. */
export interface StoreObserver {
  onDecisions?: (decisions: Decision[]) => void;
  onApiUsage?: (crm: CrmSide, day: string, total: number) => void;
  onMembership?: (listId: string, changes: MembershipChange[]) => void;
}

/**
 * A `SyncStore` that forwards every call to the real store and reports what it sees: recorded
 * decisions (the dashboard's live counters), API usage, membership transitions. It adds no
 * behaviour, so the processor runs exactly as it does in AWS. A Proxy rather than a class, so every
 * store method (present and future) passes through untouched.
 */
export function observeStore(inner: SyncStore, observer: StoreObserver): SyncStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'recordDecisions') {
        return async (decisions: Decision[]) => {
          await target.recordDecisions(decisions);
          observer.onDecisions?.(decisions);
        };
      }
      if (property === 'addApiUsage') {
        return async (crm: CrmSide, day: string, calls: number) => {
          const total = await target.addApiUsage(crm, day, calls);
          observer.onApiUsage?.(crm, day, total);
          return total;
        };
      }
      if (property === 'replaceMembership') {
        return async (listId: string, memberIds: string[], options: { at: number }) => {
          const changes = await target.replaceMembership(listId, memberIds, options);
          observer.onMembership?.(listId, changes);
          return changes;
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
