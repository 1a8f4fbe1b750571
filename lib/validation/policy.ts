/**
 * The project's policy, checked over every object of an environment: pod security "restricted",
 * service accounts, network isolation, disruption budgets, stable selectors and names, GitOps prune
 * protection of data and of the Gateway, pinned images, labels, no secret values, edge references
 * that resolve and, in production, a Guaranteed-QoS database and images pulled by digest. Each
 * violation names the object, the field and the rule, so a new workload that forgets a rule fails
 * the synth and the tests.
 */
import { digestProblem, pinnedImageProblem } from '../platform/image';
import { TIER_LABEL } from '../platform/labels';
import { isQuantity, parseQuantity } from '../platform/quantity';
import { selectorMatches } from './network';
import type { Manifest, Violation } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */
type Obj = Record<string, any>;

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const ONE_SHOT = new Set(['Job', 'CronJob']);
const NON_DISRUPTIVE_CAPS = new Set(['NET_BIND_SERVICE']);
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)/;

export const KEEP_ANNOTATIONS: Readonly<Record<string, RegExp>> = {
  'argocd.argoproj.io/sync-options': /(^|,)Prune=false(,|$)/,
  'kustomize.toolkit.fluxcd.io/prune': /^disabled$/,
};

interface Pod {
  /** Path of the pod template inside the object, e.g. `spec.template`. */
  readonly at: string;
  readonly template: Obj;
}

function podOf(m: Obj): Pod | undefined {
  if (m.kind === 'CronJob')
    return { at: 'spec.jobTemplate.spec.template', template: m.spec?.jobTemplate?.spec?.template ?? {} };
  if (WORKLOAD_KINDS.has(m.kind)) return { at: 'spec.template', template: m.spec?.template ?? {} };
  if (m.kind === 'Pod') return { at: '', template: m };
  return undefined;
}

class Report {
  public readonly violations: Violation[] = [];
  constructor(private readonly m: Obj) {}

  public check(ok: boolean, field: string, rule: string, message: string): void {
    if (!ok) {
      this.violations.push({
        object: `${this.m.kind}/${this.m.metadata?.name}`,
        field,
        rule: `policy/${rule}`,
        message,
      });
    }
  }
}

