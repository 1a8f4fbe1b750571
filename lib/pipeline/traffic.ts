/**
 * What may talk to what, as the connectivity evaluator (validation/network.ts) reads the
 * environment's NetworkPolicies: for every pair of peers (lib/pipeline/peers.ts) of which at least
 * one is the environment's own, every port and protocol a policy names is tried, and the flows
 * that pass are listed. SUMMARY.md draws them; `npm run diff` shows the ones a change adds or removes.
 */
import { Endpoint, Policies, Protocol } from '../validation/network';
import type { Manifest } from '../validation/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One allowed flow between two peers, with every port it passes on (`TCP 5432`, `UDP 53`, `TCP any`). */
export interface AllowedFlow {
  readonly from: string;
  readonly to: string;
  readonly ports: readonly string[];
  /** True when only some of the peers' endpoints pass (one address family, say). */
  readonly partial: boolean;
}

/**
 * Peers left out: `client` and `object-storage` are public addresses like `internet`, which stands
 * for them (no policy can tell them apart).
 */
const SAME_AS_INTERNET = new Set(['client', 'object-storage']);

/** A port no policy names: a flow that passes on it passes on any port. */
const ANY_PORT = 1;

interface Probe {
  readonly port: number;
  readonly protocol: Protocol;
}

/** Every port and protocol the policies name, resolving named ports on the destination. */
function probesFor(policies: readonly Obj[], to: Endpoint): Probe[] {
  const seen = new Map<string, Probe>();
  const add = (port: number, protocol: Protocol): void => void seen.set(`${protocol} ${port}`, { port, protocol });
  for (const p of policies) {
    for (const rule of [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])]) {
      for (const entry of rule.ports ?? []) {
        const protocol: Protocol = entry.protocol ?? 'TCP';
        if (typeof entry.port === 'number') add(entry.port, protocol);
        else if (typeof entry.port === 'string' && to.namedPorts?.[entry.port])
          add(to.namedPorts[entry.port]!.port, protocol);
      }
    }
  }
  for (const named of Object.values(to.namedPorts ?? {})) add(named.port, named.protocol ?? 'TCP');
  return [...seen.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}

/** The flows `manifests`' NetworkPolicies allow between `peers`, where one end is in `namespace`. */
export function allowedFlows(
  namespace: string,
  manifests: readonly Manifest[],
  peers: ReadonlyMap<string, readonly Endpoint[]>,
): AllowedFlow[] {
  const policies = (manifests as readonly Obj[]).filter((m) => m.kind === 'NetworkPolicy');
  const evaluator = new Policies(policies);
  const probes = new Map<Endpoint, Probe[]>();
  const probesTo = (to: Endpoint): Probe[] => {
    let found = probes.get(to);
    if (!found) {
      found = probesFor(policies, to);
      probes.set(to, found);
    }
    return found;
  };
  const ours = (e: Endpoint): boolean => e.namespace === namespace;
  const names = [...peers.keys()].filter((n) => !SAME_AS_INTERNET.has(n)).sort();
  const out: AllowedFlow[] = [];
  for (const from of names) {
    for (const to of names) {
      const pairs = peers
        .get(from)!
        .flatMap((a) => peers.get(to)!.map((b) => [a, b] as const))
        .filter(([a, b]) => a !== b && (ours(a) || ours(b)));
      if (pairs.length === 0) continue;
      const ports: string[] = [];
      let partial = false;
      const passes = (port: number, protocol: Protocol): boolean => {
        const results = pairs.map(([a, b]) => evaluator.allows({ from: a, to: b, port, protocol }));
        if (results.some(Boolean) && !results.every(Boolean)) partial = true;
        return results.some(Boolean);
      };
      for (const protocol of ['TCP', 'UDP'] as const) {
        if (passes(ANY_PORT, protocol)) {
          ports.push(`${protocol} any`);
          continue;
        }
        const tried = probesTo(pairs[0]![1]).filter((p) => p.protocol === protocol);
        for (const probe of tried) if (passes(probe.port, probe.protocol)) ports.push(`${protocol} ${probe.port}`);
      }
      if (ports.length > 0) out.push({ from, to, ports, partial });
    }
  }
  return out;
}

/** A flow as one line of SUMMARY.md's list (and of `npm run diff`). */
export function flowLine(f: AllowedFlow): string {
  return `${f.from} → ${f.to}: ${f.ports.join(', ')}${f.partial ? ' (some addresses only)' : ''}`;
}

/** What the diagram calls each peer outside the environment. */
const OUTSIDE: Record<string, string> = {
  internet: 'Internet (public addresses, object storage)',
  'private-addresses': 'private addresses',
  edge: 'edge proxy',
  'edge-namespace-neighbour': "another Gateway's proxy",
  'acme-solver': 'ACME HTTP-01 solver',
  'kube-dns': 'cluster DNS',
  'node-local-dns': 'NodeLocal DNSCache',
  prometheus: 'Prometheus',
  'cnpg-operator': 'CloudNativePG operator',
  'api-server': 'Kubernetes API server',
  'other-namespace': "another namespace's pods",
};

const nodeId = (peer: string): string => `p_${peer.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The Mermaid lines: each workload (shaped by kind), each outside peer with a flow, each flow. */
export function diagram(flows: readonly AllowedFlow[], workloads: ReadonlyMap<string, string>): string[] {
  const lines = ['```mermaid', 'flowchart LR'];
  const shape = (peer: string): string => {
    const kind = workloads.get(peer);
    if (kind === undefined) return `(("${OUTSIDE[peer] ?? peer}"))`;
    if (kind === 'Cluster') return `[("${peer} (CloudNativePG)")]`;
    if (kind === 'StatefulSet') return `[("${peer}")]`;
    if (kind === 'CronJob' || kind === 'Job') return `{{"${peer}"}}`;
    return `["${peer}"]`;
  };
  const shown = new Set([...workloads.keys(), ...flows.flatMap((f) => [f.from, f.to])]);
  for (const peer of [...shown].sort()) lines.push(`  ${nodeId(peer)}${shape(peer)}`);
  for (const f of flows) {
    const label = f.ports.join(', ') + (f.partial ? ' (some addresses)' : '');
    lines.push(`  ${nodeId(f.from)} -- "${label}" --> ${nodeId(f.to)}`);
  }
  lines.push('```');
  return lines;
}
