import { Worker } from 'node:worker_threads';

/**
 * A local service (dynalite, the local SQS) running in a worker thread. The protocol, one message
 * each way: once listening the worker posts what the host needs (its port or endpoint) or
 * `{ error }`; told `close`, it closes its server (and its files) and posts `{ closed, error? }`.
 */
export interface WorkerService<T> {
  /** The worker's first message. */
  started: T;
  /** Asks the worker to close, waits for it, and ends the thread. */
  close(): Promise<void>;
}

/** Starts `source` (plain CommonJS, evaluated) in a worker thread and waits for its first message. */
export async function startWorkerService<T extends object>(
  what: string,
  source: string,
  workerData: unknown,
): Promise<WorkerService<T>> {
  const worker = new Worker(source, { eval: true, workerData });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const first = await next();
  if (typeof first['error'] === 'string' || Object.keys(first).length === 0) {
    await worker.terminate();
    throw new Error(`${what} did not start: ${String(first['error'] ?? 'nothing reported')}`);
  }
  return {
    started: first as T,
    async close() {
      const closed = next();
      worker.postMessage('close');
      const answer = await closed;
      await worker.terminate();
      if (typeof answer['error'] === 'string')
        throw new Error(`${what} did not close cleanly: ${answer['error']}`);
    },
  };
}
