import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import { cidrProblem, ipFamily, throwProblems } from '../platform/checks';
import { Identity, objectLabels, selectorLabels } from '../platform/labels';

/** A workload as NetworkPolicies see it: its pods' `app` label. */
export interface Peer {
  readonly identity: Identity;
}

/** A workload that listens: its pods' label and container port. */
export interface Listener extends Peer {
  readonly containerPort: number;
}

/** An edge's data plane as NetworkPolicies see it: its namespace and, where known, its pods' labels. */
export interface EdgePeer {
  readonly dataPlaneNamespace: string;
  readonly dataPlanePodLabels?: Readonly<Record<string, string>>;
}

/** cert-manager's label on its HTTP-01 solver pods, which answer ACME challenges on this port. */
export const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
export const ACME_SOLVER_PORT = 8089;

/** What a CloudNativePG cluster's instances talk to besides each other. */
export interface ClusterPeers {
  /** The instances' metrics port, which Prometheus scrapes. */
  readonly metricsPort: number;
  /** Whether the instances archive WAL and base backups to S3 (HTTPS egress). */
  readonly archivesToS3: boolean;
  /**
   * Namespace of the CloudNativePG operator, which calls the instances' status port.
   * @default 'cnpg-system'
   */
  readonly operatorNamespace?: string;
  /**
   * Address ranges of the Kubernetes API server as pods reach it once the `kubernetes` Service is
   * resolved (its EndpointSlice), IPv4 and, on a dual-stack or IPv6 cluster, IPv6: the instance
   * manager calls it on 443 and 6443. Narrow it to the control plane.
   * @default ['0.0.0.0/0']
   */
  readonly apiServerCIDRs?: readonly string[];
}

export interface NetworkPoliciesProps {
  /**
   * The edges that serve the host (two while migrating from one provider to the other): only their
   * data planes reach the app, and cert-manager's HTTP-01 solver pods.
   */
  readonly edges: readonly EdgePeer[];
  /** The API: reached by the edge, talks to the databases and the internet. */
  readonly app: Listener;
  /** Celery workers: talk to the databases and the internet. */
  readonly workers: readonly Peer[];
  /**
   * Celery beat: talks to the databases only. It enqueues the periodic tasks; the workers run them.
   * @default - no scheduler
   */
  readonly scheduler?: Peer;
  readonly postgres: Listener;
  readonly redis: Listener;
  /**
   * The migration Job: talks to PostgreSQL only.
   * @default - no migrations
   */
  readonly migrations?: Peer;
  /** Talks to PostgreSQL (and, when it uploads, to S3 over HTTPS). */
  readonly backup: Peer & { readonly uploadsToS3: boolean };
  /** Scraped by Prometheus; each talks to its database. */
  readonly exporters: ReadonlyArray<Listener & { readonly database: Listener }>;
  /**
   * CloudNativePG: the instances also talk to each other, to the Kubernetes API and (for PITR) to
   * S3, and the operator and Prometheus reach them.
   * @default - PostgreSQL runs as the StatefulSet
   */
  readonly postgresCluster?: ClusterPeers;
  /**
   * Namespace of Prometheus.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
  /**
   * Labels of the Prometheus pods in `prometheusNamespace`: only they reach the metrics ports, not
   * every pod of that namespace (Grafana, Alertmanager, ...).
   * @default - `app.kubernetes.io/name: prometheus`, which prometheus-operator (kube-prometheus-stack) sets on them
   */
  readonly prometheusPodLabels?: Readonly<Record<string, string>>;
  /**
   * Namespace of the cluster DNS.
   * @default 'kube-system'
   */
  readonly dnsNamespace?: string;
  /**
   * Address of NodeLocal DNSCache on every node (usually `169.254.20.10`), which pods query on port
   * 53 when the cluster runs it; it is link-local, so only an explicit rule lets pods reach it.
   * @default - no NodeLocal DNSCache: pods query the cluster DNS only
   */
  readonly nodeLocalDNSAddress?: string;
}

/** The CloudNativePG instance manager's status port, which the operator and the other instances call. */
export const CNPG_STATUS_PORT = 8000;

/** IPv4 ranges that are never the internet (private, link-local incl. cloud metadata, CGNAT, loopback): egress on 443 excludes them. */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
];

