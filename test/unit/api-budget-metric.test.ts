import { describe, expect, it } from 'vitest';
import { reportApiBudget } from '../../lib/composition/sync.ts';
import { createPowertools } from '../../lib/lambda/powertools.ts';
import { API_BUDGET_METRIC, METRICS_NAMESPACE } from '../../lib/observability/metric-catalogue.ts';
import { createRateLimiters } from '../../lib/rate-limit/index.ts';
import { fakeTime, memoryUsage } from '../adapters/fake-time.ts';
import { CapturingMetrics } from '../intake/fakes.ts';
import { captureEmf } from '../support/emf-lines.ts';

/**
 * `ApiBudgetUsedPercent`: what the budget alarms (cdk/constructs/crmsync-alarms.ts, > 80) watch.
 * The limiter is driven on a fake clock; the metric is read as the sink and as CloudWatch (EMF) get it.
 */
const BUDGETS = {
  // A daily share of 100 calls per CRM, and no burst limit in the way.
  hubspot: { dailyLimit: 200, dailyShare: 0.5, maxRequestsPer10s: 10_000 },
  salesforce: { dailyLimit: 100, dailyShare: 1, maxRequestsPer10s: 10_000 },
};

function limitersWithUsage(initial: Record<string, number> = {}) {
  const time = fakeTime();
  const usage = memoryUsage(initial);
  const limiters = createRateLimiters(BUDGETS, { usage, clock: time.clock, sleep: time.sleep });
  return { limiters, time, usage };
}

describe('ApiBudgetUsedPercent', () => {
  it('past 80 % of the daily share (other processes included), the flush reports the percent with the crm dimension only', async () => {
    const today = new Date(fakeTime().clock()).toISOString().slice(0, 10);
    // Another function already used 40 of HubSpot's 100 calls today.
    const { limiters } = limitersWithUsage({ [`hubspot:${today}`]: 40 });
    await Promise.all(Array.from({ length: 41 }, () => limiters.hubspot.acquire('contacts.batch.read')));
    await limiters.hubspot.flush();

    const metrics = new CapturingMetrics();
    reportApiBudget(limiters, metrics);

    expect(metrics.dimensioned).toEqual([
      { name: 'ApiBudgetUsedPercent', unit: 'Percent', value: 81, dimensions: { crm: 'hubspot' } },
    ]);
    // The metric the alarm reads is the one published, and it is above the alarm's threshold.
    expect(metrics.dimensioned[0]!.name).toBe(API_BUDGET_METRIC.name);
    expect(metrics.dimensioned[0]!.value).toBeGreaterThan(80);
  });

  it('a CRM this process has not called today is not reported (no misleading 0 %); a new UTC day starts again', async () => {
    const { limiters, time } = limitersWithUsage();
    await Promise.all(Array.from({ length: 85 }, () => limiters.salesforce.acquire('query')));
    const metrics = new CapturingMetrics();
    reportApiBudget(limiters, metrics);
    expect(metrics.dimensioned.map((m) => [m.dimensions, m.value])).toEqual([[{ crm: 'salesforce' }, 85]]);

    time.advance(24 * 60 * 60_000);
    const nextDay = new CapturingMetrics();
    reportApiBudget(limiters, nextDay);
    expect(nextDay.dimensioned).toEqual([]);
    await limiters.salesforce.acquire('query');
    reportApiBudget(limiters, nextDay);
    expect(nextDay.dimensioned.map((m) => m.value)).toEqual([1]);
  });

  it("the functions' Powertools sink publishes it as EMF in the crmsync namespace with exactly the crm dimension, not the function's service", async () => {
    const { metrics } = createPowertools('processor');
    const { emf } = await captureEmf(() => {
      metrics.addMetric('processor.synced', 'Count', 1);
      metrics.addMetricWithDimensions(API_BUDGET_METRIC.name, API_BUDGET_METRIC.unit, 81, { crm: 'hubspot' });
    });

    expect(emf).toHaveLength(1);
    const [line] = emf;
    expect(line!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [[API_BUDGET_METRIC.dimension]],
        Metrics: [{ Name: 'ApiBudgetUsedPercent', Unit: 'Percent' }],
      },
    ]);
    expect(line).toMatchObject({ crm: 'hubspot', ApiBudgetUsedPercent: 81 });
    expect(line).not.toHaveProperty('service');
    // The function's own metrics keep their service dimension and wait for the invocation's end.
    expect(metrics.hasStoredMetrics()).toBe(true);
  });
});
