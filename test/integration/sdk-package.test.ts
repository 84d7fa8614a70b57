/** The SDK as an application gets it: built JavaScript + .d.ts, installed by path, imported from plain JS. */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let stack: TestStack;
let appDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  await run('npm', ['run', 'build'], { cwd: root });
  appDir = await mkdtemp(join(tmpdir(), 'dc-sdk-app-'));
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'some-app', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', root], { cwd: appDir });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  if (appDir) await rm(appDir, { recursive: true, force: true });
});

describe('client SDK package', () => {
  it('builds JavaScript with type declarations', async () => {
    await expect(access(join(root, 'dist/client-sdk/index.js'))).resolves.toBeUndefined();
    await expect(access(join(root, 'dist/client-sdk/index.d.ts'))).resolves.toBeUndefined();
    // The built service worker loads this instead of bundling at every start.
    await expect(access(join(root, 'dist/workflows/bundle.js'))).resolves.toBeUndefined();
  });

  it('is imported as delay-callback/client-sdk from plain JavaScript and runs a callback end to end', async () => {
    const app = uniqueName('plain-js');
    await writeFile(
      join(appDir, 'main.js'),
      `
import { DelayCallbackClient, DelayCallbackError } from 'delay-callback/client-sdk';
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

  it('ships payload encryption: a worker with keys starts (its failure converter loads from the build) and the codec round-trips', async () => {
    await expect(access(join(root, 'dist/client-sdk/codec/encoded-failure-converter.cjs'))).resolves.toBeUndefined();
    await writeFile(
      join(appDir, 'encrypted.js'),
      `
import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec, DelayCallbackClient } from 'delay-callback/client-sdk';
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
});
