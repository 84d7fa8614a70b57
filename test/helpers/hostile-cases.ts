/**
 * The hostile table: requests a client on the internet could send, each with the
 * status and envelope code the facade must answer. None of them may start a workflow.
 * SPEC section 3 ("Bad input", Register, Reschedule) and issue 5 point 3.
 */

import { registerBodies } from './hostile-register-cases.js';

export interface HostileCase {
  name: string;
  method: string;
  /** Sent as is (already percent-encoded where it needs to be). */
  path: string;
  /** Serialized as JSON unless a string (sent as is). */
  body?: unknown;
  /** undefined: application/json when there is a body; null: no Content-Type header. */
  contentType?: string | null;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Named in the message or in a details entry. */
  field?: string;
}

/** Path segments that are not app names (or uids): raw, as they go on the wire. */
export const BAD_NAME_SEGMENTS: ReadonlyArray<[string, string]> = [
  ['empty', ''],
  ['path traversal, encoded slashes', '..%2F..%2Fetc%2Fpasswd'],
  ['leading encoded slash', '%2Fetc'],
  ['unicode', 'caf%C3%A9'],
  ['full-width letters', '%EF%BD%81%EF%BD%90%EF%BD%90'],
  ['right-to-left override', 'app%E2%80%AE'],
  ['space', 'my%20app'],
  ['NUL', 'app%00'],
  ['newline', 'app%0Aname'],
  ['quote', 'app%27%20OR%201%3D1'],
  ['colon (workflow id separator)', 'app%3Aother'],
  ['leading dot', '.hidden'],
  ['leading dash', '-app'],
  ['65 characters', 'a'.repeat(65)],
];

