import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { dump, load } from 'js-yaml';
import type { EasyflowChart } from '../lib/easyflow-chart';
import { AppConfig, AppConfigProps } from '../lib/workloads/app-config';
import { AppRuntime } from '../lib/workloads/app-runtime';
import { AppSecrets } from '../lib/workloads/app-secrets';
import type { EdgeProps } from '../lib/workloads/edge';
import { Postgres } from '../lib/workloads/postgres';
import { Redis } from '../lib/workloads/redis';
import { WebApp } from '../lib/workloads/web-app';
import type { Resources } from '../lib/platform/resources';
import { Rendered, synthEnvironment } from '../lib/pipeline/synth';
import { loadConfig, loadEnvironments, parseConfig } from '../lib/pipeline/config';
import type { EnvironmentConfig } from '../lib/environment';
import type { Manifest } from '../lib/validation/schema';
import { renderCached } from './render-cache';

export const ROOT = path.join(__dirname, '..');
export const CONFIG_DIR = path.join(ROOT, 'config');
export const FIXTURES = path.join(__dirname, 'fixtures');

/** The environments config/ defines, by file name: the list follows an environment added or removed. */
export const ENVIRONMENTS = loadEnvironments(CONFIG_DIR).map((e) => e.name);

/**
 * Writes `to` over the first `from` in `file`, both the same length, and puts the modification
 * time back: the edit that size-and-time checks cannot see.
 */
export function sameSizeEdit(file: string, from: string, to: string): void {
  if (to.length !== from.length) throw new Error(`"${from}" and "${to}" differ in length`);
  const { atime, mtime } = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  fs.writeFileSync(file, text.replace(from, to));
  fs.utimesSync(file, atime, mtime);
}

/** One environment's values as config/<env>.yaml states them: what its tests expect to find in dist/. */
export function configOf(env: string): EnvironmentConfig {
  return loadConfig(path.join(CONFIG_DIR, `${env}.yaml`));
}

/** The text of a fixture file. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

let cache: Rendered | undefined;

/** Everything a synth of the committed config writes, rendered once per content (see render-cache.ts). */
export function rendered(): Rendered {
  cache ??= renderCached(CONFIG_DIR);
  return cache;
}

/** The objects of one output folder (`prod`, `gitops/argocd`, ...). */
export function manifestsOf(folder: string): readonly Manifest[] {
  const manifests = rendered().folders.get(folder);
  if (!manifests) throw new Error(`no output folder ${folder}`);
  return manifests;
}

/** The files directly in one output folder, by file name. */
export function filesOf(folder: string): Map<string, string> {
  const prefix = `${folder}/`;
  return new Map(
    [...rendered().files]
      .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map(([p, c]) => [p.slice(prefix.length), c]),
  );
}

/** The one object of `kind` named `name`; fails the test when there is none. */
export function find(manifests: readonly Manifest[], kind: string, name: string): any {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  }
  return found[0];
}

export function allOf(manifests: readonly Manifest[], kind: string): any[] {
  return manifests.filter((m) => m.kind === kind);
}

/** An empty chart to build one construct in, and a function that synthesizes it. */
export function scratch(): { chart: Chart; synth: () => Manifest[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'test', disableResourceNameHashes: true });
  return { chart, synth: () => Testing.synth(chart) as Manifest[] };
}

/** A scratch chart holding the app, for the edge constructs that route to it. */
export function withApp(): ReturnType<typeof scratch> & { app: WebApp } {
  const s = scratch();
  const app = new WebApp(s.chart, 'app', {
    runtime: basics(s.chart).runtime,
    resources: SMALL,
    instance: 'i',
    minReplicas: 1,
    maxReplicas: 1,
  });
  return { ...s, app };
}

export const SMALL: Resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };

/** The shared dependencies most constructs take, built with minimal props in `chart`. */
export function basics(chart: Chart, config: Partial<AppConfigProps> = {}) {
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'easyflow/test' });
  const postgres = new Postgres(chart, 'postgres', {
    image: 'docker.io/library/postgres:15.10-alpine',
    secrets,
    storage: { size: '1Gi' },
    resources: SMALL,
    instance: 'easyflow-test',
  });
  const redis = new Redis(chart, 'redis', {
    image: 'docker.io/library/redis:7.4.1-alpine',
    secrets,
    storage: { size: '1Gi' },
    resources: SMALL,
    instance: 'easyflow-test',
  });
  const appConfig = new AppConfig(chart, 'config', { environment: 'test', ...config });
  const runtime = new AppRuntime({
    repository: 'ghcr.io/easyflow/easyflow',
    tag: '1.2.3',
    config: appConfig,
    secrets,
    postgres,
    redis,
  });
  return { secrets, config: appConfig, postgres, redis, runtime };
}

/** The StatefulSet-mode block of a PostgreSQL config, as the guide runs it. */
export const STATEFULSET_POSTGRES = `postgres:
  mode: statefulset
  image: docker.io/library/postgres:15.10-alpine@sha256:${'1'.repeat(64)}
  database: easyflow
  user: postgres
`;

/** An environment's objects with its config text edited (the edit must change something). */
export function renderEdited(env: string, edit: (text: string) => string): Manifest[] {
  const file = path.join(CONFIG_DIR, `${env}.yaml`);
  const text = fs.readFileSync(file, 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error(`the edit changed nothing in ${file}`);
  return synthEnvironment(parseConfig(`config/${env}.yaml`, edited)).toJson() as Manifest[];
}

/** prod as it would be in the StatefulSet mode: the guide's single PostgreSQL. */
export function prodWithStatefulSet(): Manifest[] {
  return renderEdited('prod', (t) =>
    t.replace(/postgres:\n(?: {2}#.*\n)?(?: {2}(?:mode|instances|image|database|user):.*\n)+/, STATEFULSET_POSTGRES),
  );
}

/**
 * Every EdgeProps field but the app, each away from its default: the all-props input that both
 * edge constructs (Gateway API and ingress-nginx) take.
 */
export const ALL_EDGE_PROPS: Omit<Required<EdgeProps>, 'app'> = {
  host: 'api.example.com',
  clusterIssuer: 'corp-ca',
  tlsSecretName: 'api-tls',
  rateLimitRps: 5,
  burst: 15,
  webhookBurst: 50,
  proxyTimeoutSeconds: 120,
  hstsMaxAgeSeconds: 600,
  dataPlaneNamespace: 'edge',
  requestsCertificate: false,
};

/** The chart of a fixture environment (`test/fixtures/<name>.yaml`), independent of config/. */
export function fixtureChart(name: string): EasyflowChart {
  return synthEnvironment(parseConfig(`config/${name}.yaml`, fixture(`${name}.yaml`)));
}

/** One environment's chart from its committed config, optionally changed as data first. */
export function environmentChart(env: string, change: (config: any) => void = () => undefined): EasyflowChart {
  const config: any = load(fs.readFileSync(path.join(CONFIG_DIR, `${env}.yaml`), 'utf8'));
  change(config);
  return synthEnvironment(parseConfig(`config/${env}.yaml`, dump(config)));
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (labels, grouping, functions and numbers left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n.toLowerCase())))].sort();
}
