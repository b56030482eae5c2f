import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleInfo, synthesizeStack } from '../../cdk/synthesize.ts';

/**
 * The stack as the first deploy from an empty account synthesizes it: no Event Relay bus yet (it
 * only exists once the relay is created, after this deploy) and the default bundle options, i.e.
 * exactly what goes to Lambda. Synthesis runs cdk-nag and throws on any unacknowledged finding.
 */
const configPath = fileURLToPath(new URL('../../crmsync.config.example.json', import.meta.url));
let template: Template;
let bundles: BundleInfo[];

describe('Deploy order: the first deploy, without eventRelayBusName', () => {
  beforeAll(async () => {
    ({ template, bundles } = await synthesizeStack({ configPath, bundle: {} }));
  }, 180_000);

  it('synthesizes cdk-nag clean and references no partner event bus (which does not exist yet)', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map(
      (r) => r.Properties as { EventBusName?: unknown; ScheduleExpression?: string },
    );
    expect(rules.length).toBe(4); // resync, segment refresh, poll, owner refresh
    for (const rule of rules) {
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.ScheduleExpression).toBeDefined();
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('aws.partner/salesforce.com/');
  });

  it('Bundles: the deployed zips hold only the code and the config (no index.meta.json, no source maps)', () => {
    expect(bundles).toHaveLength(8);
    for (const b of bundles) {
      expect(b.files, b.function).toEqual(['crmsync.config.json', 'index.mjs']);
      expect(b.code, b.function).not.toContain('sourceMappingURL');
    }
    const env = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(env).not.toContain('--enable-source-maps');
  });
});
