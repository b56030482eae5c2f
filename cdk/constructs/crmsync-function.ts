import { Duration, Validations } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What goes into a bundle besides the code. Both default to off: they are for diagnosis, not production. */
export interface BundleOptions {
  /**
   * Source maps, and `--enable-source-maps` at run time. A processor map is ~10 MB and raised its
   * import from 140 to 180 MB RSS; turn on (`-c sourceMaps=true`) while chasing a stack trace.
   */
  sourceMaps?: boolean;
  /** esbuild's `index.meta.json` beside each bundle (what went in), for the bundle-size bench and tests. */
  metafile?: boolean;
}

export interface CrmSyncFunctionProps {
  /** File name under `functions/`, without extension: `processor`, `hubspot-webhook`, … */
  handlerFile: string;
  /** Absolute path of the validated config file, copied next to the bundle as crmsync.config.json. */
  configPath: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  logRetention?: RetentionDays;
  tracing?: boolean;
  /** Modules that must never be bundled into this function (keeps intake bundles small). */
  forbiddenModules?: string[];
  bundle?: BundleOptions;
}

/**
 * One crmsync Lambda function with the defaults every handler shares: Node.js 22 on ARM64 (cheaper
 * per GB-s than x86), ESM bundles built with the local esbuild (no Docker), JSON logs into a log
 * group with a retention, Powertools environment, and the config file bundled beside the handler
 * (read once per cold start; secrets never go into the environment).
 */
export class CrmSyncFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CrmSyncFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      entry: `${projectRoot}functions/${props.handlerFile}.ts`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'crmsync',
        POWERTOOLS_METRICS_NAMESPACE: 'crmsync',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(props.bundle?.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        CRMSYNC_CONFIG_PATH: 'crmsync.config.json',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        // Minified names would make every error `"name":"le"` in the logs; class names are how
        // errors are told apart (ConfigError, RetryableError…).
        keepNames: true,
        sourceMap: props.bundle?.sourceMaps ?? false,
        metafile: props.bundle?.metafile ?? false,
        // The Node.js 22 runtime ships AWS SDK v3; bundling it again only adds cold-start weight.
        externalModules: ['@aws-sdk/*'],
        // Some dependencies are CommonJS and call require(); give ESM bundles one.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, outputDir: string) => [
            `cp "${props.configPath}" "${outputDir}/crmsync.config.json"`,
          ],
        },
      },
    });
  }
}

/** The runtime finding (cdk-nag L1) every crmsync function shares, acknowledged with its reason. */
export function acknowledgeRuntime(fn: CrmSyncFunction): void {
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'crmsync targets nodejs22.x, the runtime its code and dependencies are tested for; move with the project, not ahead of it.',
  });
}
