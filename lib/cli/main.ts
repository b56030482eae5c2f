import { CrmSyncError } from '../errors.ts';

/**
 * The `crmsync` command line. Each command lives in its own file under `commands/` and exports
 * `run(args)`; they are loaded lazily so that `crmsync config check` does not load the AWS SDK.
 */
interface Command {
  summary: string;
  load: () => Promise<CommandModule>;
}

type CommandModule = { run: (args: string[]) => Promise<number> };
const lazy = (file: string) => (): Promise<CommandModule> =>
  import(new URL(`./commands/${file}.ts`, import.meta.url).href);

const commands: Record<string, Command> = {
  dev: {
    summary: 'run the whole sync locally: sandboxes, store, queue, handlers, dashboard',
    load: lazy('dev'),
  },
  sandbox: { summary: 'run the HubSpot and Salesforce sandboxes only', load: lazy('sandbox') },
  config: { summary: 'config check [file]: validate a configuration file', load: lazy('config') },
  segment: {
    summary: 'segment list | set <listId> | clear: choose the inclusion segment',
    load: lazy('segment'),
  },
  companies: {
    summary: 'companies on | off: turn company ⇄ account sync on or off (C1)',
    load: lazy('companies'),
  },
  resync: { summary: 'resync the inclusion segment (every member, in batches)', load: lazy('resync') },
  import: {
    summary: 'import salesforce [--objects Contact,Lead]: import existing Salesforce records',
    load: lazy('import'),
  },
  status: { summary: 'show sync health: counts, queue, DLQ, API usage', load: lazy('status') },
  record: {
    summary: 'record <email|id>: why a record did (not) sync: fields, link, decisions',
    load: lazy('record'),
  },
  sync: { summary: 'sync <email|id>: sync one record now and print the decision', load: lazy('sync') },
  console: {
    summary: 'console --stack <name>: the dashboard for a deployed stack, on 127.0.0.1',
    load: lazy('console'),
  },
  dlq: { summary: 'dlq list | redrive: inspect and redrive the dead-letter queue', load: lazy('dlq') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: crmsync <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `crmsync <command> --help` for the options of a command.',
  ].join('\n');
}

/** Runs the CLI; returns the process exit code. Errors print as one clear message, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`crmsync: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const module = await command.load();
    return await module.run(args);
  } catch (error) {
    if (error instanceof CrmSyncError) {
      console.error(`crmsync ${name}: ${error.message}`);
      return 1;
    }
    // A mistyped option is the user's to fix, not a crash: say which and where the options are.
    if (String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) {
      console.error(
        `crmsync ${name}: ${(error as Error).message}. \`crmsync ${name} --help\` lists the options.`,
      );
      return 2;
    }
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(error).includes('/cli/commands/')
    ) {
      console.error(`crmsync ${name}: this command is not available in this build`);
      return 2;
    }
    throw error;
  }
}
