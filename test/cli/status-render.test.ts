import { describe, expect, it } from 'vitest';
import { emptyStats, idleSchedule } from '../../lib/admin/status.ts';
import { RESYNC_IDLE } from '../../lib/admin/jobs.ts';
import type { StatusReport } from '../../lib/admin/services.ts';
import { renderStatus } from '../../lib/cli/commands/status.ts';

const usage = {
  today: 0,
  budget: 1,
  dailyLimit: 2,
  maxRequestsPer10s: 10,
  sinceStart: 0,
  rateLimited: 0,
  waits: 0,
};
const report = (patch: Partial<StatusReport> = {}): StatusReport => ({
  mode: 'sandbox',
  startedAt: 0,
  urls: { dashboard: 'http://127.0.0.1:3000', hubspot: '', salesforce: '' },
  segment: null,
  settings: null,
  stats: emptyStats(0),
  apiUsage: { hubspot: usage, salesforce: usage },
  queue: { visible: 0, inFlight: 0, dlq: 0 },
  schedules: [idleSchedule('owner-refresh', 'rate(1 hour)')],
  resync: RESYNC_IDLE,
  companies: { enabled: false, links: null },
  ...patch,
});

describe('crmsync status (rendering)', () => {
  it('says "no changes yet" instead of a latency over 0 changes', () => {
    const text = renderStatus(report());
    expect(text).toMatch(/^latency {5}no changes yet$/m);
    expect(text).not.toMatch(/over 0 changes|p50 —/);
  });

  it('C1: says whether company sync is on and how many company/account links exist', () => {
    expect(renderStatus(report())).toMatch(
      /^companies {3}off: no company or account syncs \(C1; companies.enabled\)$/m,
    );
    expect(renderStatus(report({ companies: { enabled: true, links: 1234 } }))).toMatch(
      /^companies {3}on: 1,234 company\/account links \(C1\)$/m,
    );
    expect(renderStatus(report())).toMatch(/^schedules {3}owner-refresh rate\(1 hour\)$/m);
  });
});
