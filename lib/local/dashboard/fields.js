// The mapped fields as the server computed them (GET /api/fields), and how a record's values are shown.
// The browser never re-states a sync rule: which field flows where is the server's answer.

import { api, el, replaceChildren } from './dom.js';

export const SIDE_NAMES = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

export const LIFECYCLE = [
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
export let catalog = {
  editable: { hubspot: [], Lead: [], Contact: [], company: [], Account: [] },
  shown: { hubspot: [], salesforce: [], company: [], Account: [] },
  labels: {},
};

export function label(name) {
  return catalog.labels[name] ?? name;
}

/** Loads the field catalog from the server; call once before rendering anything that shows fields. */
export async function loadCatalog() {
  catalog = await api('/api/fields');
}

/**
 * What a record page or the playground is about: `hubspot` (a contact), `salesforce` (a lead or
 * contact), `company` or `account` (C7) — also the path segment of its trace, /api/records/{kind}/{id}.
 */
export function kindOf(hit) {
  if (hit.objectType === 'company') return 'company';
  if (hit.objectType === 'Account') return 'account';
  return hit.side;
}

/** The CRM a kind lives in: a company is HubSpot's, an account Salesforce's. */
export function crmSide(kind) {
  if (kind === 'company') return 'hubspot';
  if (kind === 'account') return 'salesforce';
  return kind;
}

/** The fields a trace's facts show on one side: a company/account trace shows the Account mapping's. */
export function shownFields(trace, side) {
  if (trace.object) return side === 'hubspot' ? catalog.shown.company : catalog.shown.Account;
  return catalog.shown[side];
}

export function otherSide(side) {
  return side === 'hubspot' ? 'salesforce' : 'hubspot';
}

export function factList(node, fields, highlight = []) {
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

export function displayValue(name, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (name === 'lifecyclestage') return LIFECYCLE.find(([v]) => v === value)?.[1] ?? String(value);
  return String(value);
}

export function pickFields(fields, names) {
  const out = {};
  for (const n of names) if (fields && n in fields) out[n] = fields[n];
  return out;
}
