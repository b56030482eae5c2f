import { readFileSync } from 'node:fs';
import { type ConfigInput, type CrmSyncConfig, parseConfig } from '../../lib/config.ts';

const EXAMPLE = new URL('../../crmsync.config.example.json', import.meta.url);

/** The example configuration (the demo's settings, docs/design.md#demo) as raw input, to modify in a test. */
export function exampleConfigInput(): ConfigInput {
  return JSON.parse(readFileSync(EXAMPLE, 'utf8')) as ConfigInput;
}

/**
 * A validated configuration for tests: the example's mappings, rules and picklists, pointed at the
 * given sandbox URLs, with **no inclusion segment** (R2) unless `edit` sets one — tests that exercise
 * the segment set it explicitly (or through the store's run-time settings).
 */
export function testConfig(
  urls: { hubspot: string; salesforce: string },
  edit?: (c: ConfigInput) => void,
): CrmSyncConfig {
  const input = exampleConfigInput();
  input.hubspot.baseUrl = urls.hubspot;
  input.hubspot.inclusionSegmentId = null;
  input.salesforce.instanceUrl = urls.salesforce;
  edit?.(input);
  return parseConfig(input, 'test config');
}
