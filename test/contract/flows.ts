/**
 * The connectivity contract: every flow the stack needs, and flows that must stay denied, between
 * named peers. test/contract/connectivity.test.ts evaluates each environment's NetworkPolicies
 * against it (lib/validation/network.ts). To add a peer (a Gateway API edge, say), add its endpoints
 * to `peersOf` and its flows here.
 */
import type { EasyflowChart } from '../../lib/easyflow-chart';
import { Endpoint, Protocol, inCIDR } from '../../lib/validation/network';
import { ACME_SOLVER_LABEL, ACME_SOLVER_PORT } from '../../lib/workloads/network-policies';
import type { Manifest } from '../../lib/validation/schema';

/** One row of the contract. */
export interface FlowSpec {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol?: Protocol;
  /** Whether the flow must pass (true) or be denied (false). */
  readonly allow: boolean;
  /** Why: what breaks (allow) or what it protects (deny). */
  readonly why: string;
  /** Only in environments where this holds. */
  readonly when?: (chart: EasyflowChart) => boolean;
}

const s3 = (c: EasyflowChart): boolean => c.environment.backup.s3 !== undefined;
const cnpg = (c: EasyflowChart): boolean => c.network.cnpg !== undefined;
/** CloudNativePG with the API server's ranges narrowed (none is every address). */
const narrowed = (c: EasyflowChart): boolean =>
  c.network.cnpg !== undefined && c.network.cnpg.apiServerCIDRs.every((r) => !r.endsWith('/0'));

/** The stack's own pods that talk to the databases. */
const APP_PODS = ['easyflow-app', 'celery-worker', 'celery-beat'];
/** Those of them that call OpenAI and Telegram; beat only enqueues the periodic tasks. */
const INTERNET_PODS = ['easyflow-app', 'celery-worker'];
/** Every pod of the environment (each needs DNS). */
const OUR_PODS = [
  ...APP_PODS,
  'easyflow-migrate',
  'postgres-backup',
  'postgres',
  'redis',
  'postgres-exporter',
  'redis-exporter',
];

const each = (froms: readonly string[], row: Omit<FlowSpec, 'from'>): FlowSpec[] =>
  froms.map((from) => ({ ...row, from }));

