// crmsync dashboard. Plain browser JavaScript modules, no framework, no external requests: it polls
// the local stack's JSON API (/api/*) and renders with textContent only (record values are untrusted).

import { loadCatalog } from './fields.js';
import './operations.js';
import { loadPlayground } from './playground.js';
import { loadSegments } from './segments.js';
import { refreshStatus } from './status.js';
import './trace.js';

const POLL_MS = 2000;

await loadCatalog();
await Promise.all([refreshStatus(), loadSegments(), loadPlayground()]);
setInterval(refreshStatus, POLL_MS);
