// Watches a playground edit reach the other CRM, and says why not when it does not.

import { $, api, fmtMs, say } from './dom.js';
import { factList, label, otherSide, pickFields, SIDE_NAMES, shownFields } from './fields.js';
import { showTrace } from './trace.js';

const OUTCOMES = ['synced', 'noop', 'skipped', 'error'];
const WATCH_MS = 60_000;
const WATCH_POLL_MS = 500;
let watchGeneration = 0;

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
export async function watchSync({ kind = undefined, side, id, editedAt, startedAt, values }) {
  const generation = ++watchGeneration;
  // The account lane records an unlinked company's decisions under `hubspot-company:<id>` (C4).
  const key = kind === 'company' ? `hubspot-company:${id}` : `${side}:${id}`;
  const other = SIDE_NAMES[otherSide(side)];
  let plan;
  let trace;
  let pending = [];
  while (performance.now() - startedAt < WATCH_MS) {
    trace = await api(`/api/records/${kind ?? side}/${encodeURIComponent(id)}`);
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

function renderCompare(trace, side, changed) {
  $('play-compare').hidden = false;
  // Highlight the edited fields and their counterparts on the other side.
  const names = [...changed];
  for (const f of trace.fields ?? []) if (changed.includes(f[side])) names.push(f[otherSide(side)]);
  factList(
    $('play-hs'),
    trace.hubspot
      ? pickFields(trace.hubspot.properties, shownFields(trace, 'hubspot'))
      : { record: 'not linked yet' },
    names,
  );
  factList(
    $('play-sf'),
    trace.salesforce
      ? pickFields(trace.salesforce.fields, shownFields(trace, 'salesforce'))
      : { record: 'not linked yet' },
    names,
  );
}
