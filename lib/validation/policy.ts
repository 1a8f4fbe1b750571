/**
 * The project's policy, checked over every object of an environment: pod security "restricted",
 * service accounts, network isolation, disruption budgets, stable selectors and names, GitOps prune
 * protection of data and of the Gateway, pinned images, labels, no secret values, edge references
 * that resolve and, in production, a Guaranteed-QoS database and images pulled by digest. Each
 * violation names the object, the field and the rule, so a new workload that forgets a rule fails
 * the synth and the tests.
 */
import { digestProblem, pinnedImageProblem } from '../platform/image';
import { IMAGE_DIGESTS_LABEL, TIER_LABEL } from '../platform/labels';
import { credentialsIn, maskCredentials } from '../platform/url';
import { isQuantity, parseQuantity } from '../platform/quantity';
import { selectorMatches } from './network';
import type { Manifest, Violation } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */
type Obj = Record<string, any>;

/** Kinds that always run pods: each must hold a pod spec the policy can read. */
const POD_KINDS = new Set([
  'Pod',
  'PodTemplate',
  'ReplicaSet',
  'ReplicationController',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
]);
const ONE_SHOT = new Set(['Job', 'CronJob']);

/*
 * The Pod Security Standards, baseline and restricted (kubernetes.io/docs/concepts/security/pod-security-standards):
 * the values each restricted field may take.
 */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const CONFINED_PROFILES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const NON_DISRUPTIVE_CAPS = new Set(['NET_BIND_SERVICE']);
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)/;

export const KEEP_ANNOTATIONS: Readonly<Record<string, RegExp>> = {
  'argocd.argoproj.io/sync-options': /(^|,)Prune=false(,|$)/,
  'kustomize.toolkit.fluxcd.io/prune': /^disabled$/,
};

interface Pod {
  /** Path of the pod template inside the object, e.g. `spec.template`; '' when the object is the pod. */
  readonly at: string;
  readonly template: Obj;
}

