import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Bundles: the asset hashes (and so the S3 keys and whether CloudFormation updates a function) do
 * not depend on where the repository is checked out. Two clean clones of HEAD, at different
 * depths, each synthesize the app; every function's code key must be equal. Bounded: a timeout
 * per step, temp dirs removed.
 */
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'crmsync-asset-hash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function synthFromClone(dir: string): Promise<Record<string, string>> {
  const { stdout: sha } = await run('git', ['-C', repo, 'rev-parse', 'HEAD']);
  await run('git', ['clone', '--quiet', '--no-checkout', repo, dir], { timeout: 60_000 });
  await run('git', ['-C', dir, 'checkout', '--quiet', sha.trim()], { timeout: 60_000 });
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(dir, 'node_modules'));
  const out = join(dir, 'cdk.out');
  await run(process.execPath, ['bin/run-ts.js', 'cdk/app.ts'], {
    cwd: dir,
    timeout: 240_000,
    env: { ...process.env, CDK_OUTDIR: out, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const template = JSON.parse(readFileSync(join(out, 'CrmSync.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key)
      .map(([id, r]) => [id, r.Properties.Code!.S3Key!]),
  );
}

describe('Bundles: asset hashes', () => {
  it('do not depend on the checkout path (two clones, different depths, equal code keys)', async () => {
    mkdirSync(join(root, 'deeper', 'still'), { recursive: true });
    const a = await synthFromClone(join(root, 'a'));
    const b = await synthFromClone(join(root, 'deeper', 'still', 'checkout-b'));
    expect(Object.keys(a)).toHaveLength(10); // eight sync functions (owner refresh included), admin and job
    expect(b).toEqual(a);
  }, 600_000);
});
