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

const CheckResult = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Readiness = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({ redis: CheckResult, temporal: CheckResult, worker: Type.Optional(CheckResult) }),
});

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
  // Probes and scrapes arrive every few seconds: keep them out of the info log.
  const logLevel = 'warn';
  app.get(
    '/healthz',
    { config, logLevel, schema: { summary: 'Liveness', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
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
        response: { 200: Readiness, 503: Readiness },
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
    { config, logLevel, schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};
