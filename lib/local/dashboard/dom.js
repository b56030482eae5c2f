// DOM, fetch and formatting helpers for the dashboard. Rendering uses textContent only: record
// values are untrusted.

export const $ = (id) => document.getElementById(id);

export async function api(path, init) {
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

export function el(tag, props = {}, ...children) {
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

export function setText(id, value) {
  const node = $(id);
  const text = String(value);
  if (node && node.textContent !== text) node.textContent = text;
}

export function say(id, text, kind = '') {
  const node = $(id);
  node.textContent = text;
  node.className = `msg ${kind}`;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtAgo(ms) {
  if (!ms) return 'never';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return fmtTime(ms);
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function fmtNum(n) {
  return Number(n ?? 0).toLocaleString();
}

export function sideBadge(side) {
  return el('span', { class: `side ${side}`, text: side === 'hubspot' ? 'HubSpot' : 'Salesforce' });
}

export function replaceChildren(node, children) {
  node.replaceChildren(...children);
}
