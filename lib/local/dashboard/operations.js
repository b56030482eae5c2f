// The operator's actions on the pipeline: inspect and redrive dead letters, start a resync.

import { $, api, el, replaceChildren, say } from './dom.js';
import { lastStatus, refreshStatus, renderResync } from './status.js';

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