function checkPodSecurity(r: Report, pod: Pod, longRunning: boolean): void {
  const at = pod.at ? `${pod.at}.spec` : 'spec';
  const spec: Obj = pod.template.spec ?? {};
  const psc: Obj = spec.securityContext ?? {};
  r.check(psc.runAsNonRoot === true, `${at}.securityContext.runAsNonRoot`, 'run-as-non-root', 'must be true');
  r.check(
    Number.isInteger(psc.runAsUser) && psc.runAsUser > 0,
    `${at}.securityContext.runAsUser`,
    'run-as-non-root',
    'must be a non-zero user id',
  );
  r.check(
    psc.seccompProfile?.type === 'RuntimeDefault',
    `${at}.securityContext.seccompProfile.type`,
    'seccomp',
    'must be RuntimeDefault',
  );
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    r.check(spec[host] !== true, `${at}.${host}`, 'host-namespaces', 'must not be set');
  }
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    r.check(v.hostPath === undefined, `${at}.volumes[${i}].hostPath`, 'host-path', 'hostPath volumes are not allowed');
  }
  r.check(
    typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== 'default',
    `${at}.serviceAccountName`,
    'service-account',
    'each workload runs under its own ServiceAccount',
  );
  r.check(
    spec.automountServiceAccountToken === false,
    `${at}.automountServiceAccountToken`,
    'service-account',
    'must be false',
  );

  const containers: Array<[string, Obj]> = [
    ...(spec.initContainers ?? []).map((c: Obj, i: number): [string, Obj] => [`${at}.initContainers[${i}]`, c]),
    ...(spec.containers ?? []).map((c: Obj, i: number): [string, Obj] => [`${at}.containers[${i}]`, c]),
  ];
  for (const [cat, c] of containers) {
    const sc: Obj = c.securityContext ?? {};
    r.check(
      sc.allowPrivilegeEscalation === false,
      `${cat}.securityContext.allowPrivilegeEscalation`,
      'privilege-escalation',
      'must be false',
    );
    r.check(sc.privileged !== true, `${cat}.securityContext.privileged`, 'privileged', 'must not be true');
    r.check(
      Array.isArray(sc.capabilities?.drop) && sc.capabilities.drop.includes('ALL'),
      `${cat}.securityContext.capabilities.drop`,
      'capabilities',
      'must drop ALL',
    );
    r.check(
      (sc.capabilities?.add ?? []).every((cap: string) => NON_DISRUPTIVE_CAPS.has(cap)),
      `${cat}.securityContext.capabilities.add`,
      'capabilities',
      'may add only NET_BIND_SERVICE',
    );
    r.check(
      sc.readOnlyRootFilesystem === true,
      `${cat}.securityContext.readOnlyRootFilesystem`,
      'read-only-root',
      'must be true',
    );
    r.check(
      sc.runAsUser === undefined || sc.runAsUser > 0,
      `${cat}.securityContext.runAsUser`,
      'run-as-non-root',
      'must not be 0',
    );
    for (const [j, p] of (c.ports ?? []).entries()) {
      r.check(p.hostPort === undefined, `${cat}.ports[${j}].hostPort`, 'host-ports', 'must not be set');
    }
    const res: Obj = c.resources ?? {};
    for (const kind of ['cpu', 'memory']) {
      r.check(res.requests?.[kind] !== undefined, `${cat}.resources.requests.${kind}`, 'resources', 'must be set');
    }
    r.check(res.limits?.memory !== undefined, `${cat}.resources.limits.memory`, 'resources', 'must be set');
    const problem = typeof c.image === 'string' ? pinnedImageProblem(c.image) : 'no image';
    r.check(problem === undefined, `${cat}.image`, 'pinned-image', `"${c.image}" is not pinned: ${problem}`);
    if (longRunning && cat.includes('.containers[')) {
      r.check(
        c.livenessProbe !== undefined,
        `${cat}.livenessProbe`,
        'probes',
        'a long-running container needs a liveness probe',
      );
      r.check(
        c.readinessProbe !== undefined,
        `${cat}.readinessProbe`,
        'probes',
        'a long-running container needs a readiness probe',
      );
    }
    for (const [j, e] of (c.env ?? []).entries()) {
      r.check(
        !(SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== ''),
        `${cat}.env[${j}].value`,
        'no-secret-values',
        `${e.name} must come from a Secret, not a literal value`,
      );
    }
  }
}

const RECOMMENDED = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];
const WORKLOAD_LABELS = [...RECOMMENDED, 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];

function checkLabels(r: Report, m: Obj, pod: Pod | undefined): void {
  const labels: Obj = m.metadata?.labels ?? {};
  const required = pod ? WORKLOAD_LABELS : RECOMMENDED;
  for (const key of required) r.check(labels[key] !== undefined, `metadata.labels.${key}`, 'labels', 'must be set');
  r.check(
    labels['app.kubernetes.io/part-of'] === undefined || labels['app.kubernetes.io/part-of'] === 'easyflow',
    'metadata.labels.app.kubernetes.io/part-of',
    'labels',
    'must be easyflow',
  );
  if (pod) {
    const podLabels: Obj = pod.template.metadata?.labels ?? {};
    for (const key of WORKLOAD_LABELS)
      r.check(podLabels[key] !== undefined, `${pod.at}.metadata.labels.${key}`, 'labels', 'must be set');
  }
}

/** Selectors use only the plain `app` label: never a construct-path hash, never a label that changes. */
function checkSelectors(r: Report, m: Obj): void {
  const plain = (sel: Obj | undefined, field: string): void => {
    const keys = Object.keys(sel ?? {});
    r.check(
      keys.length === 1 && keys[0] === 'app',
      field,
      'stable-selector',
      `must select only the immutable app label, found ${keys.join(', ') || 'nothing'}`,
    );
  };
  if (m.kind === 'Deployment' || m.kind === 'StatefulSet' || m.kind === 'DaemonSet') {
    plain(m.spec?.selector?.matchLabels, 'spec.selector.matchLabels');
    r.check(
      m.spec?.selector?.matchExpressions === undefined,
      'spec.selector.matchExpressions',
      'stable-selector',
      'must not be set',
    );
  }
  if (m.kind === 'Service' && m.spec?.type !== 'ExternalName') plain(m.spec?.selector, 'spec.selector');
  if (m.kind === 'PodDisruptionBudget') plain(m.spec?.selector?.matchLabels, 'spec.selector.matchLabels');
  r.check(
    !JSON.stringify(m).includes('cdk8s.io/metadata.addr'),
    'metadata',
    'stable-selector',
    'must not use cdk8s.io/metadata.addr',
  );
}

