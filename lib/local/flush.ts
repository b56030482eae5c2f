import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import type { SqsPoller } from './sqs-poller.ts';

/**
 * Delivers every pending sandbox webhook, outbound message and CDC event, then drains the queue
 * through the processor, round after round until a round delivers and processes nothing (a write
 * to one CRM can cause deliveries: echoes, which the intake drops). Deterministic: tests and the
 * CLI call it instead of waiting for the background poller. At most 20 rounds.
 */
export async function flushDeliveries(parts: {
  hubspotSandbox: HubSpotSandbox | undefined;
  salesforceSandbox: SalesforceSandbox | undefined;
  poller: Pick<SqsPoller, 'drain'>;
}): Promise<{ rounds: number; delivered: number; processed: number }> {
  const { hubspotSandbox, salesforceSandbox, poller } = parts;
  let delivered = 0;
  let processed = 0;
  let rounds = 0;
  for (; rounds < 20; rounds++) {
    const hs = hubspotSandbox ? await hubspotSandbox.flushWebhooks() : { delivered: 0 };
    const sf = salesforceSandbox ? await salesforceSandbox.flushDeliveries() : { outbound: 0, cdc: 0 };
    const got = hs.delivered + sf.outbound + sf.cdc;
    const done = await poller.drain();
    delivered += got;
    processed += done;
    if (got === 0 && done === 0) break;
  }
  return { rounds, delivered, processed };
}
