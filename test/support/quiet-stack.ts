import type { Log } from '../../lib/observability/observability.ts';
import { silentLog } from '../../lib/observability/observability.ts';
import type { DemoSize } from '../../lib/local/demo-data.ts';
import { type LocalStack, startLocalStack } from '../../lib/local/runtime.ts';

/**
 * The local stack as deterministic tests start it: ephemeral ports, no schedules, no first-run
 * resync, nothing processed in the background (`flush()` delivers and drains the queue), silent.
 */
export function startQuietStack(opts: {
  dataDir: string | null;
  demo: DemoSize;
  log?: Log;
}): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    sandboxPorts: { hubspot: 0, salesforce: 0 },
    dataDir: opts.dataDir,
    demo: opts.demo,
    schedules: false,
    backgroundPolling: false,
    firstRunResync: false,
    log: opts.log ?? silentLog,
  });
}
