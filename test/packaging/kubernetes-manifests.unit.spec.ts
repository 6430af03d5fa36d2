import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { type IContainer } from 'kubernetes-models/v1/Container';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_SHUTDOWN_DRAIN_MS } from '../../src/config/deployment-config.js';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/stop-on-signals.js';
import { describe, expect, it } from 'vitest';

/**
 * deploy/: every manifest against the Kubernetes API's JSON schemas (those the
 * kubernetes-models package carries: offline), and the promises the runbook makes of them.
 */
const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

/** The kinds deploy/ may hold, each with its schema's model. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface Manifest {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

const files = (await readdir(DEPLOY)).filter((file) => file.endsWith('.yaml')).sort();
const kustomization = files.includes('kustomization.yaml')
  ? ((await parseYaml('kustomization.yaml'))[0] as { resources: string[] })
  : undefined;
const manifests: Manifest[] = [];
for (const file of files.filter((name) => name !== 'kustomization.yaml')) {
  for (const document of await parseYaml(file)) manifests.push({ ...document, file } as Manifest);
}

async function parseYaml(file: string): Promise<Record<string, unknown>[]> {
  const documents = parseAllDocuments(await readFile(join(DEPLOY, file), 'utf8'));
  return (Array.isArray(documents) ? documents : [documents]).map((document) => {
    expect(document.errors, file).toEqual([]);
    return document.toJS() as Record<string, unknown>;
  });
}

/** The object as applied: without the file name it was read from. */
function applied(manifest: Manifest): Record<string, unknown> {
  return Object.fromEntries(Object.entries(manifest).filter(([key]) => key !== 'file'));
}

function find<T>(kind: string, name: string): T {
  const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  expect(manifest, `${kind} ${name}`).toBeDefined();
  return manifest as T;
}

type DeploymentManifest = Manifest & InstanceType<typeof Deployment>;

function containerOf(deployment: DeploymentManifest): IContainer {
  const containers = deployment.spec!.template.spec!.containers;
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

describe('deploy/', () => {
  it('holds the manifests the kustomization lists, and only those', () => {
    expect(kustomization?.resources.sort()).toEqual(
      files.filter((file) => file !== 'kustomization.yaml'),
    );
  });

  it.each(manifests.map((manifest) => [`${manifest.file}: ${manifest.kind}`, manifest] as const))(
    '%s is valid against the Kubernetes schema',
    (_, manifest) => {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model, `a schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      expect(() => new Model!(applied(manifest) as never).validate()).not.toThrow();
    },
  );

  it('rejects what the schemas refuse (the check is not vacuous)', () => {
    const api = find<DeploymentManifest>('Deployment', 'ledger-api');
    const broken = structuredClone(applied(api)) as Record<string, Record<string, unknown>>;
    broken['spec']!['replicas'] = 'two';
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });
});

describe.each([
  { name: 'ledger-api', role: 'api', minReplicas: 2 },
  { name: 'ledger-worker', role: 'worker', minReplicas: 2 },
])('the $role Deployment', ({ name, role, minReplicas }) => {
  const deployment = find<DeploymentManifest>('Deployment', name);
  const container = containerOf(deployment);
  const pod = deployment.spec!.template.spec!;

  it(`runs LEDGER_ROLE=${role}, configured by the ConfigMap and the Secret`, () => {
    expect(container.env).toContainEqual({ name: 'LEDGER_ROLE', value: role });
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'ledger-config' } },
      { secretRef: { name: 'ledger-secrets' } },
    ]);
    find('ConfigMap', 'ledger-config');
    find('Secret', 'ledger-secrets');
  });

  it('has replicas, probes, resources and a rolling update that keeps capacity', () => {
    expect(deployment.spec!.replicas).toBeGreaterThanOrEqual(minReplicas);
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe?.timeoutSeconds).toBeLessThan(probe!.periodSeconds!);
    }
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(deployment.spec!.strategy).toMatchObject({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0 },
    });
    // Longer than the preStop sleep plus the app's own bound on a stop (drain, then close).
    const preStopSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const stopSeconds = (DEFAULT_SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS) / 1_000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + stopSeconds);
  });

  it('runs as a non-root user on a read-only root filesystem', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/var/lib/ledger']));
  });

  it('is covered by a PodDisruptionBudget that selects its pods', () => {
    const budget = find<Manifest & InstanceType<typeof PodDisruptionBudget>>(
      'PodDisruptionBudget',
      name,
    );
    expect(budget.spec!.selector!.matchLabels).toEqual(deployment.spec!.selector.matchLabels);
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(
      budget.spec!.selector!.matchLabels!,
    );
  });
});

describe('the Service, the ConfigMap and the Secret', () => {
  it('sends traffic to the API pods only, on their named port', () => {
    const service = find<Manifest & InstanceType<typeof Service>>('Service', 'ledger-api');
    const api = find<DeploymentManifest>('Deployment', 'ledger-api');
    const worker = find<DeploymentManifest>('Deployment', 'ledger-worker');
    const selects = (labels: Record<string, string> | undefined): boolean =>
      Object.entries(service.spec!.selector!).every(([key, value]) => labels?.[key] === value);
    expect(selects(api.spec!.template.metadata!.labels)).toBe(true);
    expect(selects(worker.spec!.template.metadata!.labels)).toBe(false);
    const ports = containerOf(api).ports!.map((port) => port.name);
    expect(ports).toContain(service.spec!.ports![0]!.targetPort);
  });

  it('keeps secrets out of the ConfigMap, and placeholders only in the Secret', () => {
    const config = find<Manifest & { data: Record<string, string> }>('ConfigMap', 'ledger-config');
    const secret = find<Manifest & { stringData: Record<string, string> }>(
      'Secret',
      'ledger-secrets',
    );
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'LEDGER_JWT_SECRET']);
    for (const value of Object.values(secret.stringData)) expect(value).toContain('CHANGE-ME');
    for (const key of Object.keys(config.data)) {
      expect(key).not.toMatch(/SECRET|PASSWORD|TOKEN|DATABASE_URL|DATABASE_READ_URL/);
    }
    expect(config.data).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
    expect(config.data).not.toHaveProperty('LEDGER_ROLE');
  });
});
