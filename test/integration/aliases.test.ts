/**
 * Declared alias contracts: a worker publishes its aliases' args schemas at start; a
 * registration (single or batch item) whose args break the schema is 400 ARGS_INVALID and
 * registers nothing; undeclared aliases behave as before; Redis losing the declarations turns
 * the check off until the next worker start.
 */
import getPort from 'get-port';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, type DelayCallbackClient } from '../../client-sdk/index.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const ORDER_SCHEMA = {
  type: 'object',
  properties: { orderId: { type: 'integer', minimum: 1 }, note: { type: 'string', maxLength: 10 } },
  required: ['orderId'],
  additionalProperties: false,
};

const aliasPath = (app: string, alias?: string): string => `/v1/apps/${app}/aliases${alias === undefined ? '' : `/${alias}`}`;
const register = (app: string, body: Record<string, unknown>) =>
  stack.http('POST', `/v1/apps/${app}/callbacks`, { delaySeconds: 3600, ...body });

describe('/v1/apps/{app}/aliases', () => {
  it('declares, lists, reads and deletes an args schema', async () => {
    const app = uniqueName('contracts');
    const before = Date.now();
    const put = await stack.http('PUT', aliasPath(app, 'order-expiry'), { argsSchema: ORDER_SCHEMA, publishedBy: 'test-worker' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ app, alias: 'order-expiry', publishedBy: 'test-worker', argsSchema: ORDER_SCHEMA });
    expect(Date.parse(put.body.publishedAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(put.body.schemaHash).toMatch(/^[0-9a-f]{64}$/);

    const list = await stack.http('GET', aliasPath(app));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      { app, alias: 'order-expiry', schemaHash: put.body.schemaHash, publishedAt: put.body.publishedAt, publishedBy: 'test-worker', schemaBytes: put.body.schemaBytes },
    ]);
    expect((await stack.http('GET', aliasPath(app, 'order-expiry'))).body.argsSchema).toEqual(ORDER_SCHEMA);

    // Key order does not change the hash; a new publication moves publishedAt.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const reordered = { additionalProperties: false, required: ['orderId'], properties: ORDER_SCHEMA.properties, type: 'object' };
    const again = await stack.http('PUT', aliasPath(app, 'order-expiry'), { argsSchema: reordered });
    expect(again.body.schemaHash).toBe(put.body.schemaHash);
    expect(again.body.publishedBy).toBeNull();
    expect(Date.parse(again.body.publishedAt)).toBeGreaterThan(Date.parse(put.body.publishedAt));

    expect((await stack.http('DELETE', aliasPath(app, 'order-expiry'))).body).toEqual({ app, alias: 'order-expiry', deleted: true });
    const gone = await stack.http('GET', aliasPath(app, 'order-expiry'));
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ALIAS_NOT_FOUND');
    expect((await stack.http('DELETE', aliasPath(app, 'order-expiry'))).status).toBe(404);
    expect((await stack.http('GET', aliasPath(app))).body.items).toEqual([]);
  });

  it('refuses a schema that is not JSON Schema, too large, or unresolvable, and stores nothing', async () => {
    const app = uniqueName('contracts-bad');
    const cases: Array<[unknown, number, string]> = [
      [{ type: 'nope' }, 400, 'ALIAS_SCHEMA_INVALID'],
      [{ properties: { a: { minimum: 'one' } } }, 400, 'ALIAS_SCHEMA_INVALID'],
      [{ $ref: 'https://example.invalid/schema.json' }, 400, 'ALIAS_SCHEMA_INVALID'],
      [{ type: 'string', pattern: '([' }, 400, 'ALIAS_SCHEMA_INVALID'],
      [{ $schema: 'http://json-schema.org/draft-04/schema#' }, 400, 'ALIAS_SCHEMA_INVALID'],
      ['a string', 400, 'ALIAS_SCHEMA_INVALID'],
      [[{ type: 'object' }], 400, 'ALIAS_SCHEMA_INVALID'],
      [{ type: 'string', description: 'x'.repeat(70_000) }, 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [argsSchema, status, code] of cases) {
      const response = await stack.http('PUT', aliasPath(app, 'a1'), { argsSchema });
      expect(response.status, JSON.stringify(argsSchema).slice(0, 60)).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    const missing = await stack.http('PUT', aliasPath(app, 'a1'), { publishedBy: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('VALIDATION_FAILED');
    expect((await stack.http('PUT', aliasPath(app, 'bad alias'), { argsSchema: {} })).status).toBe(400);
    expect((await stack.http('POST', aliasPath(app, 'a1'), { argsSchema: {} })).status).toBe(405);
    expect((await stack.http('GET', aliasPath(app))).body.items).toEqual([]);
  });

  it('checks registrations and batch items of a declared alias (400 ARGS_INVALID with ajv errors); undeclared aliases take anything', async () => {
    const app = uniqueName('contracts-reg');
    await stack.http('PUT', aliasPath(app, 'order-expiry'), { argsSchema: ORDER_SCHEMA });

    const wrong = await register(app, { alias: 'order-expiry', args: { orderId: 0, extra: true } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('ARGS_INVALID');
    expect(wrong.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'body.args.orderId', keyword: 'minimum', instancePath: '/orderId' }),
        expect.objectContaining({ field: 'body.args', keyword: 'additionalProperties', params: { additionalProperty: 'extra' } }),
      ]),
    );
    const missing = await register(app, { alias: 'order-expiry', idempotencyKey: 'no-args' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]).toMatchObject({ field: 'body.args', keyword: 'type', instancePath: '' });
    // Refused before the key was claimed: the same key with valid args registers.
    expect((await register(app, { alias: 'order-expiry', idempotencyKey: 'no-args', args: { orderId: 1 } })).status).toBe(201);

    expect((await register(app, { alias: 'order-expiry', args: { orderId: 42, note: 'ok' } })).status).toBe(201);
    expect((await register(app, { alias: 'undeclared', args: 'anything at all' })).status).toBe(201);

    const batch = await stack.http('POST', `/v1/apps/${app}/callbacks/batch`, {
      items: [
        { alias: 'order-expiry', args: { orderId: 7 }, delaySeconds: 3600 },
        { alias: 'order-expiry', args: { orderId: 'seven' }, delaySeconds: 3600 },
      ],
    });
    expect(batch.body.items[0].status).toBe(201);
    const single = await register(app, { alias: 'order-expiry', args: { orderId: 'seven' } });
    expect(batch.body.items[1]).toEqual({ status: 400, ...single.body });
    expect(single.body.error.code).toBe('ARGS_INVALID');

    // Another app's declaration does not apply here.
    expect((await register(uniqueName('other-app'), { alias: 'order-expiry', args: 'not an object' })).status).toBe(201);
  });

  it('supports JSON Schema 2020-12 by its $schema', async () => {
    const app = uniqueName('contracts-2020');
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    expect((await stack.http('PUT', aliasPath(app, 'pair'), { argsSchema: schema })).status).toBe(200);
    expect((await register(app, { alias: 'pair', args: ['a', 1] })).status).toBe(201);
    const third = await register(app, { alias: 'pair', args: ['a', 1, 'extra'] });
    expect(third.status).toBe(400);
    expect(third.body.error.code).toBe('ARGS_INVALID');
  });
});

describe('SDK define(alias, handler, { args })', () => {
  let client: DelayCallbackClient;
  const recorder = new Recorder();
  const OrderArgs = Type.Object({ orderId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

  beforeAll(async () => {
    client = stack.client(uniqueName('contracts-sdk'), { worker: { identity: 'contracts-test-worker', shutdownGraceTimeMs: 5_000 } });
    client.define(
      'order-expiry',
      recorder.wrap(async (req) => {
        // Typed by the TypeBox schema: req.args.orderId is a number.
        const orderId: number = req.args.orderId;
        return { expired: orderId };
      }),
      { args: OrderArgs },
    );
    client.define('free', async () => true);
    await client.start();
  });

  it('publishes the schemas when the worker starts; registrations that break them are refused', async () => {
    const list = await stack.http('GET', aliasPath(client.app));
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ alias: 'order-expiry', publishedBy: 'contracts-test-worker' });
    expect((await stack.http('GET', aliasPath(client.app, 'order-expiry'))).body.argsSchema).toEqual(JSON.parse(JSON.stringify(OrderArgs)));

    const refused = await client.register({ alias: 'order-expiry', args: { orderId: -1 }, delaySeconds: 0 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DelayCallbackError);
    expect(refused).toMatchObject({ code: 'ARGS_INVALID', status: 400 });

    const { uid } = await client.register({ alias: 'order-expiry', args: { orderId: 5 }, delaySeconds: 0 });
    expect((await waitForStatus(client, uid, 'succeeded')).result).toEqual({ expired: 5 });
  });

  it('is off while Redis has lost the declarations, and back after the next worker start', async () => {
    await stack.redis.del(`${stack.config.redis.keyPrefix}aliases:${client.app}`, `${stack.config.redis.keyPrefix}alias-schemas:${client.app}`);
    const unchecked = await client.register({ alias: 'order-expiry', args: { orderId: 'lost' }, delaySeconds: 3600 });
    expect(unchecked.status).toBe('scheduled');
    await client.unregister(unchecked.uid);

    await client.stop();
    await client.start();
    const refused = await client.register({ alias: 'order-expiry', args: { orderId: 'lost' }, delaySeconds: 3600 }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'ARGS_INVALID' });
  });

  it('fails start() on a schema the facade refuses, before the worker polls', async () => {
    const broken = stack.client(uniqueName('contracts-broken'));
    broken.define('x', async () => true, { args: { type: 'not-a-type' } });
    const failed = await broken.start().catch((err: unknown) => err);
    expect(failed).toMatchObject({ code: 'ALIAS_SCHEMA_INVALID', status: 400 });
    expect((await stack.http('GET', aliasPath(broken.app))).body.items).toEqual([]);
  });

  it('reports, and does not fail on, a facade it cannot reach at start', async () => {
    const errors: string[] = [];
    const closedPort = await getPort();
    const offline = stack.client(uniqueName('contracts-offline'), {
      serverUrl: `http://127.0.0.1:${closedPort}`,
      retries: 0,
      worker: { shutdownGraceTimeMs: 1_000, onAliasPublishError: (alias, error) => errors.push(`${alias}:${error.code}`) },
    });
    offline.define('x', async () => true, { args: { type: 'object' } });
    await offline.start();
    expect(errors).toEqual(['x:CONNECTION_REFUSED']);
    await offline.stop();
  });
});
