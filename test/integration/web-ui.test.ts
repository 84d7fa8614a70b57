/**
 * The Temporal Web UI, through a real browser: `links.webUi` of a callback opens its
 * workflow page, which shows the workflow id and its status; with payload encryption on, a
 * dev server started with `--ui-codec-endpoint` shows the decoded input through the
 * facade's codec server. Debian's Chromium,
 * driven by playwright-core. With CI=true a missing browser fails the test; on a
 * laptop without Chromium it is skipped with a loud message.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import getPort from 'get-port';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI !== 'true') {
  console.warn(`\n!!! ${CHROMIUM} not found: the Web UI browser test is SKIPPED (apt-get install chromium; CI installs it) !!!\n`);
}
const root = resolve(import.meta.dirname, '../..');

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  stack = await startTestStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** The screenshots in docs/ are refreshed on demand (UPDATE_SCREENSHOTS=1), otherwise kept with the test results. */
async function screenshotPath(name: string): Promise<string> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? resolve(root, 'docs') : resolve(root, 'test-results');
  await mkdir(dir, { recursive: true });
  return resolve(dir, name);
}

describe.skipIf(!available && process.env.CI !== 'true')('Temporal Web UI', () => {
  it('opens links.webUi and shows the workflow id and its status', async () => {
    expect(available, `${CHROMIUM} is required with CI=true`).toBe(true);
    const client = stack.client(uniqueName('webui'));
    client.define('greet', async () => 'hello from the browser test');
    await client.start();
    const { uid } = await client.register({ alias: 'greet', args: ['web', 'ui'], delaySeconds: 0 });
    const done = await waitForStatus(client, uid, 'succeeded');

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(done.links.webUi, { waitUntil: 'domcontentloaded' });
    const workflowId = callbackWorkflowId(client.app, uid);
    await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
    await page.getByText(/Completed/).first().waitFor({ timeout: 30_000 });
    const text = await page.locator('body').innerText();
    expect(text).toContain(workflowId);
    expect(text).toMatch(/Completed/);

    await page.screenshot({ path: await screenshotPath('web-ui-callback.png') });
    await page.close();
  });

  it("opens the stats link: the Web UI's list of the app's callbacks", async () => {
    const client = stack.client(uniqueName('webui-list'));
    const { uid } = await client.register({ alias: 'later', delaySeconds: 3_600 });
    const stats = await client.stats();
    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    await page.goto(stats.links.webUi, { waitUntil: 'domcontentloaded' });
    await page.getByText(callbackWorkflowId(client.app, uid)).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).toContain('Running');
    await page.screenshot({ path: await screenshotPath('web-ui-app-list.png') });
    await page.close();
    await client.unregister(uid);
  });
});

describe.skipIf(!available && process.env.CI !== 'true')('Temporal Web UI with payload encryption', () => {
  let server: TemporalDevServer;
  let encrypted: TestStack;

  beforeAll(async () => {
    if (!available) return;
    // A dev server of its own, told where the codec server will listen (as npm run dev does).
    const port = await getPort({ host: '127.0.0.1' });
    server = await startTemporalDevServer({ binaryPath: inject('temporalBinary'), stdio: 'ignore', uiCodecEndpoint: `http://127.0.0.1:${port}/codec` });
    encrypted = await startTestStack({
      port,
      env: {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_UI_URL: server.uiUrl,
        PAYLOAD_ENCRYPTION_KEYS: `ui=${randomBytes(32).toString('base64')}`,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await encrypted?.close();
    await server?.stop();
  });

  it('shows the decoded input of an encrypted callback, through the codec endpoint', async () => {
    expect(available, `${CHROMIUM} is required with CI=true`).toBe(true);
    const secret = `decoded-by-codec-${randomBytes(4).toString('hex')}`;
    const client = encrypted.client(uniqueName('webui-codec'));
    client.define('greet', async () => ({ reply: `${secret}-result` }));
    await client.start();
    const { uid } = await client.register({ alias: 'greet', args: [secret], delaySeconds: 0 });
    const done = await waitForStatus(client, uid, 'succeeded');
    const stored = await encrypted.temporal.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: callbackWorkflowId(client.app, uid) },
    });
    // Temporal holds ciphertext: whatever the page shows in clear, the codec server decoded.
    expect(Buffer.from(JSON.stringify(stored.history)).includes(secret)).toBe(false);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    await page.goto(done.links.webUi, { waitUntil: 'domcontentloaded' });
    await page.getByText(secret).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).toContain(secret);
    await page.screenshot({ path: await screenshotPath('web-ui-decoded-input.png') });
    await page.close();
    const decodes = await encrypted.metrics.registry.getSingleMetricAsString('delay_callback_http_request_duration_seconds');
    expect(decodes).toMatch(/_count\{[^}]*route="\/codec\/decode"[^}]*status_code="200"[^}]*\} [1-9]/);
  });
});
