/**
 * The SDK as an application gets it: `npm pack` of the @delay-callback/client workspace, the
 * tarball installed alone into an empty folder (from the local npm cache when it can), imported
 * from plain JavaScript and from type-checked TypeScript, running callbacks end to end against
 * the run's stack, and pulling none of the server's dependencies.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let stack: TestStack;
let appDir: string;
let packed: { filename: string; files: Array<{ path: string }> };

beforeAll(async () => {
  stack = await startTestStack();
  appDir = await mkdtemp(join(tmpdir(), 'dc-sdk-app-'));
  const { stdout } = await run('npm', ['pack', '--workspace', '@delay-callback/client', '--pack-destination', appDir, '--json'], { cwd: root });
  packed = (JSON.parse(stdout) as Array<typeof packed>)[0]!;
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'some-app', private: true, type: 'module' }));
  // The application's own @types/node, as any TypeScript application has.
  const typesNode = JSON.parse(await readFile(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string };
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${packed.filename}`, `@types/node@${typesNode.version}`], { cwd: appDir });
}, 300_000);
afterAll(async () => {
  await stack?.close();
  if (appDir) await rm(appDir, { recursive: true, force: true });
});

/** Every package installed under `dir`/node_modules, nested ones included. */
async function installedPackages(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (modules: string): Promise<void> => {
    const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@');
      const packages = scoped ? (await readdir(join(modules, entry.name))).map((name) => `${entry.name}/${name}`) : [entry.name];
      for (const name of packages) {
        names.add(name);
        await walk(join(modules, name, 'node_modules'));
      }
    }
  };
  await walk(join(dir, 'node_modules'));
  return names;
}

