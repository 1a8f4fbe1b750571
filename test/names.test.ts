/**
 * Names a cluster already knows. A rename of any of these would make Kubernetes create a new
 * object next to the old one (and for a StatefulSet or claim, a new empty database), so each is
 * pinned here: changing one must be a deliberate edit of this list.
 */
import { ENVIRONMENTS, configOf, manifestsOf } from './helpers';

/** Objects the guide names, plus every stateful or externally referenced object we add. */
const KNOWN: ReadonlyArray<readonly [string, string]> = [
  ['ConfigMap', 'easyflow-config'],
  ['Service', 'easyflow-app-service'],
  ['Service', 'easyflow-app-pods'],
  ['Deployment', 'easyflow-app'],
  ['HorizontalPodAutoscaler', 'easyflow-app-hpa'],
  ['StatefulSet', 'redis'],
  ['Service', 'redis'],
  ['CronJob', 'postgres-backup'],
  ['PersistentVolumeClaim', 'backup-pvc'],
  ['Deployment', 'celery-worker'],
  ['Deployment', 'celery-beat'],
  ['Service', 'postgres-exporter'],
  ['Service', 'redis-exporter'],
  ['ConfigMap', 'prometheus-config'],
  ['ConfigMap', 'easyflow-grafana-dashboard'],
];

/** PostgreSQL's names per mode: the guide's StatefulSet and Service, or the operator's Cluster. */
const POSTGRES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  statefulset: [
    ['StatefulSet', 'postgres'],
    ['Service', 'postgres'],
  ],
  cloudnativepg: [
    ['Cluster', 'postgres'],
    ['ExternalSecret', 'postgres-credentials'],
    ['Service', 'postgres-metrics'],
  ],
};

/** The edge's names per provider: a renamed Ingress or Gateway would drop the certificate or the address. */
const EDGE: Record<string, ReadonlyArray<readonly [string, string]>> = {
  'ingress-nginx': [
    ['Ingress', 'easyflow-ingress'],
    ['Ingress', 'easyflow-webhook-ingress'],
    ['Ingress', 'easyflow-health-ingress'],
    ['Ingress', 'easyflow-static-ingress'],
    ['ConfigMap', 'easyflow-security-headers'],
    ['ConfigMap', 'easyflow-static-headers'],
  ],
  'gateway-api': [
    ['Gateway', 'easyflow-gateway'],
    ['HTTPRoute', 'easyflow-https-redirect'],
    ['HTTPRoute', 'easyflow-api'],
    ['HTTPRoute', 'easyflow-webhook'],
    ['HTTPRoute', 'easyflow-health'],
    ['HTTPRoute', 'easyflow-static'],
    ['ClientTrafficPolicy', 'easyflow-https'],
  ],
};

const edgeOf = (env: string) => (manifestsOf(env).some((m) => m.kind === 'Gateway') ? 'gateway-api' : 'ingress-nginx');

const modeOf = (env: string) => (manifestsOf(env).some((m) => m.kind === 'Cluster') ? 'cloudnativepg' : 'statefulset');

test.each(ENVIRONMENTS)('%s runs the PostgreSQL mode its config names', (env) => {
  expect(modeOf(env)).toBe(configOf(env).postgres.mode ?? 'statefulset');
});

test('every environment runs on gateway-api', () => {
  expect(ENVIRONMENTS.filter((e) => edgeOf(e) !== 'gateway-api')).toEqual([]);
});

test.each(ENVIRONMENTS)('%s keeps every known name', (env) => {
  const present = new Set(manifestsOf(env).map((m) => `${m.kind}/${m.metadata.name}`));
  const known = [...KNOWN, ...POSTGRES[modeOf(env)]!, ...EDGE[edgeOf(env)]!];
  expect(known.map(([kind, name]) => `${kind}/${name}`).filter((k) => !present.has(k))).toEqual([]);
});

test('prod: the namespace, the secret and the TLS secret keep the guide names', () => {
  const prod = manifestsOf('prod');
  expect(prod.find((m) => m.kind === 'Namespace')!.metadata.name).toBe('easyflow');
  expect(prod.find((m) => m.kind === 'ExternalSecret')!.metadata.name).toBe('easyflow-secrets');
  const gateway = prod.find((m) => m.kind === 'Gateway') as any;
  expect(gateway.spec.listeners.find((l: any) => l.name === 'https').tls.certificateRefs[0].name).toBe('easyflow-tls');
});

test.each(ENVIRONMENTS)('%s: the data claims of the StatefulSets keep their names', (env) => {
  const claims = manifestsOf(env)
    .filter((m) => m.kind === 'StatefulSet')
    .flatMap((s: any) => s.spec.volumeClaimTemplates.map((t: any) => `${t.metadata.name}-${s.metadata.name}-0`))
    .sort();
  expect(claims).toEqual(modeOf(env) === 'statefulset' ? ['data-postgres-0', 'data-redis-0'] : ['data-redis-0']);
});

test.each(ENVIRONMENTS)('%s: no name carries a generated hash', (env) => {
  const hashed = manifestsOf(env)
    .map((m) => m.metadata.name)
    .filter((n) => /-c8[0-9a-f]{6,}$/.test(n) || /[0-9a-f]{8}$/.test(n));
  expect(hashed).toEqual([]);
});

test.each(ENVIRONMENTS)('%s: workloads and Services select the plain app label', (env) => {
  const selectors = manifestsOf(env)
    .filter((m) => ['Deployment', 'StatefulSet', 'Service'].includes(m.kind))
    .map((m: any) => [`${m.kind}/${m.metadata.name}`, m.spec.selector.matchLabels ?? m.spec.selector]);
  for (const [object, selector] of selectors) {
    expect({ object, keys: Object.keys(selector) }).toEqual({ object, keys: ['app'] });
  }
  const guide = Object.fromEntries(selectors.map(([o, s]) => [o, s.app]));
  expect(guide).toMatchObject({
    'Deployment/easyflow-app': 'easyflow-app',
    'Service/easyflow-app-service': 'easyflow-app',
    'StatefulSet/redis': 'redis',
    'Service/redis': 'redis',
    ...(modeOf(env) === 'statefulset' ? { 'StatefulSet/postgres': 'postgres', 'Service/postgres': 'postgres' } : {}),
  });
  if (modeOf(env) === 'cloudnativepg') {
    const cluster = manifestsOf(env).find((m) => m.kind === 'Cluster') as any;
    expect(cluster.spec.inheritedMetadata.labels.app).toBe('postgres');
  }
});
