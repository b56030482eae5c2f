/**
 * Prints each Lambda function's bundle size and the packages in it, as JSON:
 *   node bin/run-ts.js bench/bundle-size.ts
 * Synthesizes the stack in-process with local esbuild (no Docker, no AWS account).
 */
import { fileURLToPath } from 'node:url';
import { synthesizeStack } from '../cdk/synthesize.ts';

const configPath = fileURLToPath(new URL('../crmsync.config.example.json', import.meta.url));
const { bundles } = await synthesizeStack({ configPath });
console.log(
  JSON.stringify(
    {
      bench: 'bundle-size',
      functions: bundles.map((b) => ({
        function: b.function,
        bytes: b.bytes,
        kib: Math.round(b.bytes / 102.4) / 10,
        packages: b.packages.length,
        jsforce: b.packages.includes('jsforce'),
      })),
    },
    null,
    2,
  ),
);
