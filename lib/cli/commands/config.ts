import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CrmSyncConfig, loadConfigFile } from '../../config.ts';
import { ConfigError } from '../../errors.ts';
import { checkSegmentAgainstHubSpot } from '../segment-check.ts';

const HELP = `usage: crmsync config check [file] [--json]

Validates a crmsync configuration file (default: crmsync.config.json, else the example).
Prints every problem with its path, the bad value and how to fix it. Exit code 1 when invalid.
With HUBSPOT_ACCESS_TOKEN set, also checks that the inclusion segment exists and is an active
(DYNAMIC) list (R1); the API base URL is hubspot.baseUrl, CRMSYNC_HUBSPOT_BASE_URL or HubSpot's.`;

/** What the config says about companies (C1, C7) and owners (O1), in one line. */
function companiesLine(config: CrmSyncConfig): string {
  const accounts = config.mappings.Account.length;
  const companies = config.companies.enabled
    ? `Company sync is on by default (C1) with ${accounts} Account field mappings`
    : `Company sync is off by default (C1)${accounts > 0 ? `; ${accounts} Account field mappings apply once it is turned on` : ''}`;
  const owners = config.owners.enabled
    ? 'owners sync by email (O1)'
    : 'owners do not sync (owners.enabled is false)';
  return `${companies}; ${owners}.`;
}

/** `crmsync config check [file]`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [sub, file] = positionals;
  if (values.help || sub !== 'check') {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const path =
    file ?? (existsSync('crmsync.config.json') ? 'crmsync.config.json' : 'crmsync.config.example.json');
  try {
    const config = await loadConfigFile(path);
    const mapped = config.mappings.Lead.length + config.mappings.Contact.length;
    const segment = await checkSegmentAgainstHubSpot(config);
    if (segment.checked && !segment.ok) {
      if (values.json)
        console.log(
          JSON.stringify({
            file: path,
            valid: false,
            problems: [{ path: 'hubspot.inclusionSegmentId', message: segment.message }],
          }),
        );
      else console.error(`${path}: hubspot.inclusionSegmentId: ${segment.message}`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ file: path, valid: true, segment }));
    else
      console.log(
        `${path} is valid: ${mapped} field mappings, segment ${config.hubspot.inclusionSegmentId ?? 'none (every contact syncs)'}, new contacts become ${newContactsBecome(config)}.\n` +
          `${companiesLine(config)}\n` +
          (segment.checked
            ? `The segment is "${segment.ok ? segment.name : ''}", an active list in HubSpot (R1).`
            : `Segment not checked against HubSpot: ${segment.why}.`),
      );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (values.json) console.log(JSON.stringify({ file: path, valid: false, problems: error.problems }));
    else console.error(error.message);
    return 1;
  }
}

/** What a new HubSpot contact becomes in Salesforce, in words (`ContactIfAccount` reads as Lead plus a flag). */
function newContactsBecome(config: CrmSyncConfig): string {
  return config.creation.contactIfAccount
    ? 'Salesforce Contacts under the account of their primary company when it is linked, else Leads'
    : `Salesforce ${config.creation.salesforceObject}s`;
}
