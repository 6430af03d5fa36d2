import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readComposeFile } from '../support/compose-file.js';

/** docker-compose.yml: valid YAML, the app split into an api and a worker, all health-checked. */
const { services } = await readComposeFile(
  join(import.meta.dirname, '..', '..', 'docker-compose.yml'),
);

describe('docker-compose.yml', () => {
  it('runs the app as an api and a worker, from the image this repository builds', () => {
    expect(services['app']).toBeUndefined();
    expect(services['api']?.environment?.['LEDGER_ROLE']).toBe('api');
    expect(services['worker']?.environment?.['LEDGER_ROLE']).toBe('worker');
    for (const name of ['api', 'worker']) {
      expect(services[name]!.build, name).toBe('.');
      expect(services[name]!.image, name).toBe(services['api']!.image);
    }
  });

  it('gives both the same configuration but for the role', () => {
    const withoutRole = (name: string): Record<string, string> => {
      const environment = { ...services[name]!.environment };
      delete environment['LEDGER_ROLE'];
      return environment;
    };
    const api = withoutRole('api');
    expect(withoutRole('worker')).toEqual(api);
    expect(api).toHaveProperty('DATABASE_URL');
    // One generated token secret for both: the data directory is one volume.
    expect(services['worker']!.volumes).toEqual(services['api']!.volumes);
  });

  it('health-checks every service, and starts each only once what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(condition, `${name} on ${dependency}`).toBe('service_healthy');
      }
    }
    expect(Object.keys(services['api']!.depends_on!).sort()).toEqual([
      'elasticsearch',
      'eventstore',
      'postgres',
    ]);
    expect(Object.keys(services['worker']!.depends_on!).sort()).toEqual([
      'api',
      'elasticsearch',
      'eventstore',
      'postgres',
    ]);
  });

  it("checks the app's health with Node (the image has no curl), bounded", () => {
    const paths = { api: '/health/ready', worker: '/health/live' };
    for (const [name, path] of Object.entries(paths)) {
      const test = services[name]!.healthcheck!.test as string[];
      expect(test.slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
      expect(test[3], name).toContain(path);
      expect(test[3], name).toContain('AbortSignal.timeout(');
      // Compose would read a $ as one of its variables.
      expect(test[3], name).not.toContain('$');
    }
  });
});
