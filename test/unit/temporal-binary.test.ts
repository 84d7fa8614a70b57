/** The resolver's order, with fake binaries on a temporary PATH (no real build, no network). */
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TemporalBinaryNotFoundError,
  cachedBinaryPath,
  resolveTemporalBinary,
} from '../../scripts/lib/temporal-binary.js';

let root: string;
let sysBin: string;

async function script(path: string, body: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const fakeTemporal = (dir: string, label: string): Promise<string> =>
  script(join(dir, 'temporal'), `echo "temporal version 9.9.9 (${label})"`);

/** A `go` that "builds" a fake CLI into $GOBIN after a pause, counting its runs. */
const fakeGo = (dir: string): Promise<string> =>
  script(
    join(dir, 'go'),
    [
      'echo run >> "$GO_RUNS_FILE"',
      'sleep 1',
      'mkdir -p "$GOBIN"',
      'printf \'#!/bin/sh\\necho "temporal version 1.5.1 (fake go build)"\\n\' > "$GOBIN/temporal"',
      'chmod +x "$GOBIN/temporal"',
    ].join('\n'),
  );

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'resolver-'));
  // A PATH with only what the fake scripts need, so a `temporal` installed on this machine cannot interfere.
  sysBin = join(root, 'sys');
  await mkdir(sysBin);
  for (const tool of ['sh', 'sleep', 'mkdir', 'chmod', 'printf', 'echo']) {
    await symlink(`/bin/${tool}`, join(sysBin, tool)).catch(async () => symlink(`/usr/bin/${tool}`, join(sysBin, tool)));
  }
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const quiet = (): void => undefined;

describe('resolveTemporalBinary', () => {
  it('takes TEMPORAL_CLI_PATH first', async () => {
    const explicit = await fakeTemporal(join(root, 'explicit'), 'explicit');
    await fakeTemporal(join(root, 'onpath'), 'path');
    const found = await resolveTemporalBinary({
      env: { TEMPORAL_CLI_PATH: explicit, PATH: `${join(root, 'onpath')}:${sysBin}`, DELAY_CALLBACK_TOOLS_DIR: join(root, 'tools') },
      log: quiet,
    });
    expect(found).toMatchObject({ path: explicit, source: 'TEMPORAL_CLI_PATH' });
    expect(found.version).toContain('explicit');
  });

  it('refuses a TEMPORAL_CLI_PATH that does not work, naming it', async () => {
    const broken = await script(join(root, 'broken', 'temporal'), 'exit 3');
    await expect(
      resolveTemporalBinary({ env: { TEMPORAL_CLI_PATH: broken, PATH: sysBin }, log: quiet }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*broken/);
  });

  it('then temporal on PATH', async () => {
    const onPath = await fakeTemporal(join(root, 'onpath'), 'path');
    await fakeTemporal(join(root, 'tools', 'temporal-1.5.1', 'bin'), 'cache');
    const found = await resolveTemporalBinary({
      env: { PATH: `${join(root, 'onpath')}:${sysBin}`, DELAY_CALLBACK_TOOLS_DIR: join(root, 'tools') },
      log: quiet,
    });
    expect(found).toMatchObject({ path: onPath, source: 'PATH' });
  });

  it('then the cached build', async () => {
    const tools = join(root, 'tools');
    await fakeTemporal(join(tools, 'temporal-1.5.1', 'bin'), 'cache');
    const found = await resolveTemporalBinary({ env: { PATH: sysBin, DELAY_CALLBACK_TOOLS_DIR: tools }, log: quiet });
    expect(found).toMatchObject({ path: cachedBinaryPath(tools), source: 'cache' });
  });

  it('then builds with go into the cache, once, even when two resolutions race', async () => {
    const tools = join(root, 'tools');
    const goDir = join(root, 'go');
    await fakeGo(goDir);
    const runs = join(root, 'go-runs');
    const env = { PATH: `${goDir}:${sysBin}`, DELAY_CALLBACK_TOOLS_DIR: tools, GO_RUNS_FILE: runs };
    const lines: string[] = [];
    const [first, second] = await Promise.all([
      resolveTemporalBinary({ env, allowDownload: false, log: (line) => lines.push(line) }),
      resolveTemporalBinary({ env, allowDownload: false, log: (line) => lines.push(line) }),
    ]);
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect([first.source, second.source].sort()).toEqual(['cache', 'go-build']);
    expect(first.path).toBe(cachedBinaryPath(tools));
    expect(first.version).toContain('fake go build');
    expect(lines.some((line) => line.includes('building Temporal CLI v1.5.1'))).toBe(true);
    const again = await resolveTemporalBinary({ env, allowDownload: false, log: quiet });
    expect(again.source).toBe('cache');
  });

  it('fails with one message naming every source it tried', async () => {
    const error = await resolveTemporalBinary({
      env: { PATH: sysBin, DELAY_CALLBACK_TOOLS_DIR: join(root, 'tools') },
      allowDownload: false,
      log: quiet,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TemporalBinaryNotFoundError);
    const message = (error as Error).message;
    for (const source of ['TEMPORAL_CLI_PATH', 'temporal on PATH', 'cached build', 'go install', 'SDK download']) {
      expect(message).toContain(source);
    }
    expect(message).toContain('`go`) is not on PATH');
    expect((error as TemporalBinaryNotFoundError).code).toBe('TEMPORAL_BINARY_NOT_FOUND');
  });
});
