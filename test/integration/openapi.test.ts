/**
 * /openapi.json is a valid OpenAPI 3.1 document generated from the route schemas;
 * every route of the app is in it (or is a 405 stub), with its error responses and
 * examples that match their own schemas; /docs serves the UI.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../server/errors.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { docPage } from '../helpers/docs.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ADMIN = 'openapi-admin-token';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: object; example?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: object; example?: unknown; examples?: Record<string, { value: unknown }> }> }>;
}
type Doc = { openapi: string; paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>; security?: unknown[] };

let stack: TestStack;
let doc: Doc;
beforeAll(async () => {
  stack = await startTestStack({ serviceWorker: false, env: { DELAY_CALLBACK_ADMIN_TOKEN: ADMIN } });
  const response = await stack.app.inject('/openapi.json');
  expect(response.statusCode).toBe(200);
  doc = response.json<Doc>();
});
afterAll(async () => stack?.close());

/** (method, path) of every route Fastify knows, from its route tree. */
function routesOf(tree: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const parent = stack[depth - 1] ?? '';
    const segment = match[2] ?? '';
    const path = parent.endsWith('/') && segment.startsWith('/') ? parent + segment.slice(1) : parent + segment;
    stack.push(path);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

function examplesOf(media: { example?: unknown; examples?: Record<string, { value: unknown }> }): unknown[] {
  return media.example !== undefined ? [media.example] : Object.values(media.examples ?? {}).map((e) => e.value);
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('documents every route of the app; the rest are 405 stubs', async () => {
    const routes = routesOf(stack.app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(20);
    const documented: string[] = [];
    let stubs = 0;
    for (const { method, path } of routes) {
      if (method === 'HEAD' || path.startsWith('/docs') || path === '/openapi.json') continue;
      // The codec server's CORS preflight (@fastify/cors under /codec): test/integration/codec-server.test.ts.
      if (method === 'OPTIONS' && path.endsWith('*')) continue;
      const openapiPath = path.replace(/:([A-Za-z]+)/g, '{$1}');
      if (doc.paths[openapiPath]?.[method.toLowerCase() as (typeof METHODS)[number]]) {
        documented.push(`${method} ${path}`);
        continue;
      }
      const url = path.replace(':app', 'some-app').replace(':uid', 'some-uid');
      const response = await stack.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
      expect(response.statusCode, `${method} ${path} is neither documented nor a 405 stub`).toBe(405);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('METHOD_NOT_ALLOWED');
      stubs++;
    }
    expect(stubs).toBeGreaterThan(10);
    for (const route of ['POST /codec/decode', 'POST /codec/encode', 'POST /v1/apps/:app/callbacks', 'GET /v1/apps/:app/callbacks/:uid', 'DELETE /v1/apps/:app/callbacks/:uid', 'PATCH /v1/apps/:app/callbacks/:uid', 'GET /healthz', 'GET /readyz', 'GET /metrics']) {
      expect(documented).toContain(route);
    }
  });

  it('gives each operation a summary, a description, tags and its error responses with examples', () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        operations++;
        const what = `${method.toUpperCase()} ${path}`;
        expect(op.summary, what).toBeTruthy();
        expect(op.description, what).toBeTruthy();
        expect(op.tags?.length, what).toBeGreaterThan(0);
        const statuses = Object.keys(op.responses);
        if (path.startsWith('/v1/')) {
          expect(statuses, what).toEqual(expect.arrayContaining(['400', '401', '403', '429', '503']));
          if (path.includes('{uid}')) expect(statuses, what).toContain('404');
          if (op.requestBody) expect(statuses, what).toContain('415');
          expect(op.security, `${what} uses the document's bearer security`).toBeUndefined();
        } else if (path.startsWith('/codec/')) {
          // The admin token when tokens are configured: the document's bearer security.
          expect(statuses, what).toEqual(expect.arrayContaining(['400', '401', '403', '413', '415', '429']));
          expect(op.security, `${what} uses the document's bearer security`).toBeUndefined();
        } else {
          expect(op.security, `${what} needs no token`).toEqual([]);
        }
        expect(statuses.some((s) => s.startsWith('2')), what).toBe(true);

        for (const [status, response] of Object.entries(op.responses)) {
          expect(response.description, `${what} ${status}`).toBeTruthy();
          for (const [type, media] of Object.entries(response.content ?? {})) {
            const examples = examplesOf(media);
            expect(examples.length, `${what} ${status} ${type} has an example`).toBeGreaterThan(0);
            const validate = ajv.compile(media.schema);
            for (const example of examples) {
              expect(validate(example), `${what} ${status} example: ${ajv.errorsText(validate.errors)}`).toBe(true);
              if (Number(status) >= 400 && path.startsWith('/v1/')) {
                expect((example as { error: { code: string } }).error.code).toMatch(/^[A-Z_]+$/);
              }
            }
          }
        }
        for (const media of Object.values(op.requestBody?.content ?? {})) {
          const validate = ajv.compile(media.schema);
          for (const example of examplesOf(media)) expect(validate(example), `${what} request example`).toBe(true);
        }
      }
    }
    expect(operations).toBeGreaterThanOrEqual(10);
  });

  it('declares the bearer scheme when tokens are configured', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});

describe('/docs', () => {
  it('serves the UI and the same document', async () => {
    const page = await fetch(`${stack.baseUrl}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    const json = await fetch(`${stack.baseUrl}/docs/json`);
    expect(json.status).toBe(200);
    expect(Object.keys(((await json.json()) as Doc).paths).sort()).toEqual(Object.keys(doc.paths).sort());
  });
});

describe('docs/errors.md', () => {
  it('lists every error code with its status', async () => {
    const text = await docPage('errors');
    const rows = new Map(
      text
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .map((cells) => [cells[1]?.replace(/`/g, '') ?? '', Number(cells[2])] as const),
    );
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect(rows.get(code), code).toBe(status);
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });
});
