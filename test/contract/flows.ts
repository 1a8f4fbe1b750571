/**
 * The connectivity contract: every flow the stack needs, and flows that must stay denied, between
 * named peers. test/contract/connectivity.test.ts evaluates each environment's NetworkPolicies
 * against it (lib/validation/network.ts). To add a peer (a Gateway API edge, say), add its endpoints
 * to `peersOf` in lib/pipeline/peers.ts and its flows here.
 */
import type { EasyflowChart } from '../../lib/easyflow-chart';
import type { Endpoint, Protocol } from '../../lib/validation/network';
import { ACME_SOLVER_PORT } from '../../lib/workloads/network-policies';
import { peersOf as environmentPeers } from '../../lib/pipeline/peers';
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

/** Every endpoint of each peer the contract names, in one environment; absent peers map to []. */
export function peersOf(chart: EasyflowChart, manifests: readonly Manifest[]): Map<string, Endpoint[]> {
  return environmentPeers(chart.environment.namespace, chart.network, manifests);
}
