import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateOutboundToken } from '../salesforce/outbound-token.ts';

/** Name of the file, in the data directory, that keeps the local outbound-message token. */
export const OUTBOUND_TOKEN_FILE = 'salesforce-outbound-token';

/**
 * The local stack's Salesforce outbound-message token: read from the data directory, or made and
 * stored there (owner-only) on the first start, so the URL configured in a sandbox or a real org
 * stays valid across restarts. With no data directory (tests) a fresh token per run.
 */
export async function loadOutboundToken(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return generateOutboundToken();
  const file = join(dataDir, OUTBOUND_TOKEN_FILE);
  const stored = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (stored.length >= 32) return stored;
  const token = generateOutboundToken();
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
