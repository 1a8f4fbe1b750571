import {
  NetworkPolicies,
  NetworkPoliciesProps,
  ACME_SOLVER_LABEL,
  ACME_SOLVER_PORT,
  PRIVATE_RANGES,
  PRIVATE_RANGES_V6,
} from '../../lib/workloads/network-policies';
import { OWNING_GATEWAY_NAME, OWNING_GATEWAY_NAMESPACE } from '../../lib/workloads/gateway';
import { ENVIRONMENTS, allOf, configOf, find, manifestsOf } from '../helpers';
import { SMALL, basics, prodWithStatefulSet, renderEdited, scratch } from '../charts';
import { WebApp } from '../../lib/workloads/web-app';

const prod = manifestsOf('prod');
/** prod in the StatefulSet mode, where PostgreSQL is a pod of ours. */
const statefulSet = prodWithStatefulSet();
const policy = (name: string) => find(prod, 'NetworkPolicy', name).spec;
const apps = (peer: any): string[] => peer.podSelector.matchExpressions[0].values;

test('default deny of ingress and egress for every pod', () => {
  expect(policy('default-deny-all')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
});

test('DNS to the cluster DNS only', () => {
  const egress = policy('allow-dns').egress[0];
  expect(egress.to).toEqual([
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ]);
  expect(egress.ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
});

test("the gateway's data plane and Prometheus reach the app on 8000, from their configured namespaces", () => {
  const ingress = policy('allow-easyflow-app').ingress;
  expect(
    ingress.map((r: any) => [r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], r.ports[0].port]),
  ).toEqual([
    ['envoy-gateway-system', 8000],
    ['monitoring', 8000],
  ]);
  // Only the Prometheus pods (prometheus-operator's label by default), not Grafana next to them.
  expect(ingress[1].from[0].podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prometheus' } });
  // Only this Gateway's Envoy pods, not every gateway of the cluster's Envoy Gateway.
  expect(ingress[0].from[0].podSelector).toEqual({
    matchLabels: { [OWNING_GATEWAY_NAME]: 'easyflow-gateway', [OWNING_GATEWAY_NAMESPACE]: 'easyflow' },
  });
});

test("ACME HTTP-01: the edge's data plane reaches cert-manager's solver pods on 8089, nothing else does", () => {
  const solver = policy('allow-acme-http01-solver');
  expect(solver.podSelector).toEqual({ matchLabels: { [ACME_SOLVER_LABEL]: 'true' } });
  expect(solver.policyTypes).toEqual(['Ingress', 'Egress']);
  expect(solver.egress).toBeUndefined();
  expect(solver.ingress).toEqual([
    { from: policy('allow-easyflow-app').ingress[0].from, ports: [{ protocol: 'TCP', port: ACME_SOLVER_PORT }] },
  ]);
});

test('app and workers reach postgres and redis, and the internet on 443 but not private ranges', () => {
  for (const name of ['allow-easyflow-app', 'allow-celery-worker']) {
    const egress = policy(name).egress;
    expect(egress.map((r: any) => r.ports[0].port)).toEqual([5432, 6379, 443]);
    expect(egress[2].to).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } },
      { ipBlock: { cidr: '::/0', except: PRIVATE_RANGES_V6 } },
    ]);
  }
  expect(PRIVATE_RANGES).toEqual(
    expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']),
  );
});

test('celery beat reaches postgres and redis only: it enqueues tasks, the workers call the internet', () => {
  expect(policy('allow-celery-beat').egress).toEqual(policy('allow-celery-worker').egress.slice(0, 2));
});

test('postgres accepts only the app, Celery, the backup and its exporter; redis only the app, Celery and its exporter', () => {
  for (const manifests of [statefulSet, prod]) {
    const pg = find(manifests, 'NetworkPolicy', 'allow-postgres').spec;
    expect(apps(pg.ingress[0].from[0])).toEqual([
      'celery-beat',
      'celery-worker',
      'easyflow-app',
      'postgres-backup',
      'postgres-exporter',
    ]);
    expect(pg.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
  }
  expect(apps(policy('allow-redis').ingress[0].from[0])).toEqual([
    'celery-beat',
    'celery-worker',
    'easyflow-app',
    'redis-exporter',
  ]);
});

test('StatefulSet mode: PostgreSQL itself may not open any connection', () => {
  const pg = find(statefulSet, 'NetworkPolicy', 'allow-postgres').spec;
  expect(pg.policyTypes).toEqual(['Ingress', 'Egress']);
  expect(pg.egress).toBeUndefined();
  expect(pg.ingress).toHaveLength(1);
});

test('CloudNativePG mode: instances replicate to each other, the operator and Prometheus reach them, they reach the API', () => {
  const pg = policy('allow-postgres');
  const ports = (rule: any) => rule.ports.map((p: any) => p.port);
  expect(apps(pg.ingress[1].from[0])).toEqual(['postgres']);
  expect(ports(pg.ingress[1])).toEqual([5432, 8000]);
  expect(pg.ingress[2].from[0]).toEqual({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
  });
  expect(ports(pg.ingress[2])).toEqual([5432, 8000]);
  expect(ports(pg.ingress[3])).toEqual([9187]);
  expect(apps(pg.egress[0].to[0])).toEqual(['postgres']);
  expect(pg.egress[1]).toEqual({
    to: configOf('prod').network!.apiServerCIDR!.map((cidr) => ({ ipBlock: { cidr } })),
    ports: [
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 6443 },
    ],
  });
});