function keepsOnPrune(annotations: Obj | undefined): boolean {
  return Object.entries(KEEP_ANNOTATIONS).every(([key, pattern]) => pattern.test(annotations?.[key] ?? ''));
}

function checkData(r: Report, m: Obj): void {
  if (
    m.kind === 'PersistentVolumeClaim' ||
    m.kind === 'StatefulSet' ||
    (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1') ||
    // Deleting the Gateway releases the address DNS points at: only a person removes it.
    (m.kind === 'Gateway' && m.apiVersion === 'gateway.networking.k8s.io/v1')
  ) {
    r.check(
      keepsOnPrune(m.metadata?.annotations),
      'metadata.annotations',
      'keep-on-prune',
      'must carry Argo CD Prune=false and Flux prune: disabled',
    );
  }
  if (m.kind === 'StatefulSet') {
    for (const [i, t] of (m.spec?.volumeClaimTemplates ?? []).entries()) {
      r.check(
        keepsOnPrune(t.metadata?.annotations),
        `spec.volumeClaimTemplates[${i}].metadata.annotations`,
        'keep-on-prune',
        'must carry Argo CD Prune=false and Flux prune: disabled',
      );
    }
    const retention: Obj = m.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    r.check(
      retention.whenDeleted === 'Retain' && retention.whenScaled === 'Retain',
      'spec.persistentVolumeClaimRetentionPolicy',
      'keep-on-prune',
      'claims must be retained on delete and scale-down',
    );
  }
  if (m.kind === 'Secret') {
    r.check(
      m.data === undefined && m.stringData === undefined,
      'data',
      'no-secret-values',
      'Secret values never appear in a manifest',
    );
  }
}

/** Rules about one object. */
function checkObject(m: Obj): Violation[] {
  const r = new Report(m);
  const pod = podOf(m);
  r.check(
    typeof m.metadata?.name === 'string' && m.metadata.name !== '',
    'metadata.name',
    'explicit-name',
    'must be set',
  );
  if (pod) checkPodSecurity(r, pod, !ONE_SHOT.has(m.kind));
  checkLabels(r, m, pod);
  checkSelectors(r, m);
  checkData(r, m);
  if (m.kind === 'Namespace') {
    for (const mode of ['enforce', 'audit', 'warn']) {
      r.check(
        m.metadata?.labels?.[`pod-security.kubernetes.io/${mode}`] === 'restricted',
        `metadata.labels.pod-security.kubernetes.io/${mode}`,
        'pod-security-admission',
        'must be restricted',
      );
    }
  }
  if (m.kind === 'ServiceAccount') {
    r.check(
      m.automountServiceAccountToken === false,
      'automountServiceAccountToken',
      'service-account',
      'must be false',
    );
  }
  return r.violations;
}

/** Rules about how objects relate: HPA vs replicas, PDBs, network policies, one ServiceAccount each. */
function checkEnvironment(manifests: readonly Obj[]): Violation[] {
  const out: Violation[] = [];
  const add = (m: Obj, field: string, rule: string, message: string): void => {
    out.push({ object: `${m.kind}/${m.metadata?.name}`, field, rule: `policy/${rule}`, message });
  };
  const hpaMin = new Map<string, number>();
  for (const h of manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
    hpaMin.set(h.spec?.scaleTargetRef?.name, h.spec?.minReplicas ?? 1);
  }
  const pdbApps = new Set(
    manifests.filter((m) => m.kind === 'PodDisruptionBudget').map((p) => p.spec?.selector?.matchLabels?.app),
  );
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const defaultDeny = policies.some(
    (p) =>
      Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => (p.spec?.policyTypes ?? []).includes(t)) &&
      p.spec?.ingress === undefined &&
      p.spec?.egress === undefined,
  );
  const namespace = manifests.find((m) => m.kind === 'Namespace');
  if (namespace && !defaultDeny) {
    add(namespace, '', 'network-default-deny', 'the namespace needs a NetworkPolicy denying all ingress and egress');
  }
  const replicasOf = (m: Obj): number => hpaMin.get(m.metadata?.name) ?? m.spec?.replicas ?? 1;
  const pods = manifests.flatMap((m) => {
    const pod = podOf(m);
    return pod && m.kind !== 'Pod' ? [{ m, labels: pod.template.metadata?.labels ?? {}, replicas: replicasOf(m) }] : [];
  });
  for (const pdb of manifests.filter((m) => m.kind === 'PodDisruptionBudget')) {
    const selected = pods.filter((p) => selectorMatches(pdb.spec?.selector, p.labels));
    const replicas = selected.reduce((sum, p) => sum + p.replicas, 0);
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable === 0 || maxUnavailable === '0%') {
      add(pdb, 'spec.maxUnavailable', 'drainable', 'is 0: no node running these pods could ever be drained');
    }
    if (
      minAvailable === '100%' ||
      (typeof minAvailable === 'number' && selected.length > 0 && minAvailable >= replicas)
    ) {
      add(
        pdb,
        'spec.minAvailable',
        'drainable',
        `is ${minAvailable} of ${replicas} replicas: no node running these pods could ever be drained`,
      );
    }
  }
  if (namespace?.metadata?.labels?.[TIER_LABEL] === 'production') {
    for (const m of manifests) {
      const single =
        (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1' && (m.spec?.instances ?? 1) < 2) ||
        (m.kind === 'StatefulSet' && m.metadata?.labels?.['app.kubernetes.io/component'] === 'database');
      if (single) {
        add(
          m,
          m.kind === 'Cluster' ? 'spec.instances' : 'kind',
          'replicated-database',
          `a production environment (${TIER_LABEL}) needs a database of at least 2 instances`,
        );
      }
    }
  }
  if (namespace?.metadata?.labels?.[TIER_LABEL] === 'production') {
    checkGuaranteedDatabase(manifests, add);
    checkImageDigests(manifests, add);
  }
  checkEgressPorts(manifests, pods, add);
  const saUsers = new Map<string, string>();
  for (const m of manifests) {
    const pod = podOf(m);
    if (!pod || m.kind === 'Pod') continue;
    const app = pod.template.metadata?.labels?.app;
    const name = m.metadata?.name;
    const replicas = hpaMin.get(name) ?? m.spec?.replicas ?? 1;
    if (m.kind === 'Deployment' && hpaMin.has(name)) {
      if (m.spec?.replicas !== undefined)
        add(m, 'spec.replicas', 'hpa-owns-replicas', 'must be unset: the HPA owns it');
    }
    if (!ONE_SHOT.has(m.kind) && replicas > 1 && !pdbApps.has(app)) {
      add(
        m,
        'metadata.name',
        'disruption-budget',
        `runs ${replicas} replicas but no PodDisruptionBudget selects app=${app}`,
      );
    }
    if (m.kind === 'Deployment' && replicas > 1 && m.spec?.strategy?.type !== 'Recreate') {
      const unavailable = m.spec?.strategy?.rollingUpdate?.maxUnavailable;
      if (unavailable !== 0 && unavailable !== '0%') {
        add(
          m,
          'spec.strategy.rollingUpdate.maxUnavailable',
          'rolling-update',
          'must be 0 so a rollout never drops below the minimum',
        );
      }
    }
    const selected = policies.some((p) => p.spec?.podSelector?.matchLabels?.app === app);
    if (!selected)
      add(m, `${pod.at}.metadata.labels.app`, 'network-least-privilege', `no NetworkPolicy selects app=${app}`);
    const sa = pod.template.spec?.serviceAccountName;
    const other = saUsers.get(sa);
    if (other !== undefined)
      add(m, `${pod.at}.spec.serviceAccountName`, 'service-account', `${sa} is already used by ${other}`);
    saUsers.set(sa, `${m.kind}/${name}`);
  }
  return out;
}

