import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * Finds a headless Chromium for the browser test on a machine that has only Node.js and npm.
 *
 * Order: `CHROMIUM_PATH` when set (a mistake there is reported, never silently bypassed); Debian's
 * `/usr/bin/chromium` when installed; else the Chromium that the `@sparticuz/chromium` dev dependency
 * ships inside its npm tarball (brotli-compressed, so `npm ci` downloads nothing from outside the
 * registry and the test downloads nothing at all). `npx playwright install` is not an option: it
 * downloads from a CDN outside the registry.
 */

/** Debian's package (`apt-get install -y chromium`). */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Where a Chromium comes from, for the test's log line and its failure messages. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'debian' | 'packaged';

export interface ChromiumChoice {
  source: ChromiumSource;
  /** The executable, or, for `packaged`, null until it is extracted. */
  executablePath: string | null;
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Decides which Chromium to use; pure but for the `executable` probe, which tests replace. */
export function chooseChromium(
  env: Record<string, string | undefined> = process.env,
  executable: (path: string) => boolean = isExecutable,
): ChromiumChoice {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!executable(explicit))
      throw new Error(
        `CHROMIUM_PATH is ${explicit}, which is not an executable file: point it at a Chromium binary, or unset it to use ${DEBIAN_CHROMIUM} or the packaged Chromium.`,
      );
    return { source: 'CHROMIUM_PATH', executablePath: explicit };
  }
  if (executable(DEBIAN_CHROMIUM)) return { source: 'debian', executablePath: DEBIAN_CHROMIUM };
  return { source: 'packaged', executablePath: null };
}

const require = createRequire(import.meta.url);

/**
 * The installed `@sparticuz/chromium`: its entry point and version. Its exports map hides its
 * package.json from `require`, and its build folders hold package.json files of their own.
 */
function packagedChromium(): { entry: string; version: string } {
  const entry = require.resolve('@sparticuz/chromium');
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === '@sparticuz/chromium' && manifest.version)
      return { entry, version: manifest.version };
  }
  throw new Error(`no package.json of @sparticuz/chromium above ${entry}: reinstall with \`npm ci\`.`);
}

/**
 * Extracts the packaged Chromium once per version and user, and returns its executable.
 *
 * `@sparticuz/chromium` inflates into `os.tmpdir()` itself and reuses whatever `chromium` it finds
 * there: files left by another version (its GL libraries sit beside the binary) make it crash at
 * launch with `eglGetProcAddress not found`, and an extraction cut short leaves a binary that never
 * starts. So it runs in a child process whose TMPDIR is a private staging folder, which is renamed
 * into place only once complete; a concurrent run that loses the rename uses the winner's copy.
 */
export async function extractPackagedChromium(root: string = tmpdir()): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `the packaged Chromium (@sparticuz/chromium) is built for linux-x64, not ${process.platform}-${process.arch}: install Chromium and set CHROMIUM_PATH to it.`,
    );
  const uid = process.getuid?.() ?? 'user';
  const { entry, version } = packagedChromium();
  const home = join(root, `crmsync-chromium-${version}-${uid}`);
  const binary = join(home, 'chromium');
  if (existsSync(binary)) return binary;

  const staging = `${home}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    // `node -e` puts its first extra argument in process.argv[1].
    const script = 'const { default: c } = await import(process.argv[1]); await c.executablePath();';
    await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(entry).href],
      { env: { ...process.env, TMPDIR: staging } },
    );
    await rename(staging, home);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another run renamed its complete copy first: use it.
    if (existsSync(binary)) return binary;
    throw new Error(`could not extract the packaged Chromium (@sparticuz/chromium) into ${home}`, {
      cause: error,
    });
  }
  return binary;
}

/** The Chromium executable to launch, extracting the packaged one when neither of the others exists. */
export async function chromiumExecutable(
  env: Record<string, string | undefined> = process.env,
): Promise<{ source: ChromiumSource; executablePath: string }> {
  const choice = chooseChromium(env);
  if (choice.executablePath) return { source: choice.source, executablePath: choice.executablePath };
  return { source: 'packaged', executablePath: await extractPackagedChromium() };
}
