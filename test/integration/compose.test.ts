/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose
 * file against the Compose Specification's JSON schema (as shipped by the dclint
 * package), and against the project: every command's entry file is built into the
 * image, every variable set on our processes is one they read (and valid), the
 * Temporal images get only variables they know, and addresses point at real services.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { temporalOptionsFromEnv } from '../../client-sdk/index.js';
import { CONFIG_VARIABLES, loadConfig } from '../../server/config.js';
import { searchAttributes } from '../../workflows/contract.js';
import { envReadBy, interpolate, TEMPORAL_IMAGE_VARIABLES, type ComposeService } from '../helpers/compose-file.js';

const root = join(import.meta.dirname, '..', '..');
const raw = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
// Compose resolves YAML anchors and merge keys (`<<:`), then ${VAR:-default} interpolation.
const compose = interpolate(parse(raw, { merge: true })) as { services: Record<string, ComposeService>; configs?: Record<string, unknown> };
const services = compose.services;
const ours = Object.entries(services).filter(([, s]) => s.build !== undefined);
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const serviceVariables = new Set(CONFIG_VARIABLES.filter((v) => !v.description.startsWith('Scripts only')).map((v) => v.name));

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    const schemaPath = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const valid = validate(parse(raw, { merge: true }));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema must be able to fail: a typo'd key is refused.
    expect(validate({ services: { facade: { image: 'x', restrat: 'always' } } })).toBe(false);
  });

  it('has the topology of the issue: Temporal on PostgreSQL with schema setup, Web UI, Redis, 2 facades, service worker, app worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['app-worker', 'facade', 'postgresql', 'redis', 'service-worker', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui'].sort(),
    );
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(services.temporal?.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services.facade?.deploy?.replicas).toBe(2);
    expect(services.facade?.environment?.RUN_WORKER).toBe('false');
    expect(services['service-worker']?.command).toEqual(['node', 'dist/server/worker-main.js']);
  });

  it('creates both databases the server uses and applies the schema to each', () => {
    const script = String(services['temporal-schema']?.command);
    const env = services.temporal?.environment ?? {};
    for (const [db, schema] of [[env.DBNAME, 'postgresql/v12/temporal'], [env.VISIBILITY_DBNAME, 'postgresql/v12/visibility']]) {
      expect(script).toContain(`--db ${db} create-database`);
      expect(script).toContain(`--db ${db} setup-schema -v 0.0`);
      expect(script).toContain(`--db ${db} update-schema --schema-name ${schema}`);
    }
  });

  it('registers exactly the search attributes the workflow writes, with their types', () => {
    const script = String(services['temporal-setup']?.command);
    const registered = [...script.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}:${m[2]!.toUpperCase()}`);
    expect(registered.sort()).toEqual(Object.values(searchAttributes).map((key) => `${key.name}:${key.type}`).sort());
  });

  it('gives every long-running service a restart policy, and a health check to every service others wait on', () => {
    for (const [name, service] of Object.entries(services)) {
      const oneShot = /^on-failure/.test(service.restart ?? '');
      expect({ name, restart: service.restart }).toEqual({ name, restart: oneShot ? expect.stringMatching(/^on-failure:\d+$/) : 'unless-stopped' });
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]?.healthcheck, `${dependency} health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(services[dependency]?.restart).toMatch(/^on-failure/);
      }
    }
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'redis', 'facade', 'service-worker']) {
      expect(services[name]?.healthcheck?.test, name).toBeDefined();
    }
  });

  it('runs entry files that the build emits into the image', () => {
    const include = (JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
    expect(ours.map(([name]) => name).sort()).toEqual(['app-worker', 'facade', 'service-worker']);
    for (const [name, service] of ours) {
      const [node, entry] = service.command as string[];
      expect(node, name).toBe('node');
      const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
      const folder = source.split('/')[0]!;
      expect(include, `${name}: tsconfig.build.json includes ${folder}`).toContain(folder);
      expect(dockerfile, `${name}: the Dockerfile copies ${folder}`).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    }
  });

  it('sets on our processes only variables they read, with values they accept', () => {
    for (const [name, service] of ours) {
      const env = service.environment ?? {};
      const entry = (service.command as string[])[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      const known = entry.startsWith('server/') ? serviceVariables : envReadBy(join(root, entry));
      expect(Object.keys(env).filter((key) => !known.has(key)), `${name} sets variables its entry does not read`).toEqual([]);
      if (entry.startsWith('server/')) {
        const config = loadConfig(env);
        expect(config.host).toBe('0.0.0.0');
        // The health check probes the port the process listens on.
        expect(JSON.stringify(service.healthcheck?.test)).toContain(`127.0.0.1:${config.port}/`);
      } else {
        expect(temporalOptionsFromEnv(env).address).toBe(env.TEMPORAL_ADDRESS);
      }
    }
    // The scanner must be able to fail: the example worker does not read REDIS_URL.
    expect(envReadBy(join(root, 'examples/demo-worker.ts')).has('REDIS_URL')).toBe(false);
    expect(envReadBy(join(root, 'examples/demo-worker.ts')).has('DELAY_CALLBACK_URL')).toBe(true);
  });

  it('gives the Temporal images only variables of their own', () => {
    for (const [name, service] of Object.entries(services)) {
      const image = String(service.image ?? '').split(':')[0]!;
      if (service.build !== undefined) continue;
      const known = TEMPORAL_IMAGE_VARIABLES[image];
      expect(known, `${name}: an image the test knows (${image})`).toBeDefined();
      expect(Object.keys(service.environment ?? {}).filter((key) => !known!.has(key)), name).toEqual([]);
    }
  });

  it('points every address at a service of the file, on the port that service listens on', () => {
    const listens: Record<string, string> = { temporal: '7233', redis: '6379', facade: String(services.facade?.environment?.PORT) };
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!['TEMPORAL_ADDRESS', 'REDIS_URL', 'DELAY_CALLBACK_URL'].includes(key)) continue;
        const { hostname, port } = new URL(value.includes('://') ? value : `grpc://${value}`);
        expect(services[hostname], `${name}.${key} -> ${hostname}`).toBeDefined();
        expect(port, `${name}.${key}`).toBe(listens[hostname]);
      }
    }
  });
});

describe('Dockerfile', () => {
  it('builds in one stage with npm ci && npm run build and runs from another, as a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\w+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'runtime']);
    const [build, runtime] = dockerfile.split(/^FROM .* AS runtime$/m);
    expect(build).toMatch(/^RUN npm ci\b/m);
    expect(build).toMatch(/^RUN npm run build\b/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/server\/main\.js"\]$/m);
    // Everything it copies from the context exists.
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) expect(existsSync(join(root, source!)), source).toBe(true);
  });

  it('keeps the build context small: tests, local data and dependencies stay out', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.data', 'test']) expect(ignored).toContain(entry);
  });
});
