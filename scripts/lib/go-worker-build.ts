/**
 * Builds the Go example worker (`examples/go-worker/`) once per version of its
 * sources: the binary is cached in `DELAY_CALLBACK_TOOLS_DIR/go-worker-<hash>/`,
 * keyed by a hash of go.mod, go.sum and every .go file, so repeated test runs
 * start it at once and a fresh machine builds it once. A lock keeps two
 * processes from building the same version at once; the second waits and finds
 * the first one's binary. `go build` fetches modules from the Go module proxy
 * on a machine that has not built it before.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join, relative, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { runGo } from './run-go.js';
import { toolsDir as defaultToolsDir } from './tools-dir.js';

/** The example's sources. */
export const GO_WORKER_DIR = resolve(import.meta.dirname, '../../examples/go-worker');

export interface GoWorkerBinary {
  path: string;
  /** Built now (false: found in the cache). */
  built: boolean;
}

/** The `go` toolchain on PATH, if any. */
export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'go');
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** A hash of everything that goes into the binary: go.mod, go.sum and the .go files, by path. */
export async function goSourcesHash(dir = GO_WORKER_DIR): Promise<string> {
  const files = (await readdir(dir, { recursive: true }))
    .map(String)
    .filter((name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'))
    .sort();
  const hash = createHash('sha256');
  for (const name of files) {
    hash.update(`${relative(dir, join(dir, name))}\0`);
    hash.update(await readFile(join(dir, name)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function ensureGoWorkerBinary(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<GoWorkerBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(`[go-worker] ${line}`));
  const versionDir = join(defaultToolsDir(env), `go-worker-${await goSourcesHash()}`);
  const target = join(versionDir, 'go-worker');
  const exists = (): Promise<boolean> => access(target, constants.X_OK).then(() => true, () => false);
  if (await exists()) return { path: target, built: false };

  const go = await findGo(env);
  if (!go) throw new Error('the Go toolchain (`go`) is not on PATH: it is needed once to build examples/go-worker');
  await mkdir(versionDir, { recursive: true });
  const release = await lockfile.lock(versionDir, {
    lockfilePath: `${versionDir}.lock`,
    stale: 60_000,
    update: 10_000,
    retries: { retries: 300, minTimeout: 1_000, maxTimeout: 2_000 },
  });
  try {
    if (await exists()) return { path: target, built: false };
    const staging = join(versionDir, `go-worker.partial-${process.pid}`);
    const started = Date.now();
    log(`building examples/go-worker into ${versionDir} (once per version of its sources)`);
    await runGo(['build', '-trimpath', '-o', staging, '.'], { go, env, cwd: GO_WORKER_DIR, goflags: '-mod=readonly' });
    await rename(staging, target);
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
    return { path: target, built: true };
  } finally {
    await release().catch(() => undefined);
    await rm(join(versionDir, `go-worker.partial-${process.pid}`), { force: true });
  }
}
