import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../config.ts';
import { ConfigError } from '../../errors.ts';

const HELP = `usage: crmsync config check [file] [--json]

Validates a crmsync configuration file (default: crmsync.config.json, else the example).
Prints every problem with its path, the bad value and how to fix it. Exit code 1 when invalid.`;

/** `crmsync config check [file]`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [sub, file] = positionals;
  if (values.help || sub !== 'check') {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const path = file ?? 'crmsync.config.json';
  try {
    const config = await loadConfigFile(path);
    const mapped = config.mappings.Lead.length + config.mappings.Contact.length;
    if (values.json) console.log(JSON.stringify({ file: path, valid: true }));
    else
      console.log(
        `${path} is valid: ${mapped} field mappings, segment ${config.hubspot.inclusionSegmentId ?? 'none (every contact syncs)'}, new contacts become Salesforce ${config.creation.salesforceObject}s.`,
      );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (values.json) console.log(JSON.stringify({ file: path, valid: false, problems: error.problems }));
    else console.error(error.message);
    return 1;
  }
}