test('backup and exporters talk only to their database; Prometheus scrapes the exporters', () => {
  const backup = policy('allow-postgres-backup').egress;
  expect(backup[0]).toEqual({
    to: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['postgres'] }] } }],
    ports: [{ protocol: 'TCP', port: 5432 }],
  });
  // prod uploads each archive to S3 (backup.s3): HTTPS to the internet, nothing else.
  expect(backup.slice(1).map((r: any) => r.ports)).toEqual([[{ protocol: 'TCP', port: 443 }]]);
  expect(policy('allow-postgres-exporter').ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9187 }]);
  expect(apps(policy('allow-redis-exporter').egress[0].to[0])).toEqual(['redis']);
});

test.each(ENVIRONMENTS)('%s: every port a policy opens is a port a container listens on', (env) => {
  const manifests = manifestsOf(env);
  // CloudNativePG instances listen on PostgreSQL, the instance manager and its metrics.
  const listening = new Set<number>(manifests.some((m) => m.kind === 'Cluster') ? [5432, 8000, 9187] : []);
  // cert-manager's HTTP-01 solver pods, which it starts in this namespace while a challenge runs.
  listening.add(ACME_SOLVER_PORT);
  for (const w of [...allOf(manifests, 'Deployment'), ...allOf(manifests, 'StatefulSet')]) {
    for (const c of w.spec.template.spec.containers) for (const p of c.ports ?? []) listening.add(p.containerPort);
  }
  for (const p of allOf(manifests, 'NetworkPolicy')) {
    for (const rule of p.spec.ingress ?? []) for (const port of rule.ports) expect(listening).toContain(port.port);
  }
});

test('the internet over IPv6 too, without ULA, link-local, loopback or IPv4-mapped addresses', () => {
  expect(policy('allow-easyflow-app').egress[2].to[1]).toEqual({
    ipBlock: { cidr: '::/0', except: PRIVATE_RANGES_V6 },
  });
  expect(PRIVATE_RANGES_V6).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10', '::ffff:0:0/96']));
});

test('NodeLocal DNSCache, when configured, is reachable on 53', () => {
  const manifests = renderEdited('prod', (t) =>
    t.replace('network:\n', 'network:\n  nodeLocalDNSAddress: 169.254.20.10\n'),
  );
  expect(find(manifests, 'NetworkPolicy', 'allow-dns').spec.egress[0].to[1]).toEqual({
    ipBlock: { cidr: '169.254.20.10/32' },
  });
  expect(() =>
    renderEdited('prod', (t) => t.replace('network:\n', 'network:\n  nodeLocalDNSAddress: node-local\n')),
  ).toThrow(
    'config/prod.yaml: network.nodeLocalDNSAddress is "node-local": it must be an IPv4 address such as 169.254.20.10',
  );
});

/** NetworkPolicies in a scratch chart with minimal props and `extra`; returns the construct call. */
function buildWith(extra: Partial<NetworkPoliciesProps>): () => NetworkPolicies {
  const { chart } = scratch();
  const { postgres, redis, runtime } = basics(chart);
  const app = new WebApp(chart, 'app', { runtime, resources: SMALL, instance: 'i', minReplicas: 1, maxReplicas: 1 });
  const props: NetworkPoliciesProps = {
    edges: [{ dataPlaneNamespace: 'edge' }],
    app,
    workers: [],
    postgres,
    redis,
    backup: { identity: { name: 'backup', component: 'backup' }, uploadsToS3: false },
    exporters: [],
    ...extra,
  };
  return () => new NetworkPolicies(chart, 'net', props);
}

test('a NodeLocal DNSCache address that is no IP address is refused', () => {
  expect(buildWith({ nodeLocalDNSAddress: 'node-local' })).toThrow(
    'test/net: nodeLocalDNSAddress must be an IP address, got "node-local"',
  );
});

test('API server ranges that are no CIDR and Prometheus pod labels that select everything are refused', () => {
  const postgresCluster = {
    metricsPort: 9187,
    archivesToS3: false,
    apiServerCIDRs: ['10.0.0.0/28', '10.0.0.1', 'fd00::/129'],
  };
  expect(buildWith({ postgresCluster, prometheusPodLabels: {} })).toThrow(
    [
      'test/net: postgresCluster.apiServerCIDRs[1] is "10.0.0.1": it must be a CIDR such as 10.0.0.0/16 or fd00:10::/64 (an IPv4 address then / and 0-32, or an IPv6 address then / and 0-128)',
      'test/net: postgresCluster.apiServerCIDRs[2] is "fd00::/129": it must be a CIDR such as 10.0.0.0/16 or fd00:10::/64 (an IPv4 address then / and 0-32, or an IPv6 address then / and 0-128)',
      'test/net: prometheusPodLabels must name at least one label: {} would admit every pod of the namespace',
    ].join('\n'),
  );
});