export const FLOWS: readonly FlowSpec[] = [
  // The edge.
  { from: 'client', to: 'edge', port: 443, allow: true, why: 'users reach the proxy (no policy of ours applies)' },
  { from: 'edge', to: 'easyflow-app', port: 8000, allow: true, why: 'the proxy routes every request to the API' },
  {
    from: 'edge',
    to: 'acme-solver',
    port: ACME_SOLVER_PORT,
    allow: true,
    why: "cert-manager's HTTP-01 challenge, or the TLS certificate is never issued",
  },
  // The app and Celery.
  ...each(APP_PODS, { to: 'postgres', port: 5432, allow: true, why: 'the app database' }),
  ...each(APP_PODS, { to: 'redis', port: 6379, allow: true, why: "Celery's broker, cache and sessions" }),
  ...each(INTERNET_PODS, { to: 'internet', port: 443, allow: true, why: 'OpenAI and Telegram, over IPv4 and IPv6' }),
  {
    from: 'celery-beat',
    to: 'internet',
    port: 443,
    allow: false,
    why: 'beat only enqueues the periodic tasks: the workers call the outside world',
  },
  ...each(APP_PODS, { to: 'internet', port: 80, allow: false, why: 'the internet only over HTTPS' }),
  ...each(APP_PODS, {
    to: 'private-addresses',
    port: 443,
    allow: false,
    why: 'no private, link-local (cloud metadata), CGNAT, ULA or IPv4-mapped addresses',
  }),
  ...each(APP_PODS, { to: 'other-namespace', port: 8000, allow: false, why: "no other namespace's pods" }),
  ...each(APP_PODS, { to: 'other-namespace', port: 5432, allow: false, why: "no other namespace's pods" }),
  // DNS for everyone.
  ...OUR_PODS.flatMap((from) =>
    (['UDP', 'TCP'] as const).flatMap((protocol): FlowSpec[] => [
      { from, to: 'kube-dns', port: 53, protocol, allow: true, why: 'name resolution' },
      { from, to: 'node-local-dns', port: 53, protocol, allow: true, why: 'NodeLocal DNSCache, where configured' },
    ]),
  ),
  // Migrations and the backup.
  { from: 'easyflow-migrate', to: 'postgres', port: 5432, allow: true, why: 'the migration' },
  { from: 'easyflow-migrate', to: 'internet', port: 443, allow: false, why: 'a migration needs no internet' },
  { from: 'postgres-backup', to: 'postgres', port: 5432, allow: true, why: 'pg_dump' },
  { from: 'postgres-backup', to: 'object-storage', port: 443, allow: true, why: 'the S3 upload', when: s3 },
  {
    from: 'postgres-backup',
    to: 'object-storage',
    port: 443,
    allow: false,
    why: 'no upload configured: no egress',
    when: (c) => !s3(c),
  },
  // Monitoring.
  { from: 'prometheus', to: 'easyflow-app', port: 8000, allow: true, why: "the API's /metrics" },
  { from: 'prometheus', to: 'postgres-exporter', port: 9187, allow: true, why: 'postgres_exporter' },
  { from: 'prometheus', to: 'redis-exporter', port: 9121, allow: true, why: 'redis_exporter' },
  { from: 'prometheus', to: 'postgres', port: 9187, allow: true, why: "CloudNativePG's metrics", when: cnpg },
  { from: 'prometheus', to: 'postgres', port: 5432, allow: false, why: 'only metrics ports' },
  ...(
    [
      ['easyflow-app', 8000],
      ['postgres-exporter', 9187],
      ['redis-exporter', 9121],
    ] as const
  ).map(([to, port]): FlowSpec => ({
    from: 'monitoring-neighbour',
    to,
    port,
    allow: false,
    why: "only Prometheus's pods scrape, not every pod of its namespace (Grafana, Alertmanager)",
  })),
  {
    from: 'monitoring-neighbour',
    to: 'postgres',
    port: 9187,
    allow: false,
    why: "only Prometheus's pods scrape, not every pod of its namespace (Grafana, Alertmanager)",
    when: cnpg,
  },
  { from: 'postgres-exporter', to: 'postgres', port: 5432, allow: true, why: 'what it exports' },
  { from: 'redis-exporter', to: 'redis', port: 6379, allow: true, why: 'what it exports' },
  // CloudNativePG.
  ...[5432, 8000].flatMap((port): FlowSpec[] => [
    { from: 'cnpg-operator', to: 'postgres', port, allow: true, why: 'the operator manages the instances', when: cnpg },
    { from: 'postgres', to: 'postgres', port, allow: true, why: 'replication and instance status', when: cnpg },
  ]),
  ...[443, 6443].map((port): FlowSpec => ({
    from: 'postgres',
    to: 'api-server',
    port,
    allow: true,
    why: 'the instance manager watches its Cluster',
    when: cnpg,
  })),
  ...[443, 6443].map((port): FlowSpec => ({
    from: 'postgres',
    to: 'api-server-elsewhere',
    port,
    allow: false,
    why: 'the instance manager reaches the API server only in network.apiServerCIDR',
    when: narrowed,
  })),
  { from: 'postgres', to: 'object-storage', port: 443, allow: true, why: 'WAL archive', when: (c) => cnpg(c) && s3(c) },
  {
    from: 'postgres',
    to: 'internet',
    port: 443,
    allow: false,
    why: 'a database without archive never reaches the internet (once network.apiServerCIDR is narrowed)',
    when: (c) => !s3(c) && narrowed(c),
  },
  // What must stay closed.
  { from: 'internet', to: 'postgres', port: 5432, allow: false, why: 'the database is never public' },
  { from: 'internet', to: 'easyflow-app', port: 8000, allow: false, why: 'only through the proxy' },
  { from: 'other-namespace', to: 'postgres', port: 5432, allow: false, why: 'namespace isolation' },
  { from: 'other-namespace', to: 'easyflow-app', port: 8000, allow: false, why: 'namespace isolation' },
  { from: 'edge', to: 'postgres', port: 5432, allow: false, why: 'the proxy reaches the API only' },
  {
    from: 'edge-namespace-neighbour',
    to: 'easyflow-app',
    port: 8000,
    allow: false,
    why: "a Gateway API edge admits only this Gateway's Envoy pods, not another Gateway's in its namespace",
    when: (c) => c.network.edges.some((e) => e.dataPlanePodLabels !== undefined),
  },
  ...[
    'internet',
    'edge',
    'other-namespace',
    'prometheus',
    'postgres-backup',
    'easyflow-migrate',
    'postgres-exporter',
  ].map((from): FlowSpec => ({ from, to: 'redis', port: 6379, allow: false, why: 'Redis accepts its clients only' })),
  { from: 'redis', to: 'internet', port: 443, allow: false, why: 'Redis has no egress' },
];

/** A config change that switches on every feature the contract has conditional rows for. */
export const everything = (config: any): void => {
  config.migrations = { command: ['alembic', 'upgrade', 'head'] };
  config.network = { ...config.network, nodeLocalDNSAddress: '169.254.20.10' };
  config.backup.s3 ??= { bucket: 'easyflow-backups', image: 'docker.io/amazon/aws-cli:2.22.13' };
};

