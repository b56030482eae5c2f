// The status panels: environment, segment, counters, API usage, queue, resync progress, recent
// decisions and schedules, polled from GET /api/status.

import { renderChart } from './chart.js';
import { $, api, el, fmtAgo, fmtNum, fmtTime, fmtMs, replaceChildren, say, setText } from './dom.js';
import { describeDecision, openTraceKey } from './trace.js';

/** The last status the server answered (the resync button watches it). */
export let lastStatus = null;

export async function refreshStatus() {
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
  // `crmsync console` adds which deployed stack (and region) it forwards to.
  if (s.console) {
    $('env-stack-row').hidden = false;
    setText('env-stack', `${s.console.stack} · ${s.console.region}`);
  }
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
  // C1: company sync on or off, and how many company/account links the store holds.
  const co = s.companies;
  setText(
    'seg-companies',
    !co
      ? '—'
      : co.enabled
        ? `On: ${co.links === null ? '?' : fmtNum(co.links)} company ⇄ account links`
        : 'Off (C1)',
  );

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

export function renderResync(r) {
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
