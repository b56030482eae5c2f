/** Small shared helpers for the HubSpot and Salesforce sandboxes. */
export { BodyError, DEFAULT_BODY_LIMIT, readJsonBody, readRawBody, sendJson } from './body.ts';
export type { FakePeopleOptions, FakePerson } from './fake-people.ts';
export { fakePeople } from './fake-people.ts';
export type { RouteContext, RouteHandler, RouteMatch } from './http-router.ts';
export { Router } from './http-router.ts';
export { Prng } from './prng.ts';
export { foreignCaller } from './same-origin.ts';
export { DailyCounter, SlidingWindowLimiter } from './rate-limiter.ts';