/** A stand-in address of each kind the contract names. */
const ADDRESSES = {
  internet: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  objectStorage: ['52.218.0.10', '2600:1fa0:4000::10'],
  private: [
    '10.1.2.3',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '127.0.0.1',
    'fd00:ec2::254',
    'fe80::1',
    '::1',
    '::ffff:10.1.2.3',
  ],
};

/** A stand-in address in `cidr` (its first host), or a public one when the range is everything. */
function addressIn(cidr: string): string {
  const [network, bits] = cidr.split('/');
  if (Number(bits) === 0) return network.includes(':') ? '2001:db8::10' : '192.0.2.10';
  if (network.includes(':')) return network.endsWith('::') ? `${network}1` : network;
  const parts = network.split('.').map(Number);
  parts[3] += 1;
  return parts.join('.');
}

/** Every endpoint of each peer the contract names, in one environment; absent peers map to []. */
export function peersOf(chart: EasyflowChart, manifests: readonly Manifest[]): Map<string, Endpoint[]> {
  const ns = chart.environment.namespace;
  const net = chart.network;
  let host = 0;
  const pod = (namespace: string, labels: Record<string, string>, namedPorts: Endpoint['namedPorts'] = {}) => ({
    namespace,
    labels,
    namedPorts,
    ip: `10.244.${Math.floor(++host / 250)}.${host % 250}`,
  });
  const external = (ips: readonly string[]): Endpoint[] => ips.map((ip) => ({ ip }));
  const peers = new Map<string, Endpoint[]>([
    ['client', external(['198.51.100.7', '2001:db8:1::7'])],
    ['internet', external(ADDRESSES.internet)],
    ['object-storage', external(ADDRESSES.objectStorage)],
    ['private-addresses', external(ADDRESSES.private)],
    [
      'edge',
      net.edges.map((e) =>
        pod(e.dataPlaneNamespace, { 'app.kubernetes.io/name': 'edge-proxy', ...e.dataPlanePodLabels }),
      ),
    ],
    [
      'edge-namespace-neighbour',
      net.edges
        .filter((e) => e.dataPlanePodLabels !== undefined)
        .map((e) =>
          pod(e.dataPlaneNamespace, {
            'app.kubernetes.io/name': 'envoy',
            'gateway.envoyproxy.io/owning-gateway-name': 'other',
          }),
        ),
    ],
    ['acme-solver', [pod(ns, { [ACME_SOLVER_LABEL]: 'true' }, { http: { port: ACME_SOLVER_PORT } })]],
    ['kube-dns', [pod(net.dnsNamespace, { 'k8s-app': 'kube-dns' })]],
    ['node-local-dns', net.nodeLocalDNSAddress ? external([net.nodeLocalDNSAddress]) : []],
    ['prometheus', [pod(net.prometheusNamespace, { ...net.prometheusPodLabels })]],
    // Grafana next to Prometheus: same namespace, not a Prometheus pod.
    ['monitoring-neighbour', [pod(net.prometheusNamespace, { 'app.kubernetes.io/name': 'grafana' })]],
    [
      'cnpg-operator',
      net.cnpg ? [pod(net.cnpg.operatorNamespace, { 'app.kubernetes.io/name': 'cloudnative-pg' })] : [],
    ],
    ['api-server', net.cnpg ? external(net.cnpg.apiServerCIDRs.map(addressIn)) : []],
    // Cluster-internal addresses (so no internet rule admits them) outside the API server's ranges.
    [
      'api-server-elsewhere',
      external(ADDRESSES.private.filter((ip) => !(net.cnpg?.apiServerCIDRs ?? []).some((r) => inCIDR(ip, r)))),
    ],
    // Another team's pods carry the very labels ours do: only the namespace tells them apart.
    ['other-namespace', [pod('other-team', { app: 'easyflow-app' }), pod('other-team', { app: 'postgres' })]],
    // Only with migrations on; the workloads below replace it.
    ['easyflow-migrate', []],
  ]);
  for (const m of manifests as any[]) {
    const template =
      m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec?.template?.spec ? m.spec.template : undefined;
    if (template) {
      const named = Object.fromEntries(
        template.spec.containers.flatMap((c: any) =>
          (c.ports ?? []).map((p: any) => [p.name, { port: p.containerPort }]),
        ),
      );
      peers.set(template.metadata.labels.app, [pod(ns, template.metadata.labels, named)]);
    }
    if (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1') {
      const labels = { ...m.spec.inheritedMetadata.labels, 'cnpg.io/cluster': m.metadata.name };
      const instances = Array.from({ length: m.spec.instances }, () => pod(ns, labels));
      peers.set(labels.app, instances);
    }
  }
  return peers;
}