/**
 * In production every image is pulled by digest (`repository:tag@sha256:...`): a tag can be pushed
 * again, a digest names one build, so what was reviewed is what runs. The operator's own images (the
 * Barman Cloud sidecar's, set by the plugin) are outside these manifests.
 */
function checkImageDigests(manifests: readonly Obj[], add: (m: Obj, f: string, r: string, msg: string) => void) {
  const message = (image: unknown) =>
    `"${image}" has no digest: a production environment (${TIER_LABEL}) pulls every image by tag@sha256:<digest>`;
  const hasDigest = (image: unknown) =>
    typeof image === 'string' &&
    image.includes('@') &&
    digestProblem(image.slice(image.indexOf('@') + 1)) === undefined;
  for (const m of manifests) {
    const pod = podOf(m);
    if (pod) {
      const spec: Obj = pod.template.spec ?? {};
      for (const list of ['initContainers', 'containers']) {
        for (const [i, c] of (spec[list] ?? []).entries()) {
          if (!hasDigest(c.image)) add(m, `${pod.at}.spec.${list}[${i}].image`, 'image-digest', message(c.image));
        }
      }
    }
    if (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1' && !hasDigest(m.spec?.imageName)) {
      add(m, 'spec.imageName', 'image-digest', message(m.spec?.imageName));
    }
  }
}

