/**
 * Finds a working `temporal` CLI binary, in the order of SPEC section 6:
 *
 *   1. TEMPORAL_CLI_PATH          (explicit: used or refused, never skipped)
 *   2. `temporal` on PATH
 *   3. the cached build in DELAY_CALLBACK_TOOLS_DIR
 *   4. `go install` of the pinned release into that cache (minutes, once per machine)
 *   5. the Temporal SDK's own cached download (machines with internet)
 *
 * When every source fails it throws one error naming each source and why.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { runGo } from './run-go.js';
import { toolsDir as defaultToolsDir } from './tools-dir.js';

const execFileAsync = promisify(execFile);

/** The CLI release we build: the newest tag `go install` accepts (later ones carry `replace` directives). */
export const PINNED_CLI_VERSION = '1.5.1';
export const PINNED_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${PINNED_CLI_VERSION}`;

export type TemporalBinarySource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build' | 'sdk-download';

export interface ResolvedTemporalBinary {
  path: string;
  source: TemporalBinarySource;
  /** First line of `temporal --version`. */
  version: string;
}

export interface ResolveTemporalBinaryOptions {
  /** Environment to read TEMPORAL_CLI_PATH, PATH and DELAY_CALLBACK_TOOLS_DIR from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Try `go install` when nothing else is found. @default true */
  allowBuild?: boolean;
  /** Try the SDK's download as the last resort. @default true */
  allowDownload?: boolean;
  /** Progress lines. @default console.error with a prefix */
  log?: (line: string) => void;
}

export class TemporalBinaryNotFoundError extends Error {
  readonly code = 'TEMPORAL_BINARY_NOT_FOUND';
  constructor(readonly attempts: readonly string[]) {
    super(
      [
        'No working Temporal CLI binary could be found or built. Tried, in order:',
        ...attempts.map((line, i) => `  ${i + 1}. ${line}`),
        'Fix one of them: set TEMPORAL_CLI_PATH to a temporal binary, put `temporal` on PATH,',
        `or install Go (https://go.dev/dl) so the pinned CLI v${PINNED_CLI_VERSION} can be built once into the cache.`,
      ].join('\n'),
    );
    this.name = 'TemporalBinaryNotFoundError';
  }
}

/** Where the go-built binary lives for a given tools folder. */
export function cachedBinaryPath(toolsDir: string): string {
  return join(toolsDir, `temporal-${PINNED_CLI_VERSION}`, 'bin', 'temporal');
}

/** Runs `<path> --version`; resolves with the first line, rejects if the binary does not answer like the CLI. */
export async function probeTemporalBinary(path: string): Promise<string> {
  const { stdout } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
  const line = stdout.split('\n')[0]?.trim() ?? '';
  if (!/^temporal version/i.test(line)) {
    throw new Error(`\`${path} --version\` printed "${line}", not "temporal version ..."`);
  }
  return line;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findOnPath(name: string, pathVar: string | undefined): Promise<string | undefined> {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
}

export async function resolveTemporalBinary(options: ResolveTemporalBinaryOptions = {}): Promise<ResolvedTemporalBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(`[temporal-cli] ${line}`));
  const tools = defaultToolsDir(env);
  const attempts: string[] = [];

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    try {
      return { path: explicit, source: 'TEMPORAL_CLI_PATH', version: await probeTemporalBinary(explicit) };
    } catch (err) {
      // An explicit choice that does not work is a configuration error, not something to route around.
      throw new TemporalBinaryNotFoundError([`TEMPORAL_CLI_PATH=${explicit}: ${describe(err)}`]);
    }
  }
  attempts.push('TEMPORAL_CLI_PATH: not set');

  const onPath = await findOnPath('temporal', env.PATH);
  if (onPath) {
    try {
      return { path: onPath, source: 'PATH', version: await probeTemporalBinary(onPath) };
    } catch (err) {
      attempts.push(`temporal on PATH (${onPath}): ${describe(err)}`);
    }
  } else {
    attempts.push('temporal on PATH: not found');
  }

  const cached = cachedBinaryPath(tools);
  const fromCache = await tryCached(cached);
  if (fromCache) return fromCache;
  attempts.push(`cached build ${cached}: not present`);

  if (options.allowBuild ?? true) {
    try {
      return await buildWithGo(tools, env, log);
    } catch (err) {
      attempts.push(`go install ${PINNED_CLI_MODULE}: ${describe(err)}`);
    }
  } else {
    attempts.push('go install: disabled');
  }

  if (options.allowDownload ?? true) {
    try {
      return await downloadWithSdk(tools, log);
    } catch (err) {
      attempts.push(`Temporal SDK download: ${describe(err)}`);
    }
  } else {
    attempts.push('Temporal SDK download: disabled');
  }

  throw new TemporalBinaryNotFoundError(attempts);
}

