// Record search and the decision trace of one record.

import { $, api, el, fmtTime, replaceChildren, setText, sideBadge } from './dom.js';
import { factList, kindOf, pickFields, shownFields } from './fields.js';
import { editInPlayground } from './playground.js';

export function describeDecision(d) {
  const parts = [];
  if (d.reason) parts.push(d.reason);
  if (d.category) parts.push(d.category);
  return parts.join(' · ');
}

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
                onclick: () => openTrace(kindOf(h), h.id),
              }),
              ' ',
              el('button', {
                type: 'button',
                class: 'secondary small',
                text: 'Edit in playground',
                'aria-label': `Edit ${h.label} in the playground`,
                onclick: () => editInPlayground(kindOf(h), h.id),
              }),
            ),
          )
        : [el('li', { class: 'muted', text: `No record matches "${q}".` })],
    );
    if (hits.length === 1) await openTrace(kindOf(hits[0]), hits[0].id);
  } catch (error) {
    replaceChildren($('search-hits'), [el('li', { class: 'msg bad', text: error.message })]);
  }
});

export async function openTraceKey(key) {
  const [side, id] = key.split(':');
  // Decisions of the account lane: `hubspot-company:<id>`, and `salesforce:<001…>` for an account.
  if (side === 'hubspot-company') return openTrace('company', id);
  await openTrace(side === 'salesforce' && id.startsWith('001') ? 'account' : side, id);
}

async function openTrace(side, id) {
  try {
    showTrace(await api(`/api/records/${side}/${encodeURIComponent(id)}`));
    $('trace').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    replaceChildren($('search-hits'), [el('li', { class: 'msg bad', text: error.message })]);
  }
}

function contactLinkText(trace) {
  const p = trace.pair;
  return p
    ? `Linked: HubSpot ${p.hubspotId} ⇄ Salesforce ${p.salesforceType} ${p.salesforceId} (${p.origin}), last synced ${fmtTime(p.lastSyncedAt)}. ${trace.inSegment === null ? '' : trace.inSegment ? 'In the segment.' : 'Not in the segment.'}`
    : `Not linked yet. ${trace.inSegment === false ? 'Not in the segment.' : ''}`;
}

function companyLinkText(trace) {
  const p = trace.pair;
  const off = trace.companiesEnabled ? '' : ' Company sync is off (C1).';
  return p
    ? `Linked: HubSpot company ${p.companyId} ⇄ Salesforce Account ${p.accountId} (${p.origin}), last synced ${fmtTime(p.lastSyncedAt)}.${off}`
    : `Not linked yet.${off}`;
}

/** How long "Sync now" waits for the decision made for its notice. */
const SYNC_NOW_MS = 60_000;
let traced;

/** Sync now: queue the traced record through the normal path, then wait for the decision made for it. */
$('trace-sync').addEventListener('click', async () => {
  if (!traced) return;
  const { side, id } = traced;
  const msg = $('trace-sync-msg');
  $('trace-sync').disabled = true;
  try {
    const receipt = await api(`/api/records/${side}/${encodeURIComponent(id)}/sync`, { method: 'POST' });
    msg.textContent = 'Queued; waiting for the processor…';
    msg.className = 'help';
    const until = Date.now() + SYNC_NOW_MS;
    while (Date.now() < until) {
      const trace = await api(`/api/records/${side}/${encodeURIComponent(id)}`);
      const decision = trace.decisions.find((d) => d.eventId === receipt.noticeId);
      if (decision) {
        showTrace(trace);
        msg.textContent = `Synced now: ${decision.outcome}${decision.reason ? ` (${describeDecision(decision)})` : ''}.`;
        msg.className = `msg ${decision.outcome === 'error' ? 'bad' : 'ok'}`;
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    msg.textContent = `Queued (notice ${receipt.noticeId}) but not decided within ${SYNC_NOW_MS / 1000} s: the queue is busy.`;
  } catch (error) {
    msg.textContent = error.message;
    msg.className = 'msg bad';
  } finally {
    $('trace-sync').disabled = false;
  }
});

export function showTrace(trace) {
  // A company/account trace (`object`) has no "sync now": a company syncs on its next change or a resync.
  traced = trace.object ? undefined : { side: trace.side, id: trace.id };
  $('trace-sync').hidden = Boolean(trace.object);
  $('trace').hidden = false;
  setText('trace-h', `Decision trace: ${trace.object ?? trace.side} ${trace.id}`);
  factList(
    $('trace-hs'),
    trace.hubspot ? pickFields(trace.hubspot.properties, shownFields(trace, 'hubspot')) : { record: 'none' },
  );
  factList(
    $('trace-sf'),
    trace.salesforce
      ? pickFields(trace.salesforce.fields, shownFields(trace, 'salesforce'))
      : { record: 'none' },
  );
  setText('trace-link', trace.object ? companyLinkText(trace) : contactLinkText(trace));
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
