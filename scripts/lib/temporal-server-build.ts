/**
 * The Temporal server and its SQL schema tool, built from the Go module proxy for the
 * cluster suite (`npm run test:cluster`): no registry ships these binaries either.
 *
 * Cached like the CLI, outside any clone, in
 * `DELAY_CALLBACK_TOOLS_DIR/temporal-server-<version>/bin/{temporal-server,temporal-sql-tool}`,
 * built once per machine under a lock so two runs never build at once.
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { runGo } from './run-go.js';
import { toolsDir as defaultToolsDir } from './tools-dir.js';

const execFileAsync = promisify(execFile);

/** The server release the pinned CLI (1.5.1) embeds: the cluster runs the same server as the dev stack. */
export const PINNED_SERVER_VERSION = '1.29.1';
export const SERVER_MODULE = 'go.temporal.io/server';
const PACKAGES = { 'temporal-server': 'cmd/server', 'temporal-sql-tool': 'cmd/tools/sql' } as const;

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  version: string;
  /** How we got them. */
  source: 'cache' | 'go-build';
}

export interface BuildTemporalServerOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Progress lines. @default console.error with a prefix */
  log?: (line: string) => void;
}

export function serverCacheDir(toolsDir: string): string {
  return join(toolsDir, `temporal-server-${PINNED_SERVER_VERSION}`);
}

/** Both binaries, from the cache or built into it (several minutes on 2 cores, once per machine). */
export async function resolveTemporalServerBinaries(options: BuildTemporalServerOptions = {}): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(`[temporal-server] ${line}`));
  const dir = serverCacheDir(defaultToolsDir(env));
  const binaries = { server: join(dir, 'bin', 'temporal-server'), sqlTool: join(dir, 'bin', 'temporal-sql-tool') };
  const cached = await probeBoth(binaries);
  if (cached) return { ...binaries, version: cached, source: 'cache' };

  await mkdir(dir, { recursive: true });
  const release = await lockfile.lock(dir, {
    lockfilePath: `${dir}.lock`,
    stale: 60_000,
    update: 10_000,
    retries: { retries: 900, minTimeout: 1_000, maxTimeout: 2_000 },
    onCompromised: (err) => log(`build lock lost: ${err.message}`),
  });
  try {
    const builtMeanwhile = await probeBoth(binaries);
    if (builtMeanwhile) return { ...binaries, version: builtMeanwhile, source: 'cache' };
    const started = Date.now();
    log(`building Temporal server v${PINNED_SERVER_VERSION} and its SQL tool with Go (once per machine; 5-10 minutes on 2 cores)`);
    log(`  cache: ${dir} (DELAY_CALLBACK_TOOLS_DIR moves it)`);
    const ticker = setInterval(() => log(`  still building... ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
    try {
      await buildInto(dir, env);
    } finally {
      clearInterval(ticker);
    }
    const version = await probeBoth(binaries);
    if (!version) throw new Error(`the build left no working binaries in ${dir}/bin`);
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
    return { ...binaries, version, source: 'go-build' };
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * `go install module/cmd/...@version` works for this release. Should a later release add `replace`
 * directives (which `go install pkg@version` refuses), the fallback is a throwaway module in the cache
 * that requires the server module, so `go build` resolves everything through the module proxy.
 */
async function buildInto(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const staging = join(dir, `bin.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const targets = Object.values(PACKAGES).map((pkg) => `${SERVER_MODULE}/${pkg}@v${PINNED_SERVER_VERSION}`);
  try {
    await runGo(['install', ...targets], { env: { ...env, GOBIN: staging }, cwd: dir });
    await rename(join(staging, 'server'), join(staging, 'temporal-server'));
    await rename(join(staging, 'sql'), join(staging, 'temporal-sql-tool'));
  } catch (err) {
    if (!/replace|exclude/i.test((err as Error).message)) throw err;
    await buildThroughWrapperModule(dir, staging, env);
  }
  await rm(join(dir, 'bin'), { recursive: true, force: true });
  await rename(staging, join(dir, 'bin'));
}

async function buildThroughWrapperModule(dir: string, staging: string, env: NodeJS.ProcessEnv): Promise<void> {
  const moduleDir = join(dir, 'wrapper-module');
  await rm(moduleDir, { recursive: true, force: true });
  await mkdir(moduleDir, { recursive: true });
  await writeFile(join(moduleDir, 'go.mod'), 'module delay-callback.local/temporal-server-build\n\ngo 1.23\n');
  await runGo(['get', `${SERVER_MODULE}@v${PINNED_SERVER_VERSION}`], { env, cwd: moduleDir });
  for (const [name, pkg] of Object.entries(PACKAGES)) {
    await runGo(['build', '-o', join(staging, name), `${SERVER_MODULE}/${pkg}`], { env, cwd: moduleDir });
  }
}

/** Both answer `--version` with the pinned release: returns it, or undefined (missing or broken). */
async function probeBoth(binaries: { server: string; sqlTool: string }): Promise<string | undefined> {
  try {
    for (const path of [binaries.server, binaries.sqlTool]) {
      await access(path, constants.X_OK);
      const { stdout } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
      if (!stdout.includes(PINNED_SERVER_VERSION)) return undefined;
    }
    return PINNED_SERVER_VERSION;
  } catch {
    return undefined;
  }
}
