/**
 * Helpers that build charts: a scratch chart for one construct, and environments rendered from
 * edited configs. Apart from test/helpers.ts, which loads no construct: a test file that only reads
 * the committed render does not load cdk8s-plus-27 and the charts. A whole environment's chart is
 * in environment-charts.ts, so that a test of one construct does not load the pipeline.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { AppConfig, AppConfigProps } from '../lib/workloads/app-config';
import { AppRuntime } from '../lib/workloads/app-runtime';
import { AppSecrets } from '../lib/workloads/app-secrets';
import type { EdgeProps } from '../lib/workloads/edge';
import { Postgres } from '../lib/workloads/postgres';
import { Redis } from '../lib/workloads/redis';
import { WebApp } from '../lib/workloads/web-app';
import type { Resources } from '../lib/platform/resources';
import type { Manifest } from '../lib/validation/schema';
import { CONFIG_DIR, UNWRITTEN_OUTDIR } from './helpers';
import { environmentCached } from './render-cache';

/** An empty chart to build one construct in, and a function that synthesizes it. */
export function scratch(): { chart: Chart; synth: () => Manifest[] } {
  const chart = new Chart(new App({ outdir: UNWRITTEN_OUTDIR }), 'test', {
    namespace: 'test',
    disableResourceNameHashes: true,
  });
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
  const stateful = { secrets, storage: { size: '1Gi' }, resources: SMALL, instance: 'easyflow-test' };
  const postgres = new Postgres(chart, 'postgres', { image: 'docker.io/library/postgres:15.10-alpine', ...stateful });
  const redis = new Redis(chart, 'redis', { image: 'docker.io/library/redis:7.4.1-alpine', ...stateful });
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
  return environmentCached(`config/${env}.yaml`, edited);
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
