import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DemoInfo, seedDemo } from './demo-data.ts';

/**
 * Where the sandboxes keep their data: beside the store, under the same data directory, so that
 * `--reset` forgets both together and a restart finds records and links that still agree.
 */
export function sandboxDataFiles(dataDir: string | undefined) {
  if (!dataDir) return undefined;
  return {
    hubspot: join(dataDir, 'hubspot-sandbox.json'),
    salesforce: join(dataDir, 'salesforce-sandbox.json'),
    demo: join(dataDir, 'demo.json'),
  };
}

/**
 * Seeds the demo into sandboxes that started empty, or, when they restored a previous run's data,
 * seeds nothing (seeding again would create records with new ids beside the old ones) and reads
 * back what that run seeded. Returns undefined for restored sandboxes that were never seeded.
 */
export async function seedOrRestoreDemo(
  opts: Parameters<typeof seedDemo>[0] & { infoFile: string | undefined },
): Promise<{ demo: DemoInfo | undefined; restored: boolean }> {
  if (opts.hubspot.restored || opts.salesforce.restored) {
    const info =
      opts.infoFile && existsSync(opts.infoFile)
        ? (JSON.parse(await readFile(opts.infoFile, 'utf8')) as DemoInfo)
        : undefined;
    return { demo: info, restored: true };
  }
  const demo = await opts.hubspot.saveOnceAfter(() => opts.salesforce.saveOnceAfter(() => seedDemo(opts)));
  if (opts.infoFile) await writeFile(opts.infoFile, JSON.stringify(demo));
  return { demo, restored: false };
}
