/** Operations: liveness, readiness (which dependency is down), Prometheus metrics. No token needed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Registry } from 'prom-client';

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
}

const CheckResult = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String({ description: 'Why the check failed.' })) });
const Readiness = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({ redis: CheckResult, temporal: CheckResult, worker: Type.Optional(CheckResult) }),
});
const READY_EXAMPLE = { ready: true, checks: { redis: { ok: true }, temporal: { ok: true }, worker: { ok: true } } };
const NOT_READY_EXAMPLE = {
  ready: false,
  checks: { redis: { ok: false, error: 'Connection is closed.' }, temporal: { ok: true }, worker: { ok: true } },
};
const METRICS_EXAMPLE = [
  '# HELP delay_callback_registrations_total Callbacks registered; replayed="true" for idempotent replays.',
  '# TYPE delay_callback_registrations_total counter',
  'delay_callback_registrations_total{app="orders",replayed="false"} 42',
].join('\n');

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
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
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (app, { checks, registry, timeoutMs }) => {
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

  app.get(
    '/readyz',
    {
      config,
      logLevel,
      schema: {
        summary: 'Readiness',
        description: 'Redis and Temporal reachable and the in-process service worker running; 503 otherwise, naming the failing check.',
        tags: ['operations'],
        security,
        response: {
          200: { ...Readiness, description: 'Ready.', examples: [READY_EXAMPLE] },
          503: { ...Readiness, description: 'Not ready; the failing check says why (header Retry-After).', examples: [NOT_READY_EXAMPLE] },
        },
      },
    },
    async (_request, reply) => {
      const [redis, temporal] = await Promise.all([probe(checks.redis, timeoutMs), probe(checks.temporal, timeoutMs)]);
      const workerState = checks.worker?.();
      const worker =
        workerState === undefined ? undefined : workerState === 'running' ? { ok: true } : { ok: false, error: `service worker is ${workerState}` };
      const ready = redis.ok && temporal.ok && (worker?.ok ?? true);
      if (!ready) reply.header('retry-after', '5');
      return reply.code(ready ? 200 : 503).send({ ready, checks: worker ? { redis, temporal, worker } : { redis, temporal } });
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
