import fc from 'fast-check';

/**
 * Property tests run from a fixed seed so `npm test` is deterministic (a red run is reproducible and
 * never random). To explore new inputs: `FC_SEED=random npx vitest run test/domain`, or a given seed.
 */
const requested = process.env.FC_SEED;
const seed =
  requested === 'random' ? Date.now() ^ (Math.random() * 0x100000000) : Number(requested ?? 20261129);
fc.configureGlobal({ seed });
