import { parentPort, workerData } from 'node:worker_threads';
import { SqsBroker } from './sqs-broker.ts';
import { startSqsServer } from './sqs-server.ts';

/**
 * The local SQS in a worker thread of its own (`startLocalSqs({ thread: true })`): the broker, its
 * journal and the HTTP server run here, so queued messages live outside the main thread's heap and
 * their parsing and journalling use another core. It reports `{ endpoint, recovered }` once
 * listening, and closes (server, then journal) when told `close`.
 */
const port = parentPort;
if (!port) throw new Error('sqs-thread.ts runs as a worker thread (startLocalSqs({ thread: true }))');
const { journalPath } = workerData as { journalPath?: string };
try {
  const broker = SqsBroker.open({ path: journalPath });
  const server = await startSqsServer(broker);
  port.on('message', (message: unknown) => {
    if (message !== 'close') return;
    server.close().then(
      () => port.postMessage({ closed: true }),
      (error: unknown) => port.postMessage({ closed: true, error: String(error) }),
    );
  });
  port.postMessage({ endpoint: server.endpoint, recovered: broker.recovered });
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
