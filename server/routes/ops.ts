/**
 * Operations: liveness, readiness (which dependency is down), Prometheus metrics. No token needed.
 * Readiness is probed at most about once a second whatever the traffic, and says why a check
 * failed (raw dependency errors, which may name internal addresses) only to the admin token.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { Registry } from 'prom-client';
import { CoalescingCache } from '../coalescing-cache.js';

export interface ReadinessChecks {
  /** Resolves when Redis answers. */
  redis: () => Promise<void>;
  /** Resolves when Temporal answers. */
  temporal: () => Promise<void>;
  /** State of the in-process service worker; undefined when it runs elsewhere. */
  worker?: () => string;
}

export interface OpsRoutesOptions {
  checks: ReadinessChecks;
  registry: Registry;
  /** Bound on each readiness probe. */
  timeoutMs: number;
  /** How long a readiness answer is served again. @default 1000 */
  readinessCacheMs?: number;
}

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('down')]);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  checks: Type.Object({ redis: CheckState, temporal: CheckState, worker: Type.Optional(CheckState) }),
  asOf: Type.String({ format: 'date-time', description: 'When the checks ran (an answer is served again for about a second).' }),
  reasons: Type.Optional(
    Type.Object(
      { redis: Type.Optional(Type.String()), temporal: Type.Optional(Type.String()), worker: Type.Optional(Type.String()) },
      { description: 'Why each failing check failed: only with the admin token, or when no token is configured at all.' },
    ),
  ),
});
const READY_EXAMPLE = { status: 'ready', checks: { redis: 'ok', temporal: 'ok', worker: 'ok' }, asOf: '2026-11-27T10:00:00.000Z' };
const NOT_READY_EXAMPLE = { status: 'not-ready', checks: { redis: 'down', temporal: 'ok', worker: 'ok' }, asOf: '2026-11-27T10:00:00.000Z' };
const NOT_READY_ADMIN_EXAMPLE = { ...NOT_READY_EXAMPLE, reasons: { redis: 'Connection is closed.' } };
const METRICS_EXAMPLE = [
  '# HELP delay_callback_registrations_total Callbacks registered; replayed="true" for idempotent replays.',
  '# TYPE delay_callback_registrations_total counter',
  'delay_callback_registrations_total{app="orders",replayed="false"} 42',
].join('\n');

type CheckName = 'redis' | 'temporal' | 'worker';
type CheckResult = { ok: true } | { ok: false; reason: string };

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err instanceof Error ? err.message : String(err)).slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (app, { checks, registry, timeoutMs, readinessCacheMs = 1_000 }) => {
  const config = { rateLimit: false } as const;
  // No token on these, whatever the document's default security says.
  const security: Array<Record<string, string[]>> = [];
  // Probes and scrapes arrive every few seconds: keep them out of the info log.
  const logLevel = 'warn';
  app.get(
    '/healthz',
    {
      config,
      logLevel,
      schema: {
        summary: 'Liveness',
        description: 'The process is up (it checks nothing else; see /readyz).',
        tags: ['operations'],
        security,
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Up.', examples: [{ status: 'ok' }] }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  // However many probes and anonymous callers arrive, the dependencies are checked about once a second.
  const readiness = new CoalescingCache<Partial<Record<CheckName, CheckResult>>>({ ttlMs: readinessCacheMs });
  let wasReady: boolean | undefined;
  const runChecks = async (): Promise<Partial<Record<CheckName, CheckResult>>> => {
    const [redis, temporal] = await Promise.all([probe(checks.redis, timeoutMs), probe(checks.temporal, timeoutMs)]);
    const workerState = checks.worker?.();
    const worker: CheckResult | undefined =
      workerState === undefined ? undefined : workerState === 'running' ? { ok: true } : { ok: false, reason: `service worker is ${workerState}` };
    const results = worker ? { redis, temporal, worker } : { redis, temporal };
    const ready = Object.values(results).every((result) => result.ok);
    // The reasons go to the log (once per change), since anonymous callers do not see them.
    if (ready !== wasReady) {
      const reasons = Object.fromEntries(Object.entries(results).flatMap(([name, result]) => (result.ok ? [] : [[name, result.reason]])));
      if (ready) app.log.info('ready');
      else app.log.warn({ reasons }, 'not ready');
      wasReady = ready;
    }
    return results;
  };

  app.get(
    '/readyz',
    {
      config,
      logLevel,
      schema: {
        summary: 'Readiness',
        description:
          'Redis and Temporal reachable and the in-process service worker running; 503 otherwise, naming the failing check. ' +
          'Checked at most about once a second (`asOf`). Why a check failed (`reasons`) is shown only with the admin token ' +
          '(`Authorization: Bearer <admin token>`), or when no token is configured at all.',
        tags: ['operations'],
        security,
        response: {
          200: { ...Readiness, description: 'Ready.', examples: [READY_EXAMPLE] },
          503: {
            ...Readiness,
            description: 'Not ready; the failing check is "down" (header Retry-After). With the admin token, `reasons` says why.',
            examples: [NOT_READY_EXAMPLE, NOT_READY_ADMIN_EXAMPLE],
          },
        },
      },
    },
    async (request, reply) => {
      const { value: results, computedAt } = await readiness.get('readiness', '', runChecks);
      const entries = Object.entries(results) as Array<[CheckName, CheckResult]>;
      const ready = entries.every(([, result]) => result.ok);
      const body: Static<typeof Readiness> = {
        status: ready ? 'ready' : 'not-ready',
        checks: Object.fromEntries(entries.map(([name, result]) => [name, result.ok ? 'ok' : 'down'])) as Static<typeof Readiness>['checks'],
        asOf: new Date(computedAt).toISOString(),
      };
      if (!ready && (app.isAdminRequest(request) || !app.authEnabled)) {
        body.reasons = Object.fromEntries(entries.flatMap(([name, result]) => (result.ok ? [] : [[name, result.reason]])));
      }
      if (!ready) reply.header('retry-after', '5');
      return reply.code(ready ? 200 : 503).send(body);
    },
  );

  app.get(
    '/metrics',
    {
      config,
      logLevel,
      schema: {
        summary: 'Prometheus metrics',
        description:
          'Registrations, idempotent replays, cancels, reschedules, fires, attempts by outcome, fire lateness, HTTP latency ' +
          'and the process metrics, in the Prometheus text format.',
        tags: ['operations'],
        security,
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4.', examples: [METRICS_EXAMPLE] }) },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};