/** Whether `resources` requests exactly its limits of CPU and memory (both set). */
function guaranteed(resources: Obj | undefined): boolean {
  return ['cpu', 'memory'].every((kind) => {
    const request = resources?.requests?.[kind];
    const limit = resources?.limits?.[kind];
    return isQuantity(String(request)) && isQuantity(String(limit)) && parseQuantity(request) === parseQuantity(limit);
  });
}

/**
 * In production the database's pods get Guaranteed QoS, as CloudNativePG recommends: every container
 * of an instance pod requests exactly its CPU and memory limits, the Barman Cloud plugin's sidecar
 * (its ObjectStore's `instanceSidecarConfiguration.resources`) included. Under node memory pressure the
 * kubelet then evicts every Burstable pod before a database.
 */
function checkGuaranteedDatabase(manifests: readonly Obj[], add: (m: Obj, f: string, r: string, msg: string) => void) {
  const message = (what: string) =>
    `a production environment (${TIER_LABEL}) gives the database Guaranteed QoS: ${what} must request exactly its cpu and memory limits`;
  for (const cluster of manifests.filter((m) => m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1')) {
    if (!guaranteed(cluster.spec?.resources))
      add(cluster, 'spec.resources', 'guaranteed-database', message('PostgreSQL'));
    for (const plugin of cluster.spec?.plugins ?? []) {
      const store = manifests.find(
        (m) =>
          m.kind === 'ObjectStore' &&
          m.apiVersion === 'barmancloud.cnpg.io/v1' &&
          m.metadata?.name === plugin.parameters?.barmanObjectName,
      );
      if (store && !guaranteed(store.spec?.instanceSidecarConfiguration?.resources)) {
        add(
          store,
          'spec.instanceSidecarConfiguration.resources',
          'guaranteed-database',
          message(`the ${plugin.name} sidecar of Cluster/${cluster.metadata?.name}`),
        );
      }
    }
  }
}

/** The ports a CloudNativePG instance listens on: PostgreSQL, the instance manager, metrics. */
const CNPG_PORTS = [5432, 8000, 9187];

/**
 * An egress rule to pods of this environment may only open ports those pods listen on (container
 * or Service ports): any other port is a typo that leaves the real flow denied.
 */
function checkEgressPorts(
  manifests: readonly Obj[],
  pods: ReadonlyArray<{ m: Obj; labels: Obj }>,
  add: (m: Obj, field: string, rule: string, message: string) => void,
): void {
  const listeners = [
    ...pods.map((p) => ({
      labels: p.labels,
      ports:
        podOf(p.m)!.template.spec?.containers?.flatMap((c: Obj) => (c.ports ?? []).map((x: Obj) => x.containerPort)) ??
        [],
    })),
    ...manifests
      .filter((m) => m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1')
      .map((m) => ({
        labels: { ...m.spec?.inheritedMetadata?.labels, 'cnpg.io/cluster': m.metadata?.name },
        ports: CNPG_PORTS,
      })),
  ];
  const servicePorts = (labels: Obj): number[] =>
    manifests
      .filter(
        (s) =>
          s.kind === 'Service' &&
          s.spec?.selector &&
          Object.entries(s.spec.selector).every(([k, v]) => labels[k] === v),
      )
      .flatMap((s) => (s.spec.ports ?? []).map((p: Obj) => p.port));
  for (const policy of manifests.filter((m) => m.kind === 'NetworkPolicy')) {
    for (const [i, rule] of (policy.spec?.egress ?? []).entries()) {
      const peers = (rule.to ?? []).filter((t: Obj) => t.podSelector && !t.namespaceSelector && !t.ipBlock);
      const selected = listeners.filter((l) => peers.some((t: Obj) => selectorMatches(t.podSelector, l.labels)));
      if (selected.length === 0) continue;
      const open = new Set(selected.flatMap((l) => [...l.ports, ...servicePorts(l.labels)]));
      for (const [j, port] of (rule.ports ?? []).entries()) {
        if (typeof port.port === 'number' && !open.has(port.port)) {
          add(
            policy,
            `spec.egress[${i}].ports[${j}].port`,
            'network-ports',
            `${port.port} is no port of the pods this rule selects (they listen on ${[...open].sort((a, b) => a - b).join(', ')})`,
          );
        }
      }
    }
  }
}

/**
 * The edge's references resolve within the environment, as Envoy Gateway needs them to attach:
 * an HTTPRoute's parent Gateway and listener, its backend Service and port, and each policy's
 * target (and its section). A schema cannot see another object; a dangling one fails silently
 * on the cluster (the route or policy is just not Accepted).
 */
function checkEdgeReferences(manifests: readonly Obj[]): Violation[] {
  const out: Violation[] = [];
  const add = (m: Obj, field: string, message: string): void => {
    out.push({ object: `${m.kind}/${m.metadata?.name}`, field, rule: 'policy/edge-references', message });
  };
  const named = (kind: string, name: string): Obj | undefined =>
    manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  const sections = (target: Obj): string[] =>
    target.kind === 'Gateway'
      ? (target.spec?.listeners ?? []).map((l: Obj) => l.name)
      : (target.spec?.rules ?? []).map((r: Obj) => r.name).filter(Boolean);
  const resolve = (m: Obj, field: string, kind: string, name: string, section?: string): void => {
    const target = named(kind, name);
    if (!target) add(m, field, `${kind}/${name} is not in this environment`);
    else if (section !== undefined && !sections(target).includes(section)) {
      add(m, `${field}.sectionName`, `${kind}/${name} has no section ${section}`);
    }
  };
  for (const m of manifests) {
    if (m.kind === 'HTTPRoute') {
      for (const [i, p] of (m.spec?.parentRefs ?? []).entries()) {
        resolve(m, `spec.parentRefs[${i}]`, p.kind ?? 'Gateway', p.name, p.sectionName);
      }
      for (const [i, rule] of (m.spec?.rules ?? []).entries()) {
        for (const [j, b] of (rule.backendRefs ?? []).entries()) {
          const field = `spec.rules[${i}].backendRefs[${j}]`;
          const service = named(b.kind ?? 'Service', b.name);
          if (!service) add(m, field, `Service/${b.name} is not in this environment`);
          else if (!(service.spec?.ports ?? []).some((p: Obj) => p.port === b.port)) {
            add(m, `${field}.port`, `Service/${b.name} has no port ${b.port}`);
          }
        }
      }
    }
    if (m.apiVersion === 'gateway.envoyproxy.io/v1alpha1') {
      for (const [i, t] of (m.spec?.targetRefs ?? []).entries()) {
        resolve(m, `spec.targetRefs[${i}]`, t.kind, t.name, t.sectionName);
      }
    }
  }
  return out;
}

/** Every policy violation of one environment's objects. */
export function checkPolicy(manifests: readonly Manifest[]): Violation[] {
  const objs = manifests as readonly Obj[];
  return [...objs.flatMap(checkObject), ...checkEnvironment(objs), ...checkEdgeReferences(objs)];
}
