/**
 * Kubernetes NetworkPolicy semantics, as the API documents them, for checking synthesized policies
 * without a cluster: which policies select a pod (policyTypes, default deny), whether a rule's peers
 * match the other end (podSelector and namespaceSelector ANDed in one peer, peers ORed, ipBlock with
 * except, per address family) and whether its ports do (protocol, number, named port resolved on the
 * destination pod, endPort ranges). A flow is allowed when the source's egress and the destination's
 * ingress both allow it; a side no policy selects is unrestricted.
 */
import { BlockList } from 'net';
import { ipFamily } from '../platform/checks';

/* eslint-disable @typescript-eslint/no-explicit-any -- NetworkPolicies are untyped JSON here */
type Obj = Record<string, any>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One end of a flow: a pod (namespace, labels, address, named ports) or an address outside the cluster. */
export interface Endpoint {
  /** Namespace of a pod; undefined for an address outside the cluster. */
  readonly namespace?: string;
  /** Labels of the pod's namespace (`kubernetes.io/metadata.name` is always added). */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** Labels of the pod. */
  readonly labels?: Readonly<Record<string, string>>;
  /** IPv4 or IPv6 address. */
  readonly ip: string;
  /** The pod's container ports by name, for rules that name a port. */
  readonly namedPorts?: Readonly<Record<string, { readonly port: number; readonly protocol?: Protocol }>>;
}

/** A connection attempt: from, to, destination port and protocol. */
export interface Flow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: Protocol;
}

/** Whether a label selector (matchLabels and matchExpressions, ANDed; empty matches all) selects `labels`. */
export function selectorMatches(selector: Obj | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined || selector === null) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: Obj) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown label selector operator ${JSON.stringify(e.operator)}`);
    }
  });
  return byLabel && byExpression;
}

/** Answers of inCIDR by `ip cidr`: a BlockList check costs about 0.1 ms, and a render asks thousands. */
const cidrAnswers = new Map<string, boolean>();

/** Whether `ip` is in `cidr` (same address family only). */
export function inCIDR(ip: string, cidr: string): boolean {
  const key = `${ip} ${cidr}`;
  let answer = cidrAnswers.get(key);
  if (answer === undefined) {
    answer = checkCIDR(ip, cidr);
    cidrAnswers.set(key, answer);
  }
  return answer;
}

function checkCIDR(ip: string, cidr: string): boolean {
  const [, address = '', bits] = /^([^/]+)\/(\d{1,3})$/.exec(cidr) ?? [];
  const family = ipFamily(address);
  const prefix = Number(bits);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(cidr)} is not a CIDR`);
  if (ipFamily(ip) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(address, prefix, type);
  return list.check(ip, type);
}

function namespaceLabelsOf(e: Endpoint): Record<string, string> {
  return { ...e.namespaceLabels, 'kubernetes.io/metadata.name': e.namespace ?? '' };
}

/** Whether one `from`/`to` entry of a rule in `policyNamespace` matches `peer`. */
function peerMatches(entry: Obj, peer: Endpoint, policyNamespace: string): boolean {
  if (entry.ipBlock) {
    const block = entry.ipBlock;
    return inCIDR(peer.ip, block.cidr) && !(block.except ?? []).some((c: string) => inCIDR(peer.ip, c));
  }
  if (peer.namespace === undefined) return false;
  const namespaceOK = entry.namespaceSelector
    ? selectorMatches(entry.namespaceSelector, namespaceLabelsOf(peer))
    : peer.namespace === policyNamespace;
  const podOK = entry.podSelector ? selectorMatches(entry.podSelector, peer.labels ?? {}) : true;
  return namespaceOK && podOK;
}

/** Whether one `ports` entry matches the flow; a named port is looked up on the destination pod. */
function portMatches(entry: Obj, flow: Flow): boolean {
  const protocol = flow.protocol ?? 'TCP';
  if ((entry.protocol ?? 'TCP') !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'string') {
    const named = flow.to.namedPorts?.[entry.port];
    return named !== undefined && named.port === flow.port && (named.protocol ?? 'TCP') === protocol;
  }
  const end = entry.endPort ?? entry.port;
  return flow.port >= entry.port && flow.port <= end;
}

