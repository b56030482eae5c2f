// The playground: edit a record in one CRM as a user would, then watch the edit sync (watch-sync.js).

import { $, api, el, replaceChildren, say } from './dom.js';
import { catalog, LIFECYCLE, label, SIDE_NAMES } from './fields.js';
import { watchSync } from './watch-sync.js';

let playRecords = [];

// ───────────────────────────── playground ─────────────────────────────

function playSide() {
  return document.querySelector('input[name="side"]:checked').value;
}

export async function loadPlayground() {
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
export async function editInPlayground(side, id) {
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
