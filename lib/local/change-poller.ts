import type { CrmSyncConfig } from '../config.ts';
import type { ChangeNotice, SalesforceObject } from '../domain/notice.ts';
import type { ChangeQueue, HubSpotPort, SalesforcePort } from '../ports.ts';

/** What one poll found and queued. */
export interface PollResult {
  hubspot: number;
  salesforce: number;
  /** The new watermark, epoch ms. */
  since: number;
}

/**
 * Detects changes by polling, where webhooks cannot reach (a laptop talking to real CRMs), and as the
 * safety net for missed deliveries (the `poll` schedule): HubSpot search on `hs_lastmodifieddate`,
 * Salesforce SOQL on `SystemModstamp`. Every record found becomes an `updated` notice; the processor
 * re-reads it, so a record that did not really change (or our own write coming back) is a no-op.
 */
export class ChangePoller {
  #since: number;

  constructor(
    private readonly deps: {
      hubspot: HubSpotPort;
      salesforce: SalesforcePort;
      queue: ChangeQueue;
      config: CrmSyncConfig;
      now: () => number;
    },
    /** Start of the first window, epoch ms. */
    since: number,
  ) {
    this.#since = since;
  }

  get since(): number {
    return this.#since;
  }

  async poll(): Promise<PollResult> {
    // Clocks differ and modstamps are committed late: look back a little; duplicates are harmless.
    const from = Math.max(0, this.#since - 60_000);
    const started = this.deps.now();
    const hubspot = await this.#pollHubSpot(from);
    const salesforce = (await this.#pollSalesforce('Lead', from)) + (await this.#pollSalesforce('Contact', from));
    this.#since = started;
    return { hubspot, salesforce, since: started };
  }

  async #pollHubSpot(from: number): Promise<number> {
    const properties = [...new Set(Object.values(this.deps.config.mappings).flatMap((m) => m.map((f) => f.hubspot)))];
    let after: string | undefined;
    let count = 0;
    do {
      const page = await this.deps.hubspot.searchModifiedSince(from, properties, after);
      const notices: ChangeNotice[] = page.contacts.map((c) => ({
        source: 'hubspot',
        objectType: 'contact',
        recordId: c.id,
        kind: 'updated',
        eventId: `poll:hubspot:${c.id}:${c.updatedAt}`,
        occurredAt: c.updatedAt,
      }));
      if (notices.length > 0) await this.deps.queue.send(notices);
      count += notices.length;
      after = page.after;
    } while (after);
    return count;
  }

  async #pollSalesforce(objectType: SalesforceObject, from: number): Promise<number> {
    const fields = ['Id', ...this.deps.config.mappings[objectType].map((m) => m.salesforce)];
    let after: string | undefined;
    let count = 0;
    do {
      const page = await this.deps.salesforce.queryPage(objectType, [...new Set(fields)], { modifiedSinceMs: from, after });
      const notices: ChangeNotice[] = page.records.map((r) => ({
        source: 'salesforce',
        objectType,
        recordId: r.id,
        kind: 'updated',
        eventId: `poll:salesforce:${r.id}:${r.modifiedAt}`,
        occurredAt: r.modifiedAt,
      }));
      if (notices.length > 0) await this.deps.queue.send(notices);
      count += notices.length;
      after = page.after;
    } while (after);
    return count;
  }
}
