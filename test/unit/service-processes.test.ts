/** scripts/lib/service-processes.ts: where npm start and npm run dev put the service worker's port, and where they find the compiled code. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_DIR, PROJECT_ROOT, serviceWorkerPort } from '../../scripts/lib/service-processes.js';

describe('serviceWorkerPort', () => {
  it('is SERVICE_WORKER_PORT when set, else the facade port + 1', () => {
    expect(serviceWorkerPort({}, 8080)).toBe(8081);
    expect(serviceWorkerPort({ SERVICE_WORKER_PORT: ' ' }, 9000)).toBe(9001);
    expect(serviceWorkerPort({ SERVICE_WORKER_PORT: '9464' }, 8080)).toBe(9464);
  });

  it('refuses a value that is not a port, naming the variable', () => {
    for (const bad of ['x', '0', '65536', '80.5', '-1']) expect(() => serviceWorkerPort({ SERVICE_WORKER_PORT: bad }, 8080)).toThrow(/SERVICE_WORKER_PORT/);
  });
});

describe('paths', () => {
  it('finds the project root and dist/ from the sources too', () => {
    expect(PROJECT_ROOT).toBe(resolve(import.meta.dirname, '..', '..'));
    expect(DIST_DIR).toBe(resolve(PROJECT_ROOT, 'dist'));
  });
});
