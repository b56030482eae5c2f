/**
 * The ports of crmsync (docs/design.md#ports-and-adapters). The engine in `lib/sync` talks only to these;
 * adapters implement them over SQS, DynamoDB, `@hubspot/api-client` and `jsforce`, and take their
 * clients in the constructor. The local stack runs the same adapters against in-process stand-ins.
 *
 * One file per port under `lib/ports/`; this file gathers them, so the engine and the adapters import
 * every port from one place.
 */
// The domain owns its entity types; re-exported so adapters and the engine can keep importing ports.
export type * from './domain/entities.ts';
export type * from './ports/crm.ts';
export type * from './ports/hubspot.ts';
export type * from './ports/jobs.ts';
export type * from './ports/queue.ts';
export type * from './ports/salesforce.ts';
export type * from './ports/store.ts';
