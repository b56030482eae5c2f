import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../../lib/domain');
/** Modules lib/domain may import types from (DESIGN.md decision 6: the domain knows nothing of AWS or HTTP). */
const TYPE_ONLY = new Set(['../config.ts', '../ports.ts', '../errors.ts']);

describe('domain purity', () => {
  it('lib/domain imports nothing outside itself but zod and, as types only, the config, ports and errors', () => {
    const problems: string[] = [];
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(DIR, file), 'utf8');
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        const typeOnly = Boolean(m[2]);
        const spec = m[3] ?? '';
        if (spec === 'zod' || spec.startsWith('./')) continue;
        if (TYPE_ONLY.has(spec) && typeOnly) continue;
        problems.push(`${file}: ${m[0].split('\n')[0]}`);
      }
      if (/\bDate\.now\(|new Date\(\)|Math\.random\(|process\.|require\(/.test(text))
        problems.push(`${file}: uses a clock, randomness or the process`);
    }
    expect(problems).toEqual([]);
  });
});
