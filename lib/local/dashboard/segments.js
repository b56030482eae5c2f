// The segment panel: choose the HubSpot list that limits syncs, or create an active one.

import { $, api, el, fmtNum, replaceChildren, say } from './dom.js';
import { refreshStatus } from './status.js';

export async function loadSegments() {
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
