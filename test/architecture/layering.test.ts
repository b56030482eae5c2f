import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayering, describeViolation, type LayerRule, parseImports } from './imports.ts';

/**
 * Which folder may import which (docs/design.md#layering). Each row is checked against every
 * import statement of every source file; a failure names the file, the line, the import and the row.
 */
const RULES: LayerRule[] = [
  {
    id: 'domain-is-pure',
    from: ['lib/domain/'],
    allow: ['lib/domain/', 'pkg:zod'],
    why: 'the domain imports nothing but itself and zod; move the type into lib/domain or pass it in',
  },
  {
    id: 'ports-are-contracts',
    from: ['lib/ports.ts', 'lib/ports/'],
    allow: ['lib/ports/', 'lib/domain/'],
    why: 'a port names what the engine needs in domain terms; an adapter, host or library type does not belong in it',
  },
  {
    id: 'sync-uses-ports',
    from: ['lib/sync/'],
    allow: [
      'lib/sync/',
      'lib/domain/',
      'lib/ports.ts',
      'lib/ports/',
      'lib/errors.ts',
      'lib/config.ts',
      'lib/observability/',
    ],
    why: 'the engine reaches CRMs, queue and store through lib/ports.ts only, never an adapter or a host',
  },
  {
    id: 'adapters-know-no-host',
    from: ['lib/hubspot/', 'lib/salesforce/', 'lib/aws/'],
    deny: [
      'lib/lambda/',
      'lib/local/',
      'lib/admin/',
      'lib/sync/',
      'lib/cli/',
      'functions/',
      'cdk/',
      'sandbox/',
    ],
    why: 'an adapter serves every host; shared helpers belong in lib/http or lib/observability',
  },
  {
    id: 'admin-serves-both-hosts',
    from: ['lib/admin/'],
    deny: ['lib/lambda/', 'lib/local/', 'lib/cli/', 'functions/', 'cdk/', 'sandbox/'],
    why: 'the operator API is one implementation for the local server and the admin Lambda; a host passes its pieces in',
  },
  {
    id: 'lambda-not-local',
    from: ['lib/lambda/', 'functions/'],
    deny: ['lib/local/'],
    why: 'a Lambda bundle must not carry the local stack (dynalite, fauxqs, sandboxes); share code through lib/admin or lib/composition',
  },
  {
    id: 'neutral-helpers',
    from: ['lib/http/', 'lib/observability/'],
    deny: [
      'lib/lambda/',
      'lib/local/',
      'lib/sync/',
      'lib/cli/',
      'lib/hubspot/',
      'lib/salesforce/',
      'lib/aws/',
    ],
    why: 'the HTTP and observability helpers sit below every adapter and host',
  },
  {
    id: 'sandbox-via-local',
    from: ['lib/', 'functions/', 'cdk/'],
    except: ['lib/local/'],
    deny: ['sandbox/'],
    why: 'only lib/local (and tests, bench) start the CRM sandboxes; go through lib/local/sandboxes.ts',
  },
  {
    id: 'lib-below-hosts',
    from: ['lib/'],
    deny: ['functions/', 'cdk/', 'test/', 'bench/', 'bin/'],
    why: 'lib is the engine; the Lambda handlers, CDK app, tests and benchmarks build on it, not the reverse',
  },
  {
    id: 'sandbox-stands-alone',
    from: ['sandbox/'],
    deny: ['lib/', 'functions/', 'cdk/'],
    why: 'the sandboxes emulate the CRMs and must not borrow the engine they are used to test',
  },
];

/** Files whose dynamic import has a computed specifier, and why that is fine. */
const COMPUTED_ALLOWED = new Map([
  ['lib/cli/main.ts', 'loads one of lib/cli/commands/*.ts by command name'],
  ['bin/run-ts.js', 'runs the TypeScript file named on its command line'],
  ['lib/local/local-sqs.ts', "its worker thread's source imports tsx's API and ./sqs-thread.ts (lib/local)"],
]);

const ROOT = join(import.meta.dirname, '../..');
const SCANNED = ['lib', 'functions', 'cdk', 'sandbox', 'bench', 'bin'];

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|mjs)$/.test(entry.name)) files.set(relative(ROOT, path), readFileSync(path, 'utf8'));
    }
  };
  for (const dir of SCANNED) walk(join(ROOT, dir));
  return files;
}