/** The pod specs of an object, and where it holds containers that are not in one. */
interface Pods {
  readonly pods: Pod[];
  readonly unreadable: string[];
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const joinPath = (at: string, key: string | number): string =>
  typeof key === 'number' ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`;
/** The path of a field from its keys, e.g. `spec.template.spec.containers[0]`. */
const pathOf = (keys: ReadonlyArray<string | number>): string => keys.reduce<string>(joinPath, '');

/**
 * Visits `value` and, depth first, every value inside it, each with the keys that lead to it (a
 * stack the walk reuses: spell it with pathOf where something is reported, keep no reference) and
 * the object that holds it (undefined for an item of a list). `visit` returns false to leave what
 * is inside a node unvisited.
 */
function walk(
  value: unknown,
  visit: (node: unknown, keys: ReadonlyArray<string | number>, parent: Obj | undefined) => boolean,
): void {
  const keys: Array<string | number> = [];
  const go = (node: unknown, parent: Obj | undefined): void => {
    if (!visit(node, keys, parent)) return;
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        keys.push(i);
        go(v, undefined);
        keys.pop();
      });
    } else if (isObj(node)) {
      for (const [k, v] of Object.entries(node)) {
        keys.push(k);
        go(v, node);
        keys.pop();
      }
    }
  };
  go(value, undefined);
}

/** The lists of containers a pod spec may hold: any of them marks one. */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/**
 * Every pod spec in `m`, whatever its kind (a Deployment, a ReplicaSet, a CRD): any object holding
 * any list of containers (`containers`, `initContainers`, `ephemeralContainers`) is one, and it must be
 * the `spec` of its pod (template) with `containers` among them. Containers anywhere else, or not a
 * list of objects, cannot be read as a pod and are reported, so an unknown kind fails closed.
 */
function podsOf(m: Obj): Pods {
  const out: Pods = { pods: [], unreadable: [] };
  walk(m, (node, keys, parent) => {
    if (!isObj(node)) return true;
    const lists = CONTAINER_LISTS.filter((k) => node[k] !== undefined);
    if (lists.length === 0) return true;
    const readable = (k: string): boolean => Array.isArray(node[k]) && (node[k] as unknown[]).every(isObj);
    if (keys[keys.length - 1] === 'spec' && parent && Array.isArray(node.containers) && lists.every(readable)) {
      out.pods.push({ at: pathOf(keys.slice(0, -1)), template: parent });
    } else {
      const where = lists.find((k) => !readable(k)) ?? lists[0]!;
      out.unreadable.push(joinPath(pathOf(keys), where));
    }
    return false;
  });
  return out;
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

/** The rules a pod's and a container's securityContext share: SELinux, AppArmor, seccomp, Windows hostProcess. */
function checkContext(r: Report, sc: Obj, at: string): void {
  const selinux: Obj = sc.seLinuxOptions ?? {};
  r.check(
    [undefined, ''].includes(selinux.type) || SELINUX_TYPES.has(selinux.type),
    `${at}.seLinuxOptions.type`,
    'selinux',
    `must be unset or one of ${[...SELINUX_TYPES].join(', ')}`,
  );
  for (const key of ['user', 'role']) {
    r.check([undefined, ''].includes(selinux[key]), `${at}.seLinuxOptions.${key}`, 'selinux', 'must not be set');
  }
  r.check(
    sc.appArmorProfile?.type === undefined || CONFINED_PROFILES.has(sc.appArmorProfile.type),
    `${at}.appArmorProfile.type`,
    'apparmor',
    'must be RuntimeDefault or Localhost',
  );
  r.check(
    sc.seccompProfile?.type === undefined || CONFINED_PROFILES.has(sc.seccompProfile.type),
    `${at}.seccompProfile.type`,
    'seccomp',
    'must be RuntimeDefault or Localhost',
  );
  r.check(
    sc.windowsOptions?.hostProcess !== true,
    `${at}.windowsOptions.hostProcess`,
    'host-process',
    'must not be true',
  );
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
  checkContext(r, psc, `${at}.securityContext`);
  for (const [i, s] of (psc.sysctls ?? []).entries()) {
    r.check(
      SAFE_SYSCTLS.has(s.name),
      `${at}.securityContext.sysctls[${i}].name`,
      'sysctls',
      `${s.name} is not one of the safe sysctls (${[...SAFE_SYSCTLS].join(', ')})`,
    );
  }
  for (const [key, value] of Object.entries(pod.template.metadata?.annotations ?? {})) {
    r.check(
      !key.startsWith(APPARMOR_ANNOTATION) || value === 'runtime/default' || String(value).startsWith('localhost/'),
      `${pod.at ? `${pod.at}.` : ''}metadata.annotations.${key}`,
      'apparmor',
      'must be runtime/default or localhost/<profile>',
    );
  }
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    r.check(spec[host] !== true, `${at}.${host}`, 'host-namespaces', 'must not be set');
  }
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    r.check(v.hostPath === undefined, `${at}.volumes[${i}].hostPath`, 'host-path', 'hostPath volumes are not allowed');
    for (const type of Object.keys(v).filter((k) => k !== 'name' && k !== 'hostPath')) {
      r.check(
        RESTRICTED_VOLUMES.has(type),
        `${at}.volumes[${i}].${type}`,
        'volume-types',
        `${type} volumes are not allowed; use one of ${[...RESTRICTED_VOLUMES].join(', ')}`,
      );
    }
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

  const containers: Array<[string, Obj]> = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((list) =>
    (spec[list] ?? []).map((c: Obj, i: number): [string, Obj] => [`${at}.${list}[${i}]`, c]),
  );
  // Set here (checked above), or else in every container.
  r.check(
    psc.seccompProfile?.type !== undefined ||
      containers.every(([, c]) => CONFINED_PROFILES.has(c.securityContext?.seccompProfile?.type)),
    `${at}.securityContext.seccompProfile.type`,
    'seccomp',
    'must be RuntimeDefault or Localhost here or in every container',
  );
  for (const [cat, c] of containers) {
    const sc: Obj = c.securityContext ?? {};
    checkContext(r, sc, `${cat}.securityContext`);
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
      sc.procMount === undefined || sc.procMount === 'Default',
      `${cat}.securityContext.procMount`,
      'proc-mount',
      'must be Default',
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
    r.check(sc.runAsNonRoot !== false, `${cat}.securityContext.runAsNonRoot`, 'run-as-non-root', 'must not be false');
    for (const [j, p] of (c.ports ?? []).entries()) {
      r.check(p.hostPort === undefined, `${cat}.ports[${j}].hostPort`, 'host-ports', 'must not be set');
    }
    const res: Obj = c.resources ?? {};
    // An ephemeral (debugging) container cannot have resources: it runs within the pod's.
    if (!cat.includes('.ephemeralContainers[')) {
      for (const kind of ['cpu', 'memory']) {
        r.check(res.requests?.[kind] !== undefined, `${cat}.resources.requests.${kind}`, 'resources', 'must be set');
      }
      r.check(res.limits?.memory !== undefined, `${cat}.resources.limits.memory`, 'resources', 'must be set');
    }
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

function checkLabels(r: Report, m: Obj, pods: readonly Pod[]): void {
  const labels: Obj = m.metadata?.labels ?? {};
  const required = pods.length > 0 ? WORKLOAD_LABELS : RECOMMENDED;
  for (const key of required) r.check(labels[key] !== undefined, `metadata.labels.${key}`, 'labels', 'must be set');
  r.check(
    labels['app.kubernetes.io/part-of'] === undefined || labels['app.kubernetes.io/part-of'] === 'easyflow',
    'metadata.labels.app.kubernetes.io/part-of',
    'labels',
    'must be easyflow',
  );
  for (const pod of pods) {
    const podLabels: Obj = pod.template.metadata?.labels ?? {};
    for (const key of WORKLOAD_LABELS)
      r.check(podLabels[key] !== undefined, joinPath(pod.at, `metadata.labels.${key}`), 'labels', 'must be set');
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

/** No URL in any field of any object carries a user name and password or a token before its host. */
function checkCredentials(r: Report, m: Obj): void {
  walk(m, (node, keys) => {
    if (typeof node !== 'string') return true;
    for (const found of credentialsIn(node)) {
      r.check(
        false,
        pathOf(keys),
        'no-credentials',
        `holds a URL with credentials (${maskCredentials(found)}); they belong in a Secret, never in a manifest`,
      );
    }
    return false;
  });
}

/** Rules about one object. */
function checkObject(m: Obj): Violation[] {
  const r = new Report(m);
  checkCredentials(r, m);
  const { pods, unreadable } = podsOf(m);
  r.check(
    typeof m.metadata?.name === 'string' && m.metadata.name !== '',
    'metadata.name',
    'explicit-name',
    'must be set',
  );
  r.check(
    !POD_KINDS.has(m.kind) || pods.length > 0,
    'spec',
    'pod-spec',
    `a ${m.kind} runs pods but holds no pod spec with containers the policy can check`,
  );
  for (const at of unreadable) {
    r.check(
      false,
      at,
      'pod-spec',
      'containers outside a pod spec (the spec of a pod or pod template): the policy cannot check them',
    );
  }
  for (const pod of pods) checkPodSecurity(r, pod, !ONE_SHOT.has(m.kind));
  checkLabels(r, m, pods);
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
  // An environment writes only into its own Namespace: never kube-system, another tenant, or the cluster scope.
  for (const m of namespace ? manifests.filter((o) => o !== namespace) : []) {
    if (m.metadata?.namespace !== namespace!.metadata?.name) {
      add(
        m,
        'metadata.namespace',
        'own-namespace',
        `is ${JSON.stringify(m.metadata?.namespace ?? null)} but every object of this environment belongs in its Namespace ${namespace!.metadata?.name}`,
      );
    }
  }
  const replicasOf = (m: Obj): number => hpaMin.get(m.metadata?.name) ?? m.spec?.replicas ?? 1;
  // The pods of every controller (a bare Pod needs no budget, policy or ServiceAccount of its own).
  const pods = manifests.flatMap((m) =>
    m.kind === 'Pod'
      ? []
      : podsOf(m).pods.map((pod) => ({ m, pod, labels: pod.template.metadata?.labels ?? {}, replicas: replicasOf(m) })),
  );
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
    if (namespace.metadata?.labels?.[IMAGE_DIGESTS_LABEL] !== 'pending') checkImageDigests(manifests, add);
  }
  checkEgressPorts(manifests, pods, add);
  const saUsers = new Map<string, string>();
  for (const { m, pod } of pods) {
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
      add(m, joinPath(pod.at, 'metadata.labels.app'), 'network-least-privilege', `no NetworkPolicy selects app=${app}`);
    const sa = pod.template.spec?.serviceAccountName;
    const other = saUsers.get(sa);
    if (other !== undefined)
      add(m, joinPath(pod.at, 'spec.serviceAccountName'), 'service-account', `${sa} is already used by ${other}`);
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
    for (const pod of podsOf(m).pods) {
      const spec: Obj = pod.template.spec ?? {};
      for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
        for (const [i, c] of (spec[list] ?? []).entries()) {
          const at = joinPath(pod.at, `spec.${list}[${i}].image`);
          if (!hasDigest(c.image)) add(m, at, 'image-digest', message(c.image));
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
  pods: ReadonlyArray<{ pod: Pod; labels: Obj }>,
  add: (m: Obj, field: string, rule: string, message: string) => void,
): void {
  const listeners = [
    ...pods.map((p) => ({
      labels: p.labels,
      ports:
        p.pod.template.spec?.containers?.flatMap((c: Obj) => (c.ports ?? []).map((x: Obj) => x.containerPort)) ?? [],
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