/**
 * IPv6 ranges that are never the internet: unique local (fc00::/7), link-local (fe80::/10), loopback,
 * and IPv4-mapped addresses (::ffff:0:0/96), which would otherwise reach private IPv4 ranges.
 */
export const PRIVATE_RANGES_V6 = ['fc00::/7', 'fe80::/10', '::1/128', '::ffff:0:0/96'];

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const pods = (...peers: readonly Peer[]): k8s.NetworkPolicyPeer => ({
  podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: peers.map((p) => p.identity.name).sort() }] },
});
const hostCIDR = (ip: string): string => `${ip}/${ipFamily(ip) === 4 ? 32 : 128}`;
const namespace = (name: string): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});

/**
 * Least-privilege network: everything is denied (ingress and egress), then each workload gets one
 * policy `allow-<name>` that opens exactly what it needs, plus DNS for every pod.
 */
export class NetworkPolicies extends Construct {
  /** The edges' data planes, which reach the app and the ACME solver. */
  public readonly edges: readonly EdgePeer[];
  public readonly prometheusNamespace: string;
  public readonly prometheusPodLabels: Readonly<Record<string, string>>;
  public readonly dnsNamespace: string;
  /** NodeLocal DNSCache's address, when the cluster runs it. */
  public readonly nodeLocalDNSAddress?: string;
  /** CloudNativePG only: the operator's namespace and the API server's addresses. */
  public readonly cnpg?: { readonly operatorNamespace: string; readonly apiServerCIDRs: readonly string[] };
  /** The pods cert-manager starts for an HTTP-01 challenge: their labels and port, which the edge reaches. */
  public readonly acmeSolver = { labels: { [ACME_SOLVER_LABEL]: 'true' }, port: ACME_SOLVER_PORT } as const;

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    this.edges = [...props.edges];
    this.prometheusNamespace = props.prometheusNamespace ?? 'monitoring';
    this.prometheusPodLabels = { ...(props.prometheusPodLabels ?? { 'app.kubernetes.io/name': 'prometheus' }) };
    this.dnsNamespace = props.dnsNamespace ?? 'kube-system';
    this.nodeLocalDNSAddress = props.nodeLocalDNSAddress;
    this.cnpg = props.postgresCluster && {
      operatorNamespace: props.postgresCluster.operatorNamespace ?? 'cnpg-system',
      apiServerCIDRs: [...(props.postgresCluster.apiServerCIDRs ?? ['0.0.0.0/0'])],
    };
    throwProblems(this, [
      this.nodeLocalDNSAddress !== undefined && ipFamily(this.nodeLocalDNSAddress) === 0
        ? `nodeLocalDNSAddress must be an IP address, got ${JSON.stringify(this.nodeLocalDNSAddress)}`
        : undefined,
      this.cnpg?.apiServerCIDRs.length === 0
        ? 'postgresCluster.apiServerCIDRs must name at least one range'
        : undefined,
      ...(this.cnpg?.apiServerCIDRs ?? []).map((cidr, i) => {
        const problem = cidrProblem(cidr);
        return problem && `postgresCluster.apiServerCIDRs[${i}] is ${JSON.stringify(cidr)}: it ${problem}`;
      }),
      Object.keys(this.prometheusPodLabels).length === 0
        ? 'prometheusPodLabels must name at least one label: {} would admit every pod of the namespace'
        : undefined,
    ]);
    const labels = objectLabels({ name: 'easyflow-network', component: 'network-policy' });
    const policy = (name: string, spec: k8s.NetworkPolicySpec): void => {
      new k8s.KubeNetworkPolicy(this, name, { metadata: { name, labels }, spec });
    };
    const selecting = (peer: Peer): k8s.LabelSelector => ({ matchLabels: selectorLabels(peer.identity.name) });
    const internet: k8s.NetworkPolicyEgressRule = {
      to: [
        { ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } },
        { ipBlock: { cidr: '::/0', except: PRIVATE_RANGES_V6 } },
      ],
      ports: [tcp(443)],
    };
    const toDatabases: k8s.NetworkPolicyEgressRule[] = [
      { to: [pods(props.postgres)], ports: [tcp(props.postgres.containerPort)] },
      { to: [pods(props.redis)], ports: [tcp(props.redis.containerPort)] },
    ];
    const fromPrometheus = (port: number): k8s.NetworkPolicyIngressRule => ({
      from: [{ ...namespace(this.prometheusNamespace), podSelector: { matchLabels: { ...this.prometheusPodLabels } } }],
      ports: [tcp(port)],
    });
    const scheduler = props.scheduler ? [props.scheduler] : [];

    const fromEdges: k8s.NetworkPolicyPeer[] = props.edges.map((e) => ({
      ...namespace(e.dataPlaneNamespace),
      ...(e.dataPlanePodLabels && { podSelector: { matchLabels: { ...e.dataPlanePodLabels } } }),
    }));

    policy('default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { ...namespace(this.dnsNamespace), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
            ...(this.nodeLocalDNSAddress ? [{ ipBlock: { cidr: hostCIDR(this.nodeLocalDNSAddress) } }] : []),
          ],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        },
      ],
    });
    policy(`allow-${props.app.identity.name}`, {
      podSelector: selecting(props.app),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: fromEdges, ports: [tcp(props.app.containerPort)] }, fromPrometheus(props.app.containerPort)],
      egress: [...toDatabases, internet],
    });
    // cert-manager runs the HTTP-01 solver pods in this namespace; the edge forwards the challenge.
    policy('allow-acme-http01-solver', {
      podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: 'true' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: fromEdges, ports: [tcp(ACME_SOLVER_PORT)] }],
    });
    for (const worker of props.workers) {
      policy(`allow-${worker.identity.name}`, {
        podSelector: selecting(worker),
        policyTypes: ['Ingress', 'Egress'],
        egress: [...toDatabases, internet],
      });
    }
    for (const beat of scheduler) {
      policy(`allow-${beat.identity.name}`, {
        podSelector: selecting(beat),
        policyTypes: ['Ingress', 'Egress'],
        egress: toDatabases,
      });
    }
    const exportersOf = (db: Listener): Peer[] => props.exporters.filter((e) => e.database === db);
    const clients: k8s.NetworkPolicyIngressRule = {
      from: [
        pods(
          props.app,
          ...props.workers,
          ...scheduler,
          props.backup,
          ...(props.migrations ? [props.migrations] : []),
          ...exportersOf(props.postgres),
        ),
      ],
      ports: [tcp(props.postgres.containerPort)],
    };
    const cnpg = props.postgresCluster && this.cnpg && { ...props.postgresCluster, ...this.cnpg };
    const instancePorts = [tcp(props.postgres.containerPort), tcp(CNPG_STATUS_PORT)];
    policy(`allow-${props.postgres.identity.name}`, {
      podSelector: selecting(props.postgres),
      policyTypes: ['Ingress', 'Egress'],
      ingress: cnpg
        ? [
            clients,
            { from: [pods(props.postgres)], ports: instancePorts },
            {
              from: [
                {
                  ...namespace(cnpg.operatorNamespace),
                  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
                },
              ],
              ports: instancePorts,
            },
            fromPrometheus(cnpg.metricsPort),
          ]
        : [clients],
      egress: cnpg
        ? [
            { to: [pods(props.postgres)], ports: instancePorts },
            { to: cnpg.apiServerCIDRs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443), tcp(6443)] },
            ...(cnpg.archivesToS3 ? [internet] : []),
          ]
        : undefined,
    });
    policy(`allow-${props.redis.identity.name}`, {
      podSelector: selecting(props.redis),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [pods(props.app, ...props.workers, ...scheduler, ...exportersOf(props.redis))],
          ports: [tcp(props.redis.containerPort)],
        },
      ],
    });
    policy(`allow-${props.backup.identity.name}`, {
      podSelector: selecting(props.backup),
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        { to: [pods(props.postgres)], ports: [tcp(props.postgres.containerPort)] },
        ...(props.backup.uploadsToS3 ? [internet] : []),
      ],
    });
    if (props.migrations) {
      policy(`allow-${props.migrations.identity.name}`, {
        podSelector: selecting(props.migrations),
        policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [pods(props.postgres)], ports: [tcp(props.postgres.containerPort)] }],
      });
    }
    for (const exporter of props.exporters) {
      policy(`allow-${exporter.identity.name}`, {
        podSelector: selecting(exporter),
        policyTypes: ['Ingress', 'Egress'],
        ingress: [fromPrometheus(exporter.containerPort)],
        egress: [{ to: [pods(exporter.database)], ports: [tcp(exporter.database.containerPort)] }],
      });
    }
  }
}
