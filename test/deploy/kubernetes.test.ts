import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/platform/config.js';
import { DRAIN_TIMEOUT_MS } from '../../src/platform/in-flight.js';
import { OPERATIONAL_PATHS } from '../../src/slack-in/routes.js';
import { REPO_ROOT } from '../support/app-process.js';

const DIR = join(REPO_ROOT, 'deploy', 'kubernetes');

/** The kinds these manifests may use, each with its offline schema validation. */
const MODELS: Record<string, (object: Record<string, unknown>) => { validate(): void }> = {
  'apps/v1/Deployment': (o) => new Deployment(o as never),
  'v1/Service': (o) => new Service(o as never),
  'v1/ConfigMap': (o) => new ConfigMap(o as never),
  'v1/Secret': (o) => new Secret(o as never),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as never),
};

interface Manifest {
  file: string;
  object: Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };
}

const manifests: Manifest[] = readdirSync(DIR, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
  .flatMap((e) => {
    const file = relative(DIR, join(e.parentPath, e.name));
    return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return { file, object: doc.toJS() as Manifest['object'] };
    });
  });

function find<T>(kind: string, name: string): T {
  const found = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} under deploy/kubernetes`);
  return found.object as T;
}

type Probe = { httpGet?: { path: string; port: string | number }; periodSeconds?: number; failureThreshold?: number };
interface Container {
  name: string;
  image: string;
  ports: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface DeploymentObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
    };
  };
}
interface ServiceObject {
  spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
}

const app = find<DeploymentObject>('Deployment', 'polychat');
const pod = app.spec.template;
const container = pod.spec.containers.find((c) => c.name === 'polychat') as Container;
const configMap = find<{ data: Record<string, string> }>('ConfigMap', 'polychat');
const secret = find<{ stringData: Record<string, string> }>('Secret', 'polychat');

/** The environment a pod gets: the ConfigMap and the Secret example resolved as Kubernetes would. */
function podEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef !== undefined)
      Object.assign(env, find<{ data: Record<string, string> }>('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef !== undefined)
      Object.assign(env, find<{ stringData: Record<string, string> }>('Secret', from.secretRef.name).stringData);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value =
      ref === undefined
        ? variable.value
        : find<{ stringData: Record<string, string> }>('Secret', ref.name).stringData[ref.key];
    if (value === undefined) throw new Error(`${variable.name} refers to a key the Secret example does not have`);
    env[variable.name] = value;
  }
  return env;
}

/** Every variable the app reads, found by watching parseConfig read an environment. */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy(podEnv(), {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  parseConfig(env);
  return read;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/kubernetes', () => {
  it('is valid against the Kubernetes API schema, object by object', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(6);
    for (const { file, object } of manifests) {
      const model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(model, `${file}: ${object.apiVersion} ${object.kind} is a kind this test validates`).toBeDefined();
      expect(() => model?.(object).validate(), `${file}: ${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('has a test that can tell an invalid manifest', () => {
    const broken = structuredClone(app) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it('gives the pod an environment the app starts with: Redis for the fleet, the secrets from the Secret', () => {
    const env = podEnv();
    const config = parseConfig(env);
    expect(config.storeUrl).toMatch(/^redis:\/\//);
    expect(config.slack.appToken).toBeUndefined();
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'POLYAI_API_KEY']) {
      expect(Object.keys(secret.stringData)).toContain(name);
      expect(Object.keys(configMap.data)).not.toContain(name);
    }
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/REPLACE-ME/);
  });

  it('names only variables the app reads and the README documents', () => {
    const read = variablesRead();
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    for (const name of Object.keys(podEnv())) {
      expect(read, `${name} is read by src/platform/config.ts`).toContain(name);
      expect(documented, `${name} is in README's configuration table`).toContain(name);
    }
  });

  it('runs several replicas on the port the app listens on, with liveness on /healthz and readiness on /readyz', () => {
    const config = parseConfig(podEnv());
    expect(app.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(selects(app.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const http = container.ports.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(config.port);
    expect(container.livenessProbe?.httpGet).toEqual({ path: OPERATIONAL_PATHS.health, port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: OPERATIONAL_PATHS.ready, port: 'http' });
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('stops taking traffic before the port closes, and lets the drain finish before SIGKILL', () => {
    const config = parseConfig(podEnv());
    const probe = container.readinessProbe as Required<Pick<Probe, 'periodSeconds' | 'failureThreshold'>>;
    // Readiness fails within the delay during which the port stays open after SIGTERM.
    expect(probe.periodSeconds * probe.failureThreshold * 1000).toBeLessThan(config.shutdownDelayMs);
    expect((pod.spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(
      config.shutdownDelayMs + DRAIN_TIMEOUT_MS,
    );
  });

  it('puts a Service and a PodDisruptionBudget in front of those pods', () => {
    const service = find<ServiceObject>('Service', 'polychat');
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    for (const port of service.spec.ports) expect(container.ports.map((p) => p.name)).toContain(port.targetPort);
    const pdb = find<{ spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
      'polychat',
    );
    expect(selects(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBeLessThan(app.spec.replicas);
  });

  it('tells Prometheus to scrape /metrics on the app port', () => {
    const annotations = pod.metadata.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/path']).toBe(OPERATIONAL_PATHS.metrics);
    expect(Number(annotations['prometheus.io/port'])).toBe(parseConfig(podEnv()).port);
  });

  it('ships a quick-start Redis whose Service is the one STORE_URL names', () => {
    const url = new URL(parseConfig(podEnv()).storeUrl);
    const service = find<ServiceObject>('Service', url.hostname);
    expect(service.spec.ports.map((p) => p.port)).toContain(Number(url.port));
    const redis = find<DeploymentObject>('Deployment', url.hostname);
    expect(selects(service.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    const ports = redis.spec.template.spec.containers.flatMap((c) => c.ports);
    const target = service.spec.ports.find((p) => p.port === Number(url.port))?.targetPort;
    expect(ports.some((p) => p.name === target || p.containerPort === target)).toBe(true);
  });
});
