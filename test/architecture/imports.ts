import { posix } from 'node:path';

/**
 * Import parsing and layer checking for the layering test (docs/design.md#layering). It reads
 * real import statements — static `import`/`export … from`, side-effect `import '…'`, dynamic
 * `import('…')` and `require('…')` — from source text with comments blanked, so an import
 * mentioned in a comment does not count and one spread over several lines does.
 */

/** One import found in a file. `computed`: a dynamic import whose specifier is not a literal. */
export interface ImportRef {
  specifier: string;
  kind: 'static' | 'dynamic' | 'computed';
  line: number;
}

/** A row of the layering table: files matching `from` (minus `except`) may import only `allow`, and never `deny`. */
export interface LayerRule {
  id: string;
  from: string[];
  except?: string[];
  allow?: string[];
  deny?: string[];
  why: string;
}

/** A broken rule, named so the failure says which file, which import and which rule. */
export interface Violation {
  file: string;
  line: number;
  specifier: string;
  target: string;
  rule: string;
  why: string;
}

/** Replaces comments by spaces (newlines kept, so line numbers stay right); strings are left intact. */
export function blankComments(source: string): string {
  let out = '';
  let i = 0;
  let quote: string | undefined;
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (quote) {
      out += c;
      if (c === '\\') {
        out += next ?? '';
        i += 2;
        continue;
      }
      if (c === quote || (c === '\n' && quote !== '`')) quote = undefined;
      i += 1;
    } else if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') {
        out += ' ';
        i += 1;
      }
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      if (c === "'" || c === '"' || c === '`') quote = c;
      out += c;
      i += 1;
    }
  }
  return out;
}

const STATIC = /(?:^|[\n;{}])[ \t]*(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/g;
const SIDE_EFFECT = /(?:^|[\n;])[ \t]*import\s*(['"])([^'"\n]+)\1/g;
const DYNAMIC = /(?<![.#\w$])import\s*\(\s*(?:(['"`])([^'"`\n]*)\1\s*[,)])?/g;
/** `require` only with a literal: this is ESM, and a method may be named `require` (a sandbox store is). */
const REQUIRE = /(?<![.#\w$])require\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** Every import of a source file, in order of appearance. */
export function parseImports(source: string): ImportRef[] {
  const text = blankComments(source);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const found: { index: number; ref: ImportRef }[] = [];
  for (const re of [STATIC, SIDE_EFFECT, REQUIRE]) {
    for (const m of text.matchAll(re)) {
      const spec = m[2] as string;
      const index = m.index + m[0].lastIndexOf(spec);
      found.push({ index, ref: { specifier: spec, kind: 'static', line: lineAt(index) } });
    }
  }
  for (const m of text.matchAll(DYNAMIC)) {
    const spec = m[2];
    const literal = spec !== undefined && !spec.includes('${');
    found.push({
      index: m.index,
      ref: {
        specifier: spec ?? '(expression)',
        kind: literal ? 'dynamic' : 'computed',
        line: lineAt(m.index),
      },
    });
  }
  return found.sort((a, b) => a.index - b.index).map((f) => f.ref);
}

/**
 * What an import points at: a repository path for a relative specifier (`lib/ports.ts`), else
 * `pkg:<name>` for a package (`pkg:zod`, `pkg:@aws-sdk/client-sqs`, `pkg:node:fs`).
 */
export function importTarget(fromFile: string, specifier: string): string {
  if (specifier.startsWith('.')) return posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  const parts = specifier.split('/');
  return `pkg:${specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`;
}

/** A folder pattern ends with `/` and matches everything under it; any other pattern matches exactly. */
function matches(path: string, patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
}

/**
 * Checks files (repository path → source text) against the layering table. A computed dynamic import
 * cannot be checked, so it is a violation unless its file is listed in `computedAllowed`.
 */
export function checkLayering(
  files: ReadonlyMap<string, string>,
  rules: readonly LayerRule[],
  computedAllowed: ReadonlyMap<string, string> = new Map(),
): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const applicable = rules.filter((r) => matches(file, r.from) && !matches(file, r.except));
    for (const ref of parseImports(source)) {
      if (ref.kind === 'computed') {
        if (!computedAllowed.has(file)) {
          violations.push({
            file,
            line: ref.line,
            specifier: ref.specifier,
            target: '(unknown)',
            rule: 'literal-imports',
            why: 'a dynamic import with a computed specifier cannot be checked; use a literal or list the file',
          });
        }
        continue;
      }
      const target = importTarget(file, ref.specifier);
      for (const rule of applicable) {
        const refused = (rule.allow && !matches(target, rule.allow)) || matches(target, rule.deny);
        if (refused)
          violations.push({
            file,
            line: ref.line,
            specifier: ref.specifier,
            target,
            rule: rule.id,
            why: rule.why,
          });
      }
    }
  }
  return violations;
}

/** One line per violation: `file:line imports 'spec' (target) — rule: why`. */
export function describeViolation(v: Violation): string {
  return `${v.file}:${v.line} imports '${v.specifier}' (${v.target}) — ${v.rule}: ${v.why}`;
}