/** Hostile requests to every route, for the app `app`; `now` anchors the time-relative cases. */
export function hostileCases(app: string, now: number): HostileCase[] {
  const collection = `/v1/apps/${app}/callbacks`;
  const unknownUid = 'no-such-callback-0001';
  const one = `${collection}/${unknownUid}`;
  const ok = { alias: 'callback01', delaySeconds: 60 };
  const cases: HostileCase[] = registerBodies(now).map((c) => ({ ...c, method: 'POST', path: collection }));

  // Content types of a registration.
  const mediaTypes: Array<[string, string | null]> = [
    ['no Content-Type', null],
    ['text/plain', 'text/plain'],
    ['form encoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['XML', 'application/xml'],
    ['application/jsonx', 'application/jsonx'],
    ['JSON:API media type', 'application/vnd.api+json'],
  ];
  for (const [name, contentType] of mediaTypes) {
    cases.push({ name: `register as ${name}`, method: 'POST', path: collection, body: JSON.stringify(ok), contentType, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  }
  cases.push({ name: 'register with no body and no Content-Type', method: 'POST', path: collection, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });

  // App names in the path of each route, and uids.
  for (const [name, segment] of BAD_NAME_SEGMENTS) {
    cases.push({ name: `register for app: ${name}`, method: 'POST', path: `/v1/apps/${segment}/callbacks`, body: ok, status: 400, code: 'VALIDATION_FAILED', field: 'path.app' });
  }
  cases.push(
    { name: 'read for app: path traversal', method: 'GET', path: `/v1/apps/..%2F..%2Fx/callbacks/${unknownUid}`, status: 400, code: 'VALIDATION_FAILED', field: 'path.app' },
    { name: 'cancel for app: unicode', method: 'DELETE', path: `/v1/apps/caf%C3%A9/callbacks/${unknownUid}`, status: 400, code: 'VALIDATION_FAILED', field: 'path.app' },
    { name: 'reschedule for app: 65 characters', method: 'PATCH', path: `/v1/apps/${'a'.repeat(65)}/callbacks/${unknownUid}`, body: { delaySeconds: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'path.app' },
    { name: 'register for app: invalid percent-encoding', method: 'POST', path: '/v1/apps/%E0%A4%A/callbacks', body: ok, status: 400, code: 'VALIDATION_FAILED', field: 'path' },
    { name: 'register for app: 300 characters', method: 'POST', path: `/v1/apps/${'a'.repeat(300)}/callbacks`, body: ok, status: 400, code: 'VALIDATION_FAILED', field: 'path' },
  );
  const badUids: Array<[string, string]> = [
    ['129 characters', 'u'.repeat(129)],
    ['leading dot', '.x'],
    ['leading underscore', '_x'],
    ['encoded slash', 'a%2Fb'],
    ['unicode', 'caf%C3%A9'],
    ['colon', 'a%3Ab'],
    ['NUL', 'a%00'],
  ];
  for (const [name, uid] of badUids) {
    cases.push({ name: `read uid: ${name}`, method: 'GET', path: `${collection}/${uid}`, status: 400, code: 'VALIDATION_FAILED', field: 'path.uid' });
  }
  cases.push(
    { name: 'cancel uid: leading dash', method: 'DELETE', path: `${collection}/-x`, status: 400, code: 'VALIDATION_FAILED', field: 'path.uid' },
    { name: 'reschedule uid: space', method: 'PATCH', path: `${collection}/a%20b`, body: { delaySeconds: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'path.uid' },
    { name: 'read uid: 300 characters', method: 'GET', path: `${collection}/${'u'.repeat(300)}`, status: 400, code: 'VALIDATION_FAILED', field: 'path' },
    { name: 'read unknown uid', method: 'GET', path: one, status: 404, code: 'CALLBACK_NOT_FOUND' },
    { name: 'cancel unknown uid', method: 'DELETE', path: one, status: 404, code: 'CALLBACK_NOT_FOUND' },
    { name: 'cancel unknown uid with an empty JSON body', method: 'DELETE', path: one, body: '', status: 404, code: 'CALLBACK_NOT_FOUND' },
    { name: 'reschedule unknown uid', method: 'PATCH', path: one, body: { delaySeconds: 5 }, status: 404, code: 'CALLBACK_NOT_FOUND' },
  );

  // Reschedule bodies.
  const patch = (name: string, body: unknown, field: string, extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `reschedule: ${name}`, method: 'PATCH', path: one, body, status: 400, code: 'VALIDATION_FAILED', field, ...extra,
  });
  cases.push(
    patch('empty object', {}, 'delaySeconds'),
    patch('both fields', { delaySeconds: 5, triggerAt: new Date(now + 60_000).toISOString() }, 'triggerAt'),
    patch('unknown field', { delaySeconds: 5, alias: 'other' }, 'body.alias'),
    patch('retry is not reschedulable', { delaySeconds: 5, retry: null }, 'body.retry'),
    patch('negative delay', { delaySeconds: -5 }, 'body.delaySeconds'),
    patch('delay as a string', { delaySeconds: '5' }, 'body.delaySeconds'),
    patch('triggerAt without offset', { triggerAt: '2030-01-01T00:00:00' }, 'triggerAt'),
    patch('triggerAt not a real date', { triggerAt: '2030-04-31T00:00:00Z' }, 'triggerAt'),
    patch('beyond the horizon', { delaySeconds: 20 * 365 * 86_400 }, 'delaySeconds'),
    patch('__proto__ key', '{"delaySeconds":5,"__proto__":{"x":1}}', 'body.__proto__'),
    patch('malformed JSON', '{"delaySeconds":', '', { code: 'MALFORMED_JSON' }),
    patch('as text/plain', '{"delaySeconds":5}', '', { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', contentType: 'text/plain' }),
    patch('without Content-Type', '{"delaySeconds":5}', '', { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', contentType: null }),
    patch('an array', [{ delaySeconds: 5 }], 'body'),
  );

  // List and stats queries.
  const query = (name: string, path: string, field: string): HostileCase => ({ name, method: 'GET', path, status: 400, code: 'VALIDATION_FAILED', field });
  cases.push(
    query('list: pageSize 0', `${collection}?pageSize=0`, 'query.pageSize'),
    query('list: pageSize 1001', `${collection}?pageSize=1001`, 'query.pageSize'),
    query('list: pageSize fractional', `${collection}?pageSize=1.5`, 'query.pageSize'),
    query('list: pageSize a word', `${collection}?pageSize=ten`, 'query.pageSize'),
    query('list: unknown status', `${collection}?status=lost`, 'query.status'),
    query('list: malformed alias', `${collection}?alias=..%2Fx`, 'query.alias'),
    query('list: a pageToken the service did not issue', `${collection}?pageToken=forged-token`, 'pageToken'),
    query('list: an overlong pageToken', `${collection}?pageToken=${'t'.repeat(5_000)}`, 'query.pageToken'),
    query('list: unknown parameter', `${collection}?sort=asc`, 'query.sort'),
    query('stats: negative overdueAfterSeconds', `/v1/apps/${app}/stats?overdueAfterSeconds=-1`, 'query.overdueAfterSeconds'),
    query('stats: for app path traversal', '/v1/apps/..%2Fx/stats', 'path.app'),
  );

  // Routes and methods.
  const notFound = (method: string, path: string): HostileCase => ({ name: `${method} ${path}`, method, path, status: 404, code: 'ROUTE_NOT_FOUND' });
  const notAllowed = (method: string, path: string, body?: unknown): HostileCase => ({
    name: `${method} on ${path.replace(app, '{app}')}`, method, path, body, status: 405, code: 'METHOD_NOT_ALLOWED',
  });
  cases.push(
    notFound('GET', '/'),
    notFound('GET', '/v1'),
    notFound('GET', `/v1/apps/${app}`),
    notFound('POST', '/v2/apps/x/callbacks'),
    notFound('GET', `${one}/attempts/extra`),
    notFound('GET', '/.env'),
    notFound('GET', '/admin'),
    notFound('POST', `/v1/apps/${app}/callbacks/${unknownUid}/cancel`),
    notAllowed('PUT', collection, ok),
    notAllowed('DELETE', collection),
    notAllowed('PATCH', collection, { delaySeconds: 5 }),
    notAllowed('OPTIONS', collection),
    notAllowed('POST', one, ok),
    notAllowed('PUT', one, ok),
    notAllowed('OPTIONS', one),
  );
  return cases;
}

/** Every app name the cases put in a path, decoded as the router would (for the visibility count). */
export function appNamesIn(cases: readonly HostileCase[]): string[] {
  const names = new Set<string>();
  for (const c of cases) {
    const segment = /^\/v\d+\/apps\/([^/]*)/.exec(c.path)?.[1];
    if (segment === undefined) continue;
    try {
      names.add(decodeURIComponent(segment));
    } catch {
      names.add(segment);
    }
  }
  return [...names];
}
