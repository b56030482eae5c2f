// The playground: edit a record in one CRM as a user would, then watch the edit sync (watch-sync.js).

import { $, api, el, replaceChildren, say } from './dom.js';
import { catalog, crmSide, LIFECYCLE, label, SIDE_NAMES } from './fields.js';
import { watchSync } from './watch-sync.js';

let playRecords = [];

// ───────────────────────────── playground ─────────────────────────────

/** What is edited: `hubspot` (contact), `salesforce` (lead/contact), `company` or `account` (C7). */
function playSide() {
  return document.querySelector('input[name="side"]:checked').value;
}

/** How a record is named in the picker: a person with an email, a company or an account by name. */
function recordLabel(kind, r) {
  const f = r.fields;
  if (kind === 'company') return `${f.name ?? r.id} (company ${r.id})`;
  if (kind === 'account') return `${f.Name ?? r.id} (Account ${r.id})`;
  const name =
    kind === 'hubspot'
      ? `${f.firstname ?? ''} ${f.lastname ?? ''}`
      : `${f.FirstName ?? ''} ${f.LastName ?? ''}`;
  const email = kind === 'hubspot' ? f.email : f.Email;
  return `${name.trim() || r.id} <${email ?? 'no email'}> (${r.objectType})`;
}

export async function loadPlayground() {
  const side = playSide();
  try {
    const { records } = await api(`/api/playground/${side}?limit=12`);
    playRecords = records;
    replaceChildren(
      $('play-record'),
      records.map((r) => el('option', { value: r.id, text: recordLabel(side, r) })),
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
export async function editInPlayground(kind, id) {
  const trace = await api(`/api/records/${kind}/${encodeURIComponent(id)}`);
  const side = crmSide(kind);
  const source = side === 'hubspot' ? trace.hubspot?.properties : trace.salesforce?.fields;
  if (!source) return;
  document.querySelector(`input[name="side"][value="${kind}"]`).checked = true;
  await loadPlayground();
  if (!playRecords.some((r) => r.id === id)) {
    const fields = {};
    for (const [k, v] of Object.entries(source)) fields[k] = v === null || v === undefined ? null : String(v);
    const objectType =
      kind === 'company' ? 'company' : side === 'hubspot' ? 'contact' : trace.salesforce.objectType;
    const record = { side, id, objectType, fields };
    playRecords.unshift(record);
    $('play-record').prepend(el('option', { value: id, text: recordLabel(kind, record) }));
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
  const kind = playSide();
  const side = crmSide(kind);
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
    const { record: saved, editedAt } = await api(`/api/playground/${kind}/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: JSON.stringify({ fields }),
    });
    Object.assign(record.fields, saved.fields);
    // What the user's side now holds for the changed fields (the CRM may have stored it trimmed).
    const values = {};
    for (const name of Object.keys(fields)) values[name] = saved.fields[name] ?? fields[name];
    say('play-msg', `Saved in ${SIDE_NAMES[side]} as a user. Waiting for the sync…`, 'wait');
    await watchSync({ kind, side, id, editedAt, startedAt, values });
  } catch (error) {
    say('play-msg', error.message, 'bad');
  } finally {
    $('play-save').disabled = false;
  }
});
