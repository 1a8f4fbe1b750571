/**
 * Who an environment's pods may meet on the network, as endpoints the NetworkPolicy evaluator
 * (validation/network.ts) takes: the environment's own workloads (from its objects) and the peers
 * outside it (the edge's data plane, DNS, Prometheus, the CloudNativePG operator and API server,
 * internet and private addresses, another team's namespace), from the chart's network settings.
 * The connectivity contract (test/contract/) and the SUMMARY.md traffic diagram both use them.
 */
import type { EasyflowChart } from '../easyflow-chart';
import { Endpoint, inCIDR } from '../validation/network';
import type { Manifest } from '../validation/schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- objects are untyped JSON here */

/** A stand-in address of each kind the peers name. */
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

/**
 * A stand-in address in `cidr` (its first host); when the range is everything, a private one, as a
 * cluster's API server endpoints usually are (so the internet rule of the app does not reach it).
 */
function addressIn(cidr: string): string {
  const [network, bits] = cidr.split('/');
  const v6 = network!.includes(':');
  if (Number(bits) === 0) return v6 ? 'fd00:10:96::1' : '10.96.0.1';
  if (v6) return network!.endsWith('::') ? `${network}1` : network!;
  const parts = network!.split('.').map(Number);
  parts[3]! += 1;
  return parts.join('.');
}

/** The network settings of an environment: what its chart's NetworkPolicies were built for. */
export type NetworkSettings = EasyflowChart['network'];

/**
 * Every endpoint of each peer, by name, in one environment; a peer it does not have maps to [].
 * Each workload is a peer named by its pods' `app` label (one endpoint per CloudNativePG instance).
 */
export function peersOf(
  namespace: string,
  net: NetworkSettings,
  manifests: readonly Manifest[],
): Map<string, Endpoint[]> {
  let host = 0;
  const pod = (ns: string, labels: Record<string, string>, namedPorts: Endpoint['namedPorts'] = {}): Endpoint => ({
    namespace: ns,
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
    ['acme-solver', [pod(namespace, { ...net.acmeSolver.labels }, { http: { port: net.acmeSolver.port } })]],
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
      peers.set(template.metadata.labels.app, [pod(namespace, template.metadata.labels, named)]);
    }
    if (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1') {
      const labels = { ...m.spec.inheritedMetadata.labels, 'cnpg.io/cluster': m.metadata.name };
      const instances = Array.from({ length: m.spec.instances }, () => pod(namespace, labels));
      peers.set(labels.app, instances);
    }
  }
  return peers;
}