describe('layering', () => {
  it('every import in lib, functions, cdk, sandbox, bench and bin follows the layering table', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(checkLayering(files, RULES, COMPUTED_ALLOWED).map(describeViolation)).toEqual([]);
  });

  it('lib/domain uses no clock, randomness or process (time and ids are passed in)', () => {
    const problems = [...sourceFiles()]
      .filter(([file]) => file.startsWith('lib/domain/'))
      .filter(([, text]) => /\bDate\.now\(|new Date\(\)|Math\.random\(|\bprocess\.|\brequire\(/.test(text))
      .map(([file]) => file);
    expect(problems).toEqual([]);
  });
});

describe('layering check', () => {
  const check = (files: Record<string, string>) =>
    checkLayering(new Map(Object.entries(files)), RULES, COMPUTED_ALLOWED).map(describeViolation);

  it('domain-is-pure: a domain file importing the ports fails, naming the file, line, import and rule', () => {
    expect(
      check({
        'lib/domain/x.ts': "import { z } from 'zod';\nimport type { PairState } from '../ports.ts';\n",
      }),
    ).toEqual(["lib/domain/x.ts:2 imports '../ports.ts' (lib/ports.ts) — domain-is-pure: " + RULES[0]?.why]);
  });

  it('domain-is-pure: a node builtin and a package other than zod fail too', () => {
    const found = check({
      'lib/domain/x.ts': "import { readFile } from 'node:fs/promises';\nimport x from '@aws-sdk/client-sqs';",
    });
    expect(found.map((f) => f.split(' — ')[0])).toEqual([
      "lib/domain/x.ts:1 imports 'node:fs/promises' (pkg:node:fs)",
      "lib/domain/x.ts:2 imports '@aws-sdk/client-sqs' (pkg:@aws-sdk/client-sqs)",
    ]);
  });

  it('admin-serves-both-hosts: the operator API importing the local stack fails', () => {
    expect(
      check({ 'lib/admin/a.ts': "import type { Scheduler } from '../local/scheduler.ts';" })[0],
    ).toContain('admin-serves-both-hosts');
  });

  it('lambda-not-local: a Lambda handler importing the local stack fails', () => {
    expect(check({ 'functions/f.ts': "import { x } from '../lib/local/runtime.ts';" })[0]).toContain(
      'lambda-not-local',
    );
  });

  it('sync-uses-ports: the engine importing an adapter fails', () => {
    expect(
      check({ 'lib/sync/p.ts': "import { HubSpotCrm } from '../hubspot/hubspot-crm.ts';" })[0],
    ).toContain('sync-uses-ports');
  });

  it('adapters-know-no-host: an adapter importing lib/lambda fails, also through a dynamic import', () => {
    const found = check({
      'lib/salesforce/a.ts':
        "export { x } from '../lambda/http.ts';\nconst m = await import('../local/runtime.ts');",
    });
    expect(found.map((f) => f.split(' — ')[1]?.split(':')[0])).toEqual([
      'adapters-know-no-host',
      'adapters-know-no-host',
    ]);
  });

  it('sandbox-via-local: the CLI importing sandbox/ fails, lib/local and tests may', () => {
    const spec = "import { startHubSpotSandbox } from '../../sandbox/hubspot/index.ts';";
    expect(check({ 'lib/cli/x.ts': spec })[0]).toContain('sandbox-via-local');
    expect(
      check({ 'lib/local/x.ts': spec, 'test/x.test.ts': "import '../sandbox/hubspot/index.ts';" }),
    ).toEqual([]);
  });

  it('a computed dynamic import fails outside the listed files', () => {
    const code = `const m = await import(\`./commands/\${name}.ts\`);`;
    expect(check({ 'lib/cli/other.ts': code })[0]).toContain('literal-imports');
    expect(check({ 'lib/cli/main.ts': code })).toEqual([]);
  });
});

describe('parseImports', () => {
  it('reads multi-line, type-only, export-from, side-effect, dynamic and require imports, in order', () => {
    const source = [
      'import {',
      '  type A,',
      '  b,',
      "} from './a.ts';",
      "import type { C } from '../c.ts';",
      "export { d } from './d.ts';",
      "export * from './e.ts';",
      "import './side.ts';",
      "const f = await import('./f.ts');",
      "const g = require('g');",
    ].join('\n');
    expect(parseImports(source)).toEqual([
      { specifier: './a.ts', kind: 'static', line: 4 },
      { specifier: '../c.ts', kind: 'static', line: 5 },
      { specifier: './d.ts', kind: 'static', line: 6 },
      { specifier: './e.ts', kind: 'static', line: 7 },
      { specifier: './side.ts', kind: 'static', line: 8 },
      { specifier: './f.ts', kind: 'dynamic', line: 9 },
      { specifier: 'g', kind: 'static', line: 10 },
    ]);
  });

  it('ignores imports in comments, method calls named import, and strings that only look like paths', () => {
    const source = [
      "// import { x } from '../ports.ts';",
      "/* import('../lambda/http.ts') */",
      'this.#import(objects);',
      'tracker.import(list);',
      'require(listId: string): StoredList {',
      "const note = 'see lib/ports.ts';",
    ].join('\n');
    expect(parseImports(source)).toEqual([]);
  });
});