function ruleMatches(
  rule: Obj,
  peers: 'from' | 'to',
  peer: Endpoint,
  flow: Flow,
  namespace: string,
  matches: typeof peerMatches,
): boolean {
  const entries: Obj[] | undefined = rule[peers];
  const peerOK = !entries || entries.length === 0 || entries.some((e) => matches(e, peer, namespace));
  const ports: Obj[] | undefined = rule.ports;
  const portOK = !ports || ports.length === 0 || ports.some((p) => portMatches(p, flow));
  return peerOK && portOK;
}

/** The policy types a policy has: as written, or Ingress plus Egress when it has egress rules. */
export function policyTypes(policy: Obj): string[] {
  const spec: Obj = policy.spec ?? {};
  if (spec.policyTypes) return spec.policyTypes;
  return spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Whether `policy` applies to `pod` for `direction`. */
export function selects(policy: Obj, pod: Endpoint, direction: 'Ingress' | 'Egress'): boolean {
  return (
    pod.namespace !== undefined &&
    policy.metadata?.namespace === pod.namespace &&
    policyTypes(policy).includes(direction) &&
    selectorMatches(policy.spec?.podSelector ?? {}, pod.labels ?? {})
  );
}

/**
 * A set of NetworkPolicies (each with `metadata.namespace` set) to ask many flows of: which policies
 * select an endpoint, and whether a rule's peer entry matches it, are worked out once per endpoint,
 * not once per flow and port.
 */
export class Policies {
  private readonly applying = new Map<Endpoint, Partial<Record<'Ingress' | 'Egress', readonly Obj[]>>>();
  /** Whether a rule's `from`/`to` entry matches an endpoint: the same for every port. */
  private readonly matched = new Map<Obj, Map<Endpoint, boolean>>();

  constructor(private readonly policies: readonly Obj[]) {}

  /** Whether the policies let `flow` through. */
  public allows(flow: Flow): boolean {
    return this.sideAllows(flow, 'Egress') && this.sideAllows(flow, 'Ingress');
  }

  private applyingTo(pod: Endpoint, direction: 'Ingress' | 'Egress'): readonly Obj[] {
    let byDirection = this.applying.get(pod);
    if (!byDirection) {
      byDirection = {};
      this.applying.set(pod, byDirection);
    }
    return (byDirection[direction] ??= this.policies.filter((p) => selects(p, pod, direction)));
  }

  /**
   * peerMatches, worked out once per entry and endpoint: an entry belongs to one policy, so the
   * namespace it is read in (the policy's) is always the same for it.
   */
  private readonly peerMatch = (entry: Obj, peer: Endpoint, namespace: string): boolean => {
    let byPeer = this.matched.get(entry);
    if (!byPeer) {
      byPeer = new Map();
      this.matched.set(entry, byPeer);
    }
    let match = byPeer.get(peer);
    if (match === undefined) {
      match = peerMatches(entry, peer, namespace);
      byPeer.set(peer, match);
    }
    return match;
  };

  private sideAllows(flow: Flow, direction: 'Ingress' | 'Egress'): boolean {
    const pod = direction === 'Egress' ? flow.from : flow.to;
    const other = direction === 'Egress' ? flow.to : flow.from;
    const applying = this.applyingTo(pod, direction);
    if (applying.length === 0) return true;
    const key = direction === 'Egress' ? 'egress' : 'ingress';
    const peers = direction === 'Egress' ? 'to' : 'from';
    return applying.some((p) =>
      (p.spec?.[key] ?? []).some((rule: Obj) =>
        ruleMatches(rule, peers, other, flow, p.metadata.namespace, this.peerMatch),
      ),
    );
  }
}

/** Whether `policies` (each with `metadata.namespace` set) let `flow` through. */
export function allows(policies: readonly Obj[], flow: Flow): boolean {
  return new Policies(policies).allows(flow);
}