describe('the @delay-callback/client package', () => {
  it('packs the built SDK with its declarations and the modules it shares, nothing of the server', () => {
    const paths = packed.files.map((file) => file.path);
    for (const path of ['dist/client-sdk/index.js', 'dist/client-sdk/index.d.ts', 'dist/activities/invoke-callback.js', 'dist/workflows/contract.js', 'package.json']) {
      expect(paths).toContain(path);
    }
    expect(paths.filter((path) => /(^|\/)(server|scripts|test|bench)\//.test(path))).toEqual([]);
  });

  it('installs alone, without the server dependencies', async () => {
    const installed = await installedPackages(appDir);
    expect(installed).toContain('@delay-callback/client');
    expect(installed).toContain('@temporalio/worker');
    const serverOnly = [...installed].filter((name) => /^(fastify|fastify-plugin|@fastify\/.*|ioredis|prom-client|pino|close-with-grace)$/.test(name));
    expect(serverOnly).toEqual([]);
  });

  it('is imported from plain JavaScript and runs a callback end to end', async () => {
    const app = uniqueName('plain-js');
    await writeFile(
      join(appDir, 'main.js'),
      `
import { DelayCallbackClient, DelayCallbackError } from '@delay-callback/client';
const client = new DelayCallbackClient({ app: ${JSON.stringify(app)}, serverUrl: process.env.SERVER_URL, temporal: { address: process.env.TEMPORAL_ADDRESS } });
client.define('sum', async (req) => req.args.reduce((a, b) => a + b, 0));
await client.start();
const { uid } = await client.register({ alias: 'sum', args: [1, 2, 3], delaySeconds: 0 });
let callback;
for (let i = 0; i < 100; i++) {
  callback = await client.get(uid);
  if (callback.status === 'succeeded') break;
  await new Promise((r) => setTimeout(r, 100));
}
const missing = await client.get('no-such-uid').catch((err) => err);
await client.stop();
console.log(JSON.stringify({ status: callback.status, result: callback.result, errorIsClass: missing instanceof DelayCallbackError, code: missing.code, httpStatus: missing.status }));
`,
    );
    const { stdout } = await run(process.execPath, ['main.js'], {
      cwd: appDir,
      env: { ...process.env, SERVER_URL: stack.baseUrl, TEMPORAL_ADDRESS: stack.config.temporal.address },
      timeout: 60_000,
    });
    const last = stdout.trim().split('\n').pop()!;
    expect(JSON.parse(last)).toEqual({ status: 'succeeded', result: 6, errorIsClass: true, code: 'CALLBACK_NOT_FOUND', httpStatus: 404 });
  });

  it('ships payload encryption: a worker with keys starts (its failure converter loads from the package) and the codec round-trips', async () => {
    // Temporal loads the failure converter by path, with require(): it ships as CommonJS.
    expect(packed.files.map((file) => file.path)).toContain('dist/client-sdk/codec/encoded-failure-converter.cjs');
    await writeFile(
      join(appDir, 'encrypted.js'),
      `
import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec, DelayCallbackClient } from '@delay-callback/client';
const keys = 'k1=' + randomBytes(32).toString('base64');
const client = new DelayCallbackClient({ app: ${JSON.stringify(uniqueName('encrypted-js'))}, serverUrl: process.env.SERVER_URL, temporal: { address: process.env.TEMPORAL_ADDRESS }, payloadEncryptionKeys: keys });
client.define('noop', async () => true);
await client.start();
await client.stop();
const codec = new AesGcmPayloadCodec(keys);
const [stored] = await codec.encode([{ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('"secret"') }]);
const [read] = await codec.decode([stored]);
const bad = (() => { try { new DelayCallbackClient({ app: 'x', serverUrl: 'http://127.0.0.1:1', payloadEncryptionKeys: 'k1=c2hvcnQ=' }); } catch (err) { return err.code; } })();
console.log(JSON.stringify({ started: true, hidden: !new TextDecoder().decode(stored.data).includes('secret'), read: new TextDecoder().decode(read.data), bad }));
`,
    );
    const { stdout } = await run(process.execPath, ['encrypted.js'], {
      cwd: appDir,
      env: { ...process.env, SERVER_URL: stack.baseUrl, TEMPORAL_ADDRESS: stack.config.temporal.address },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ started: true, hidden: true, read: '"secret"', bad: 'INVALID_CONFIGURATION' });
  });

  it('type-checks a TypeScript application against its declarations, which then connects by the TEMPORAL_* variables alone', async () => {
    const app = uniqueName('typed');
    await writeFile(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'out' },
        files: ['typed.ts'],
      }),
    );
    await writeFile(
      join(appDir, 'typed.ts'),
      `
import { DelayCallbackClient, DelayCallbackError, type Callback, type CallbackRequest, type CallbackStats } from '@delay-callback/client';

interface Order { orderId: number }
// No temporal option: TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE say where the worker connects.
const client = new DelayCallbackClient({ app: ${JSON.stringify(app)}, serverUrl: process.env.SERVER_URL! });
client.define<Order, { expired: number }>('expire', async (req: CallbackRequest<Order>) => ({ expired: req.args.orderId }));
// @ts-expect-error the handler's args are typed
client.define<Order>('wrong', async (req) => req.args.orderNumber);
await client.start();
const { uid, status } = await client.register<Order>({ alias: 'expire', args: { orderId: 42 }, delaySeconds: 0 });
const registered: 'scheduled' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled' = status;
let callback: Callback<Order, { expired: number }> = await client.get<Order, { expired: number }>(uid);
for (let i = 0; i < 100 && callback.status !== 'succeeded'; i++) {
  await new Promise((r) => setTimeout(r, 100));
  callback = await client.get<Order, { expired: number }>(uid);
}
const expired: number | undefined = callback.result?.expired;
// @ts-expect-error a status is one of the API's six
const bogus: Callback['status'] = 'pending';
const stats: CallbackStats = await client.stats();
// @ts-expect-error counts are by status
stats.counts.pending;
const missing: unknown = await client.get('no-such-uid').catch((err: unknown) => err);
await client.stop();
console.log(JSON.stringify({ registered, expired, total: typeof stats.total, code: missing instanceof DelayCallbackError ? missing.code : null, unused: bogus }));
`,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir }).catch((err: { stdout?: string }) => {
      throw new Error(`the application does not type-check:\n${err.stdout ?? String(err)}`);
    });
    const { stdout } = await run(process.execPath, ['out/typed.js'], {
      cwd: appDir,
      env: { PATH: process.env.PATH, SERVER_URL: stack.baseUrl, TEMPORAL_ADDRESS: stack.config.temporal.address, TEMPORAL_NAMESPACE: stack.config.temporal.namespace },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ registered: 'scheduled', expired: 42, total: 'number', code: 'CALLBACK_NOT_FOUND', unused: 'pending' });
  });

});

describe('the service build (npm run build, as the Dockerfile runs it)', () => {
  it('emits the prebuilt workflow bundle and the example worker, the SDK compiled in from the source tree', async () => {
    await run('npm', ['run', 'build'], { cwd: root });
    // The built service worker loads this instead of bundling at every start.
    await expect(access(join(root, 'dist/workflows/bundle.js'))).resolves.toBeUndefined();
    await expect(access(join(root, 'dist/examples/demo-worker.js'))).resolves.toBeUndefined();
    await expect(access(join(root, 'dist/client-sdk/index.js'))).resolves.toBeUndefined();
  }, 180_000);
});
