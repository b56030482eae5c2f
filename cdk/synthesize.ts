import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfigFile } from '../lib/config.ts';
import { FUNCTIONS, type FunctionKey } from './constructs/crmsync.ts';
import { CrmSyncStack, type CrmSyncStackProps } from './crmsync-stack.ts';

export interface BundleInfo {
  function: string;
  bytes: number;
  /** Top-level packages that went into the bundle (from esbuild's metafile, when it was asked for). */
  packages: string[];
  /** Every file of the asset directory, i.e. of the zip Lambda gets. */
  files: string[];
  /** The bundle's code (index.mjs). */
  code: string;
}

/**
 * Synthesizes the default stack in-process with cdk-nag's AwsSolutions checks (synthesis throws on
 * any unacknowledged finding), for assertion tests and the bundle-size bench.
 */
export async function synthesizeStack(options: { configPath: string } & Partial<CrmSyncStackProps>) {
  const config = await loadConfigFile(options.configPath);
  const outdir = mkdtempSync(join(tmpdir(), 'crmsync-cdk-'));
  const app = new App({ outdir });
  // The metafile lets tests and the bench list each bundle's packages; deployed bundles have none.
  const stack = new CrmSyncStack(app, 'CrmSyncTest', {
    bundle: { metafile: true },
    ...options,
    config,
    configPath: options.configPath,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const bundles = (Object.keys(FUNCTIONS) as FunctionKey[]).map((key): BundleInfo => {
    const fn = stack.crmsync.functions[key];
    const assetPath = (fn.node.findChild('Code') as unknown as { assetPath?: string } | undefined)?.assetPath;
    if (!assetPath) throw new Error(`no bundle asset found for ${fn.node.path}`);
    const dir = join(assembly.directory, assetPath);
    return { function: FUNCTIONS[key].file, ...inspectBundle(dir) };
  });
  return { app, stack, template, bundles, outdir };
}

function inspectBundle(dir: string): Omit<BundleInfo, 'function'> {
  let bytes = 0;
  for (const name of readdirSync(dir))
    if (name.endsWith('.mjs') || name.endsWith('.js')) bytes += statSync(join(dir, name)).size;
  const metaPath = join(dir, 'index.meta.json');
  const packages = new Set<string>();
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { inputs: Record<string, unknown> };
    for (const input of Object.keys(meta.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      if (m?.[1]) packages.add(m[1]);
    }
  }
  const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
  return { bytes, packages: [...packages].sort(), files: readdirSync(dir).sort(), code };
}