async function tryCached(path: string): Promise<ResolvedTemporalBinary | undefined> {
  if (!(await isExecutable(path))) return undefined;
  try {
    return { path, source: 'cache', version: await probeTemporalBinary(path) };
  } catch {
    return undefined; // a broken cache entry is rebuilt below
  }
}

/**
 * Builds the pinned CLI with `go install` into the cache. A lock folder keeps two processes
 * (say `npm run dev` and `npm test` started together) from building at once: the second waits,
 * then finds the first one's binary.
 */
async function buildWithGo(tools: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<ResolvedTemporalBinary> {
  const go = await findOnPath('go', env.PATH);
  if (!go) throw new Error('the Go toolchain (`go`) is not on PATH');
  const target = cachedBinaryPath(tools);
  const versionDir = join(tools, `temporal-${PINNED_CLI_VERSION}`);
  await mkdir(versionDir, { recursive: true });

  const lockOptions = { lockfilePath: `${versionDir}.lock`, stale: 60_000 };
  if (await lockfile.check(versionDir, lockOptions).catch(() => false)) {
    log('another process is building the Temporal CLI; waiting for it');
  }
  const release = await lockfile.lock(versionDir, {
    ...lockOptions,
    update: 10_000,
    retries: { retries: 400, minTimeout: 1_000, maxTimeout: 2_000 },
    onCompromised: (err) => log(`build lock lost: ${err.message}`),
  }).catch((err: unknown) => {
    throw new Error(`could not take the build lock ${versionDir}.lock: ${describe(err)}`);
  });
  try {
    const builtMeanwhile = await tryCached(target);
    if (builtMeanwhile) return builtMeanwhile;
    const staging = join(versionDir, `bin.partial-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    log(`building Temporal CLI v${PINNED_CLI_VERSION} with ${go} (first run on this machine only; about 2-6 minutes on 2 cores)`);
    log(`  cache: ${versionDir} (set DELAY_CALLBACK_TOOLS_DIR to move it, TEMPORAL_CLI_PATH to skip the build)`);
    const started = Date.now();
    const ticker = setInterval(() => log(`  still building... ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
    try {
      await runGo(['install', PINNED_CLI_MODULE], { go, env: { ...env, GOBIN: staging } });
    } finally {
      clearInterval(ticker);
    }
    await mkdir(join(versionDir, 'bin'), { recursive: true });
    await rename(join(staging, 'temporal'), target);
    await rm(staging, { recursive: true, force: true });
    const version = await probeTemporalBinary(target);
    log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s (${version})`);
    return { path: target, source: 'go-build', version };
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Last resort: the SDK's ephemeral-server download. It only works with internet access; we start
 * a throwaway server through it, then keep the binary it left in our cache folder.
 */
async function downloadWithSdk(tools: string, log: (line: string) => void): Promise<ResolvedTemporalBinary> {
  const downloadDir = join(tools, 'sdk-download');
  await mkdir(downloadDir, { recursive: true });
  const existing = await findDownloaded(downloadDir);
  if (existing) return existing;
  log('trying the Temporal SDK download of the CLI (needs internet access)');
  const testing = await import('@temporalio/testing').catch(() => {
    throw new Error('@temporalio/testing is not installed (a dev dependency)');
  });
  const env = await testing.TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir }, ip: '127.0.0.1' },
  });
  await env.teardown();
  const downloaded = await findDownloaded(downloadDir);
  if (!downloaded) throw new Error(`the SDK started a server but left no binary in ${downloadDir}`);
  return downloaded;
}

async function findDownloaded(dir: string): Promise<ResolvedTemporalBinary | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith('temporal')).sort().reverse()) {
    const path = join(dir, name);
    if (!(await isExecutable(path))) continue;
    try {
      return { path, source: 'sdk-download', version: await probeTemporalBinary(path) };
    } catch {
      // not the CLI (or a partial download): keep looking
    }
  }
  return undefined;
}
