// The throughput and latency chart (SVG, drawn from the server's per-bucket series).

import { $, fmtMs, fmtNum, setText } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function renderChart(st) {
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
