// crmsync dashboard. Plain browser JavaScript, no framework, no external requests: it polls the
// local stack's JSON API (/api/*) and renders with textContent only (record values are untrusted).

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
const LIFECYCLE = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];
/** The mapped fields, their labels and what the playground may edit: computed by the server (GET /api/fields). */
let catalog = {
  editable: { hubspot: [], Lead: [], Contact: [] },
  shown: { hubspot: [], salesforce: [] },
  labels: {},
};

function label(name) {
  return catalog.labels[name] ?? name;
}

let lastStatus = null;
let playRecords = [];

// ───────────────────────────── helpers ─────────────────────────────

async function api(path, init) {
  const res = await fetch(path, {
    ...init,
    headers: init?.body ? { 'content-type': 'application/json' } : undefined,
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : {};
  // The server's error already names each invalid field and why.
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function setText(id, value) {
  const node = $(id);
  const text = String(value);
  if (node && node.textContent !== text) node.textContent = text;
}

function say(id, text, kind = '') {
  const node = $(id);
  node.textContent = text;
  node.className = `msg ${kind}`;
}

function fmtTime(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function fmtAgo(ms) {
  if (!ms) return 'never';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return fmtTime(ms);
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtNum(n) {
  return Number(n ?? 0).toLocaleString();
}

function sideBadge(side) {
  return el('span', { class: `side ${side}`, text: side === 'hubspot' ? 'HubSpot' : 'Salesforce' });
}

function replaceChildren(node, children) {
  node.replaceChildren(...children);
}

// ───────────────────────────── status ─────────────────────────────

async function refreshStatus() {
  try {
    const status = await api('/api/status');
    lastStatus = status;
    $('conn').textContent = 'Live · updated ' + fmtTime(Date.now());
    $('conn').className = 'conn ok';
    renderStatus(status);
  } catch (error) {
    $('conn').textContent = `Not connected: ${error.message}`;
    $('conn').className = 'conn bad';
  }
}

function renderStatus(s) {
  setText('env-mode', s.mode === 'live' ? 'live CRMs' : 'sandboxes');
  setText('env-hubspot', s.urls.hubspot);
  setText('env-salesforce', s.urls.salesforce);
  setText('env-since', fmtTime(s.startedAt));

  const seg = s.segment;
  setText('seg-name', seg ? (seg.name ?? `list ${seg.id}`) : 'None: every contact syncs');
  setText(
    'seg-type',
    seg ? (seg.processingType === 'DYNAMIC' ? 'Active (dynamic)' : (seg.processingType ?? '—')) : '—',
  );
  setText('seg-members', seg ? fmtNum(seg.members) : '—');
  setText('seg-refresh', seg ? fmtAgo(seg.lastRefreshAt) : '—');

  const st = s.stats;
  const skippedTotal = Object.values(st.skippedByReason).reduce((a, b) => a + b, 0);
  const errorsTotal = st.errorsByCategory.reduce((a, e) => a + e.count, 0);
  setText('c-synced', fmtNum(st.decisions.synced));
  setText('c-noop', fmtNum(st.decisions.noop));
  setText('c-skipped', fmtNum(Math.max(skippedTotal, st.decisions.skipped)));
  setText('c-linked', fmtNum(st.decisions.linked));
  setText('c-echoes', fmtNum(st.echoesSuppressed));
  setText('c-errors', fmtNum(errorsTotal));
  $('c-errors').classList.toggle('has', errorsTotal > 0);
  renderReasons(st.skippedByReason);
  renderErrors(st.errorsByCategory);
  renderChart(st);

  for (const crm of ['hubspot', 'salesforce']) {
    const u = s.apiUsage[crm];
    const share = u.budget > 0 ? Math.min(1, u.today / u.budget) : 0;
    $(`meter-${crm}`).value = share;
    setText(
      `usage-${crm}-text`,
      `${fmtNum(u.today)} of ${fmtNum(u.budget)} calls (${(share * 100).toFixed(share < 0.01 ? 2 : 1)}% of crmsync's share; org limit ${fmtNum(u.dailyLimit)}/day, burst ${u.maxRequestsPer10s}/10 s). Since start: ${fmtNum(u.sinceStart)} calls, ${fmtNum(u.rateLimited)} rate-limited, ${fmtNum(u.waits)} waits.`,
    );
  }

  setText('q-visible', fmtNum(s.queue.visible));
  setText('q-inflight', fmtNum(s.queue.inFlight));
  setText('q-dlq', fmtNum(s.queue.dlq));
  $('q-dlq').classList.toggle('has', s.queue.dlq > 0);
  $('dlq-redrive').disabled = s.queue.dlq === 0;

  renderResync(s.resync);
  renderRecent(st.recent);
  renderSchedules(s.schedules);
}

function renderReasons(byReason) {
  const entries = Object.entries(byReason).sort((a, b) => b[1] - a[1]);
  replaceChildren(
    $('skipped-reasons'),
    entries.length
      ? entries.map(([reason, n]) =>
          el('li', {}, el('span', { text: reason }), el('strong', { text: fmtNum(n) })),
        )
      : [el('li', { class: 'muted', text: 'none yet' })],
  );
}

function renderErrors(categories) {
  replaceChildren(
    $('error-categories'),
    categories.length
      ? categories.map((c) =>
          el(
            'li',
            {},
            el(
              'span',
              {},
              c.category,
              el(
                'span',
                { class: 'records' },
                `${c.records.length} record${c.records.length === 1 ? '' : 's'}: `,
                ...c.records.slice(0, 6).flatMap((key, i) => [
                  i > 0 ? ', ' : '',
                  el('button', {
                    type: 'button',
                    class: 'link',
                    text: key,
                    onclick: () => openTraceKey(key),
                  }),
                ]),
              ),
            ),
            el('strong', { text: fmtNum(c.count) }),
          ),
        )
      : [el('li', { class: 'muted', text: 'none' })],
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function renderChart(st) {
  const chart = $('chart');
  const series = st.series;
  const W = 600;
  const H = 180;
  const pad = { l: 34, r: 44, t: 10, b: 18 };
  const maxCount = Math.max(5, ...series.map((b) => b.processed));
  const maxLatency = Math.max(1000, ...series.map((b) => b.p95 ?? 0));
  const bw = (W - pad.l - pad.r) / Math.max(1, series.length);
  const y = (v, max) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const keep = [...chart.querySelectorAll('title, desc')];
  chart.replaceChildren(...keep);
  chart.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, stroke: '#8391a5' }));
  series.forEach((b, i) => {
    if (!b.processed) return;
    const top = y(b.processed, maxCount);
    chart.append(
      svg('rect', {
        x: pad.l + i * bw + 1,
        y: top,
        width: Math.max(1, bw - 2),
        height: H - pad.b - top,
        fill: '#7aa7d9',
      }),
    );
  });
  const points = series
    .map((b, i) =>
      b.p95 === null ? null : `${(pad.l + i * bw + bw / 2).toFixed(1)},${y(b.p95, maxLatency).toFixed(1)}`,
    )
    .filter(Boolean);
  if (points.length > 1)
    chart.append(
      svg('polyline', { points: points.join(' '), fill: 'none', stroke: '#b42318', 'stroke-width': 2 }),
    );
  for (const p of points.length === 1 ? points : []) {
    const [cx, cy] = p.split(',');
    chart.append(svg('circle', { cx, cy, r: 3, fill: '#b42318' }));
  }
  const label = (x, yy, text, anchor) => {
    const t = svg('text', { x, y: yy, 'font-size': 11, fill: '#505b6b', 'text-anchor': anchor });
    t.textContent = text;
    chart.append(t);
  };
  label(pad.l - 4, pad.t + 8, String(maxCount), 'end');
  label(pad.l - 4, H - pad.b, '0', 'end');
  label(W - pad.r + 4, pad.t + 8, fmtMs(maxLatency), 'start');
  label(pad.l, H - 4, '5 min ago', 'start');
  label(W - pad.r, H - 4, 'now', 'end');
  const recent = series.slice(-12);
  const perMin = recent.reduce((a, b) => a + b.processed, 0);
  setText(
    'chart-summary',
    `Last minute: ${fmtNum(perMin)} changes processed. Latency from change to sync: ${
      st.latency.samples === 0
        ? 'no changes yet.'
        : `p50 ${fmtMs(st.latency.p50)}, p95 ${fmtMs(st.latency.p95)} (${fmtNum(st.latency.samples)} samples).`
    }`,
  );
}

function renderResync(r) {
  const progress = $('resync-progress');
  const btn = $('resync-btn');
  btn.disabled = r.running;
  if (!r.startedAt) return;
  const total = Math.max(r.total, 1);
  progress.max = total;
  progress.value = Math.min(r.processed, total);
  if (r.error) say('resync-msg', `Resync failed: ${r.error}`, 'bad');
  else if (r.running)
    say(
      'resync-msg',
      `Resync running: ${fmtNum(r.enqueued)} of ${fmtNum(r.total)} members queued, ${fmtNum(r.processed)} processed.`,
      'wait',
    );
  else {
    const took = r.finishedAt && r.startedAt ? ` in ${fmtMs(r.finishedAt - r.startedAt)}` : '';
    say(
      'resync-msg',
      `Resync done: ${fmtNum(r.enqueued)} members queued${took}, ${fmtNum(r.processed)} processed.`,
      'ok',
    );
  }
}

function describeDecision(d) {
  const parts = [];
  if (d.reason) parts.push(d.reason);
  if (d.category) parts.push(d.category);
  return parts.join(' · ');
}

function renderRecent(decisions) {
  if (!decisions.length) return;
  replaceChildren(
    $('recent'),
    decisions
      .slice(0, 25)
      .map((d) =>
        el(
          'li',
          {},
          el('span', { class: 'when', text: fmtTime(d.at) }),
          ' ',
          el('span', { class: `outcome ${d.outcome}`, text: d.outcome }),
          ' ',
          el('button', { type: 'button', text: d.recordKey, onclick: () => openTraceKey(d.recordKey) }),
          d.reason || d.category ? el('span', { class: 'detail', text: describeDecision(d) }) : null,
        ),
      ),
  );
}

function renderSchedules(schedules) {
  replaceChildren(
    $('sched-body'),
    schedules.map((j) =>
      el(
        'tr',
        {},
        el('td', { text: j.name }),
        el('td', { text: j.expression }),
        el('td', {
          text: j.running ? 'running…' : j.lastError ? `failed: ${j.lastError}` : fmtAgo(j.lastRunAt),
        }),
        el('td', { text: j.nextRunAt ? fmtTime(j.nextRunAt) : 'manual' }),
      ),
    ),
  );
}

// ───────────────────────────── segment ─────────────────────────────

async function loadSegments() {
  try {
    const { lists, current } = await api('/api/segments');
    const select = $('seg-select');
    replaceChildren(select, [
      el('option', { value: '', text: 'No segment: sync every contact' }),
      ...lists.map((l) =>
        el('option', { value: l.listId, text: `${l.name} (${fmtNum(l.size ?? 0)} members)` }),
      ),
    ]);
    select.value = current ?? '';
  } catch (error) {
    say('seg-msg', `Could not load segments: ${error.message}`, 'bad');
  }
}

$('seg-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const listId = $('seg-select').value || null;
  say('seg-msg', 'Applying…', 'wait');
  try {
    await api('/api/segments/select', { method: 'POST', body: JSON.stringify({ listId }) });
    say(
      'seg-msg',
      listId
        ? 'Segment applied. Its members sync on their next change or a resync.'
        : 'No segment: every contact syncs.',
      'ok',
    );
    await refreshStatus();
  } catch (error) {
    say('seg-msg', error.message, 'bad');
  }
});

$('seg-create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('seg-new-name').value.trim();
  const values = [...document.querySelectorAll('#seg-new-values input:checked')].map((i) => i.value);
  if (!values.length) return say('seg-msg', 'Pick at least one lifecycle stage.', 'bad');
  try {
    const { list } = await api('/api/segments', {
      method: 'POST',
      body: JSON.stringify({ name, property: 'lifecyclestage', values }),
    });
    await loadSegments();
    $('seg-create').open = false;
    $('seg-select').value = list.listId;
    say('seg-msg', `Created active segment "${list.name}". Choose Apply to limit syncs to it.`, 'ok');
    $('seg-select').focus();
  } catch (error) {
    say('seg-msg', error.message, 'bad');
  }
});

// ───────────────────────────── queue ─────────────────────────────

$('dlq-show').addEventListener('click', async () => {
  const list = $('dlq-list');
  const open = list.hidden;
  list.hidden = !open;
  $('dlq-show').setAttribute('aria-expanded', String(open));
  $('dlq-show').textContent = open ? 'Hide dead letters' : 'Show dead letters';
  if (!open) return;
  try {
    const { messages } = await api('/api/dlq?max=20');
    replaceChildren(
      list,
      messages.length
        ? messages.map((m) =>
            el('li', {}, el('code', { text: m.body.slice(0, 300) }), ` (received ${m.receiveCount}×)`),
          )
        : [el('li', { class: 'muted', text: 'The dead-letter queue is empty.' })],
    );
  } catch (error) {
    say('dlq-msg', error.message, 'bad');
  }
});

$('dlq-redrive').addEventListener('click', async () => {
  try {
    const { moved } = await api('/api/dlq/redrive', { method: 'POST' });
    say('dlq-msg', `Moved ${moved} message${moved === 1 ? '' : 's'} back to the queue.`, 'ok');
    $('dlq-list').hidden = true;
    $('dlq-show').setAttribute('aria-expanded', 'false');
    $('dlq-show').textContent = 'Show dead letters';
    await refreshStatus();
  } catch (error) {
    say('dlq-msg', error.message, 'bad');
  }
});

// ───────────────────────────── resync ─────────────────────────────

let resyncTimer;
$('resync-btn').addEventListener('click', async () => {
  $('resync-btn').disabled = true;
  say('resync-msg', 'Starting resync…', 'wait');
  try {
    const progress = await api('/api/resync', { method: 'POST' });
    renderResync(progress);
    clearInterval(resyncTimer);
    resyncTimer = setInterval(async () => {
      await refreshStatus();
      if (
        lastStatus &&
        !lastStatus.resync.running &&
        lastStatus.resync.processed >= lastStatus.resync.enqueued
      )
        clearInterval(resyncTimer);
    }, 700);
  } catch (error) {
    say('resync-msg', `Resync failed: ${error.message}`, 'bad');
    $('resync-btn').disabled = false;
  }
});

// ───────────────────────────── playground ─────────────────────────────

function playSide() {
  return document.querySelector('input[name="side"]:checked').value;
}

async function loadPlayground() {
  const side = playSide();
  try {
    const { records } = await api(`/api/playground/${side}?limit=12`);
    playRecords = records;
    replaceChildren(
      $('play-record'),
      records.map((r) => {
        const f = r.fields;
        const name =
          side === 'hubspot'
            ? `${f.firstname ?? ''} ${f.lastname ?? ''}`
            : `${f.FirstName ?? ''} ${f.LastName ?? ''}`;
        const email = side === 'hubspot' ? f.email : f.Email;
        return el('option', {
          value: r.id,
          text: `${name.trim() || r.id} <${email ?? 'no email'}> (${r.objectType})`,
        });
      }),
    );
    renderPlayFields();
  } catch (error) {
    say('play-msg', `Could not load records: ${error.message}`, 'bad');
  }
}

function renderPlayFields() {
  const side = playSide();
  const record = playRecords.find((r) => r.id === $('play-record').value);
  if (!record) return replaceChildren($('play-fields'), []);
  const names = (side === 'hubspot' ? catalog.editable.hubspot : catalog.editable[record.objectType]) ?? [];
  replaceChildren(
    $('play-fields'),
    names.map((name) => {
      const id = `pf-${name}`;
      const value = record.fields[name] ?? '';
      const input =
        name === 'lifecyclestage'
          ? el('select', { id, name }, ...LIFECYCLE.map(([v, l]) => el('option', { value: v, text: l })))
          : el('input', { id, name, value, autocomplete: 'off' });
      if (name === 'lifecyclestage') input.value = value;
      return el('div', {}, el('label', { for: id, text: label(name) }), input);
    }),
  );
}

/** Loads any record (found with the search) into the playground, e.g. one outside the segment. */
async function editInPlayground(side, id) {
  const trace = await api(`/api/records/${side}/${encodeURIComponent(id)}`);
  const source = side === 'hubspot' ? trace.hubspot?.properties : trace.salesforce?.fields;
  if (!source) return;
  document.querySelector(`input[name="side"][value="${side}"]`).checked = true;
  await loadPlayground();
  if (!playRecords.some((r) => r.id === id)) {
    const fields = {};
    for (const [k, v] of Object.entries(source)) fields[k] = v === null || v === undefined ? null : String(v);
    const objectType = side === 'hubspot' ? 'contact' : trace.salesforce.objectType;
    playRecords.unshift({ side, id, objectType, fields });
    const name =
      side === 'hubspot'
        ? `${fields.firstname ?? ''} ${fields.lastname ?? ''}`
        : `${fields.FirstName ?? ''} ${fields.LastName ?? ''}`;
    $('play-record').prepend(el('option', { value: id, text: `${name.trim() || id} (${objectType} ${id})` }));
  }
  $('play-record').value = id;
  renderPlayFields();
  $('play-h').scrollIntoView({ behavior: 'smooth', block: 'start' });
  $('play-record').focus();
}

for (const radio of document.querySelectorAll('input[name="side"]'))
  radio.addEventListener('change', loadPlayground);
$('play-record').addEventListener('change', renderPlayFields);

$('play-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const side = playSide();
  const id = $('play-record').value;
  const record = playRecords.find((r) => r.id === id);
  if (!record) return;
  const fields = {};
  for (const input of $('play-fields').querySelectorAll('input, select')) {
    const before = record.fields[input.name] ?? '';
    if (input.value !== before) fields[input.name] = input.value;
  }
  if (!Object.keys(fields).length) return say('play-msg', 'Change a field first.', 'bad');
  $('play-save').disabled = true;
  try {
    const startedAt = performance.now();
    const { record: saved, editedAt } = await api(`/api/playground/${side}/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: JSON.stringify({ fields }),
    });
    Object.assign(record.fields, saved.fields);
    // What the user's side now holds for the changed fields (the CRM may have stored it trimmed).
    const values = {};
    for (const name of Object.keys(fields)) values[name] = saved.fields[name] ?? fields[name];
    say('play-msg', `Saved in ${SIDE_NAMES[side]} as a user. Waiting for the sync…`, 'wait');
    await watchSync({ side, id, editedAt, startedAt, values });
  } catch (error) {
    say('play-msg', error.message, 'bad');
  } finally {
    $('play-save').disabled = false;
  }
});

const SIDE_NAMES = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
const OUTCOMES = ['synced', 'noop', 'skipped', 'error'];
const WATCH_MS = 60_000;
const WATCH_POLL_MS = 500;
let watchGeneration = 0;

function otherSide(side) {
  return side === 'hubspot' ? 'salesforce' : 'hubspot';
}

function sideRecord(trace, side) {
  return side === 'hubspot' ? trace.hubspot?.properties : trace.salesforce?.fields;
}

function sameText(a, b) {
  return String(a ?? '').trim() === String(b ?? '').trim();
}

/**
 * Which of the edited fields should show up on the other side, and why the others will not. Taken
 * from the first trace after the save, before the sync can have filled a blank counterpart.
 */
function planWatch(trace, side, values) {
  const expect = [];
  const notes = [];
  for (const name of Object.keys(values)) {
    const field = trace.fields?.find((f) => f[side] === name);
    // Whether the edit flows across is the server's answer, from the sync rules themselves.
    if (!field) notes.push(`${label(name)} is not mapped (kept in ${SIDE_NAMES[side]} only)`);
    else if (!field.flowsFrom?.[side])
      notes.push(`${label(name)} keeps ${SIDE_NAMES[otherSide(side)]}'s value (${field.rule})`);
    else expect.push(field);
  }
  return { expect, notes };
}

/** The expected fields the other side does not hold yet, as text for the user; empty once synced. */
function pendingFields(trace, side, values, expect) {
  const other = otherSide(side);
  if (!sideRecord(trace, other)) return [`no linked ${SIDE_NAMES[other]} record yet`];
  const pending = [];
  for (const wanted of expect) {
    const field = trace.fields?.find(
      (f) => f.hubspot === wanted.hubspot && f.salesforce === wanted.salesforce,
    );
    const mine = sideRecord(trace, side)?.[wanted[side]];
    if (field?.inSync && sameText(mine, values[wanted[side]])) continue;
    const shown = sideRecord(trace, other)?.[wanted[other]];
    pending.push(`${label(wanted[other])} is "${shown ?? ''}", not "${values[wanted[side]]}"`);
  }
  return pending;
}

/**
 * A decision newer than the edit that explains why it will not reach the other side: a skip (the
 * segment gate: R3, R8, a delete) or a sync error. A skipped echo is about crmsync's own write, not
 * the user's edit, so it explains nothing here.
 */
function blockingDecision(trace, editedAt) {
  return trace.decisions.find(
    (d) => d.at >= editedAt && (d.outcome === 'error' || (d.outcome === 'skipped' && d.reason !== 'echo')),
  );
}

/** The newest outcome about the edited record made after the edit (for edits with nothing to carry). */
function decisionAfter(trace, key, editedAt) {
  return trace.decisions.find(
    (d) => d.recordKey === key && d.at >= editedAt && OUTCOMES.includes(d.outcome) && d.reason !== 'echo',
  );
}

function notSyncedText(d) {
  if (d.outcome === 'error')
    return `Not synced: sync error (${d.category ?? 'other'})${d.reason ? `: ${d.reason}` : ''}.`;
  const rule = d.detail?.rule && d.detail.rule !== d.reason ? ` (${d.detail.rule})` : '';
  return `Not synced: ${d.reason ?? 'skipped'}${rule}.`;
}

/**
 * Watches an edit reach the other side. "Synced" means what a user means: the other side now holds
 * the saved values of every mapped field the rules let through — whichever batch carried them (an
 * earlier notice about the same pair may have, leaving the edit's own notice a no-op). Otherwise a
 * skip or an error recorded after the edit says why not; else, after a minute, what to check.
 */
async function watchSync({ side, id, editedAt, startedAt, values }) {
  const generation = ++watchGeneration;
  const key = `${side}:${id}`;
  const other = SIDE_NAMES[otherSide(side)];
  let plan;
  let trace;
  let pending = [];
  while (performance.now() - startedAt < WATCH_MS) {
    trace = await api(`/api/records/${side}/${encodeURIComponent(id)}`);
    if (generation !== watchGeneration) return;
    plan ??= planWatch(trace, side, values);
    renderCompare(trace, side, Object.keys(values));
    const took = fmtMs(performance.now() - startedAt);
    if (plan.expect.length > 0) {
      pending = pendingFields(trace, side, values, plan.expect);
      if (pending.length === 0) {
        const names = plan.expect.map((f) => label(f[otherSide(side)]));
        const notes = plan.notes.length ? ` ${plan.notes.join('; ')}.` : '';
        const holds = names.length === 1 ? 'now holds the saved value' : 'now hold the saved values';
        say('play-msg', `Synced to ${other} in ${took}: ${names.join(', ')} ${holds}.${notes}`, 'ok');
        return showTrace(trace);
      }
      const blocking = blockingDecision(trace, editedAt);
      if (blocking) {
        say('play-msg', notSyncedText(blocking), blocking.outcome === 'error' ? 'bad' : 'wait');
        return showTrace(trace);
      }
    } else {
      const decided = decisionAfter(trace, key, editedAt);
      if (decided) {
        if (decided.outcome === 'skipped' || decided.outcome === 'error')
          say('play-msg', notSyncedText(decided), decided.outcome === 'error' ? 'bad' : 'wait');
        else say('play-msg', `Nothing to sync to ${other}: ${plan.notes.join('; ')}.`, 'ok');
        return showTrace(trace);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
  }
  if (generation !== watchGeneration) return;
  const seen = pending.length ? ` ${other}: ${pending.join('; ')}.` : '';
  say(
    'play-msg',
    `Not synced after ${WATCH_MS / 1000} s.${seen} Check the queue and dead letters, the decision trace below, and the terminal running crmsync dev.`,
    'bad',
  );
  if (trace) showTrace(trace);
}

function factList(node, fields, highlight = []) {
  replaceChildren(
    node,
    Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) =>
        el(
          'div',
          {},
          el('dt', { text: label(k) }),
          el('dd', { class: highlight.includes(k) ? 'changed' : undefined, text: displayValue(k, v) }),
        ),
      ),
  );
}

function displayValue(name, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (name === 'lifecyclestage') return LIFECYCLE.find(([v]) => v === value)?.[1] ?? String(value);
  return String(value);
}

function pickFields(fields, names) {
  const out = {};
  for (const n of names) if (fields && n in fields) out[n] = fields[n];
  return out;
}

function renderCompare(trace, side, changed) {
  $('play-compare').hidden = false;
  // Highlight the edited fields and their counterparts on the other side.
  const names = [...changed];
  for (const f of trace.fields ?? []) if (changed.includes(f[side])) names.push(f[otherSide(side)]);
  factList(
    $('play-hs'),
    trace.hubspot
      ? pickFields(trace.hubspot.properties, catalog.shown.hubspot)
      : { record: 'not linked yet' },
    names,
  );
  factList(
    $('play-sf'),
    trace.salesforce
      ? pickFields(trace.salesforce.fields, catalog.shown.salesforce)
      : { record: 'not linked yet' },
    names,
  );
}

// ───────────────────────────── search and trace ─────────────────────────────

$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const q = $('search-q').value.trim();
  if (!q) return;
  try {
    const { hits } = await api(`/api/records/search?q=${encodeURIComponent(q)}`);
    replaceChildren(
      $('search-hits'),
      hits.length
        ? hits.map((h) =>
            el(
              'li',
              {},
              sideBadge(h.side),
              el('button', {
                type: 'button',
                text: `${h.label} (${h.objectType} ${h.id})`,
                onclick: () => openTrace(h.side, h.id),
              }),
              ' ',
              el('button', {
                type: 'button',
                class: 'secondary small',
                text: 'Edit in playground',
                'aria-label': `Edit ${h.label} in the playground`,
                onclick: () => editInPlayground(h.side, h.id),
              }),
            ),
          )
        : [el('li', { class: 'muted', text: `No record matches "${q}".` })],
    );
    if (hits.length === 1) await openTrace(hits[0].side, hits[0].id);
  } catch (error) {
    replaceChildren($('search-hits'), [el('li', { class: 'msg bad', text: error.message })]);
  }
});

async function openTraceKey(key) {
  const [side, id] = key.split(':');
  await openTrace(side, id);
}

async function openTrace(side, id) {
  try {
    showTrace(await api(`/api/records/${side}/${encodeURIComponent(id)}`));
    $('trace').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    replaceChildren($('search-hits'), [el('li', { class: 'msg bad', text: error.message })]);
  }
}

function showTrace(trace) {
  $('trace').hidden = false;
  setText('trace-h', `Decision trace: ${trace.side} ${trace.id}`);
  factList(
    $('trace-hs'),
    trace.hubspot ? pickFields(trace.hubspot.properties, catalog.shown.hubspot) : { record: 'none' },
  );
  factList(
    $('trace-sf'),
    trace.salesforce ? pickFields(trace.salesforce.fields, catalog.shown.salesforce) : { record: 'none' },
  );
  const p = trace.pair;
  setText(
    'trace-link',
    p
      ? `Linked: HubSpot ${p.hubspotId} ⇄ Salesforce ${p.salesforceType} ${p.salesforceId} (${p.origin}), last synced ${fmtTime(p.lastSyncedAt)}. ${trace.inSegment === null ? '' : trace.inSegment ? 'In the segment.' : 'Not in the segment.'}`
      : `Not linked yet. ${trace.inSegment === false ? 'Not in the segment.' : ''}`,
  );
  replaceChildren(
    $('trace-list'),
    trace.decisions.length
      ? trace.decisions.map((d) =>
          el(
            'li',
            { class: d.outcome },
            el('span', { class: 'when', text: fmtTime(d.at) }),
            ' ',
            el('span', { class: `outcome ${d.outcome}`, text: d.outcome }),
            ' ',
            el('span', { text: d.recordKey }),
            d.reason || d.category ? el('span', { class: 'detail', text: describeDecision(d) }) : null,
            d.detail ? el('span', { class: 'detail', text: JSON.stringify(d.detail).slice(0, 400) }) : null,
          ),
        )
      : [el('li', { text: 'No decision recorded for this record yet.' })],
  );
}

// ───────────────────────────── start ─────────────────────────────

catalog = await api('/api/fields');
await Promise.all([refreshStatus(), loadSegments(), loadPlayground()]);
setInterval(refreshStatus, POLL_MS);
