/**
 * The Temporal Web UI, through a real browser: `links.webUi` of a callback opens its
 * workflow page, which shows the workflow id and its status. Debian's Chromium,
 * driven by playwright-core. With CI=true a missing browser fails the test; on a
 * laptop without Chromium it is skipped with a loud message.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
