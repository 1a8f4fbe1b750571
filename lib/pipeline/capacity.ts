/**
 * What an environment costs, from its objects: the CPU and memory its long-running pods request and
 * may use at the HPAs' minimum and maximum, the storage it claims, and how many pods each
 * PodDisruptionBudget lets a node drain evict. SUMMARY.md shows it; `npm run diff` shows its change.
 *
 * Counted: every pod of a Deployment, StatefulSet or CloudNativePG Cluster (replicas, the HPA's
 * minReplicas/maxReplicas, or instances). Per pod, what the scheduler reserves: the sum of its
 * containers and native sidecars (init containers with `restartPolicy: Always`; for a Cluster,
 * the Barman Cloud plugin's sidecar as its ObjectStore sizes it), or its largest one-shot init
 * container when that is more. CronJobs and Jobs (the backup, migrations) run to
 * completion and are left out. A limit is a sum only where every counted container sets one.
 */
import { parseQuantity } from '../platform/quantity';
import type { Manifest } from '../validation/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A sum, and how many counted containers set no value (so the true total has no bound). */
export interface Total {
  /** Millicores for CPU, bytes for memory. */
  readonly sum: number;
  readonly unset: number;
}

/** The pods and their reservation at one replica count (the HPAs' minimum or maximum). */
export interface Scale {
  readonly pods: number;
  readonly cpuRequests: Total;
  readonly cpuLimits: Total;
  readonly memoryRequests: Total;
  readonly memoryLimits: Total;
}

/** One claim of storage: a PVC, a StatefulSet's template times its replicas, a Cluster's volume times instances. */
export interface Claim {
  /** `PersistentVolumeClaim/backup-pvc`, `StatefulSet/redis data`, `Cluster/postgres storage`. */
  readonly name: string;
  readonly bytes: number;
  readonly count: number;
}

/** A PodDisruptionBudget and the pods a drain may evict at the minimum and maximum replicas. */
export interface Budget {
  readonly name: string;
  readonly rule: string;
  readonly pods: readonly [number, number];
  readonly evictable: readonly [number, number];
}

export interface Capacity {
  readonly min: Scale;
  readonly max: Scale;
  readonly claims: readonly Claim[];
  readonly budgets: readonly Budget[];
}

/** A pod that runs continuously, its containers' resources, and its replicas at the minimum and maximum. */
interface LongRunning {
  readonly kind: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly continuous: Obj[];
  readonly oneShot: Obj[];
  readonly replicas: readonly [number, number];
}

const millicores = (q: string): number => Math.round(parseQuantity(q) * 1000);
const bytes = (q: string): number => Math.round(parseQuantity(q));

function longRunning(objs: readonly Obj[]): LongRunning[] {
  const hpas = new Map(
    objs
      .filter((m) => m.kind === 'HorizontalPodAutoscaler')
      .map((h) => [`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec]),
  );
  const out: LongRunning[] = [];
  for (const m of objs) {
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
      const hpa = hpas.get(`${m.kind}/${m.metadata.name}`);
      const fixed = m.spec.replicas ?? 1;
      const spec = m.spec.template.spec;
      const init: Obj[] = spec.initContainers ?? [];
      out.push({
        kind: m.kind,
        name: m.metadata.name,
        labels: m.spec.template.metadata?.labels ?? {},
        continuous: [...init.filter((c) => c.restartPolicy === 'Always'), ...spec.containers],
        oneShot: init.filter((c) => c.restartPolicy !== 'Always'),
        replicas: hpa ? [hpa.minReplicas ?? 1, hpa.maxReplicas] : [fixed, fixed],
      });
    } else if (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1') {
      const instances = m.spec.instances ?? 1;
      // A Barman Cloud plugin runs as a sidecar of each instance, sized by its ObjectStore.
      const sidecars = (m.spec.plugins ?? []).flatMap((p: Obj) => {
        const store = objs.find((o) => o.kind === 'ObjectStore' && o.metadata.name === p.parameters?.barmanObjectName);
        return store ? [{ resources: store.spec.instanceSidecarConfiguration?.resources ?? {} }] : [];
      });
      out.push({
        kind: m.kind,
        name: m.metadata.name,
        labels: { ...m.spec.inheritedMetadata?.labels, 'cnpg.io/cluster': m.metadata.name },
        continuous: [{ resources: m.spec.resources ?? {} }, ...sidecars],
        oneShot: [],
        replicas: [instances, instances],
      });
    }
  }
  return out;
}

/** One pod's reservation of `resource` (`requests`/`limits`, `cpu`/`memory`). */
function perPod(pod: LongRunning, field: 'requests' | 'limits', resource: string, parse: (q: string) => number): Total {
  const values = pod.continuous.map((c) => c.resources?.[field]?.[resource] as string | undefined);
  const sum = values.reduce((s, v) => s + (v === undefined ? 0 : parse(v)), 0);
  const init = pod.oneShot.map((c) => c.resources?.[field]?.[resource] as string | undefined);
  const largestInit = Math.max(0, ...init.map((v) => (v === undefined ? 0 : parse(v))));
  return { sum: Math.max(sum, largestInit), unset: values.filter((v) => v === undefined).length };
}

function scale(pods: readonly LongRunning[], at: 0 | 1): Scale {
  const total = (field: 'requests' | 'limits', resource: string, parse: (q: string) => number): Total =>
    pods.reduce(
      (t, p) => {
        const one = perPod(p, field, resource, parse);
        return { sum: t.sum + one.sum * p.replicas[at], unset: t.unset + one.unset * p.replicas[at] };
      },
      { sum: 0, unset: 0 },
    );
  return {
    pods: pods.reduce((n, p) => n + p.replicas[at], 0),
    cpuRequests: total('requests', 'cpu', millicores),
    cpuLimits: total('limits', 'cpu', millicores),
    memoryRequests: total('requests', 'memory', bytes),
    memoryLimits: total('limits', 'memory', bytes),
  };
}

function claimsOf(objs: readonly Obj[]): Claim[] {
  const out: Claim[] = [];
  for (const m of objs) {
    if (m.kind === 'PersistentVolumeClaim') {
      out.push({
        name: `PersistentVolumeClaim/${m.metadata.name}`,
        bytes: bytes(m.spec.resources.requests.storage),
        count: 1,
      });
    } else if (m.kind === 'StatefulSet') {
      for (const t of m.spec.volumeClaimTemplates ?? []) {
        out.push({
          name: `StatefulSet/${m.metadata.name} ${t.metadata.name}`,
          bytes: bytes(t.spec.resources.requests.storage),
          count: m.spec.replicas ?? 1,
        });
      }
    } else if (m.kind === 'Cluster' && m.apiVersion === 'postgresql.cnpg.io/v1') {
      for (const volume of ['storage', 'walStorage']) {
        const size = m.spec[volume]?.size;
        if (size)
          out.push({ name: `Cluster/${m.metadata.name} ${volume}`, bytes: bytes(size), count: m.spec.instances ?? 1 });
      }
    }
  }
  return out;
}

/** `n` of `pods` as an absolute number: an integer, or a percentage rounded up (as the disruption controller does). */
function scaled(value: number | string, pods: number): number {
  return typeof value === 'number' ? value : Math.ceil((pods * Number(value.replace('%', ''))) / 100);
}

/** How many of `pods` healthy pods a drain may evict under `spec`. */
export function evictable(spec: Obj, pods: number): number {
  const healthy =
    spec.minAvailable !== undefined ? scaled(spec.minAvailable, pods) : pods - scaled(spec.maxUnavailable, pods);
  return Math.max(0, pods - healthy);
}

function budgetsOf(objs: readonly Obj[], pods: readonly LongRunning[]): Budget[] {
  return objs
    .filter((m) => m.kind === 'PodDisruptionBudget')
    .map((b) => {
      const wanted: Obj = b.spec.selector?.matchLabels ?? {};
      const selected = pods.filter((p) => Object.entries(wanted).every(([k, v]) => p.labels[k] === v));
      const count = (at: 0 | 1): number => selected.reduce((n, p) => n + p.replicas[at], 0);
      const rule =
        b.spec.minAvailable !== undefined
          ? `minAvailable ${b.spec.minAvailable}`
          : `maxUnavailable ${b.spec.maxUnavailable}`;
      return {
        name: b.metadata.name,
        rule,
        pods: [count(0), count(1)] as const,
        evictable: [evictable(b.spec, count(0)), evictable(b.spec, count(1))] as const,
      };
    });
}

/** The environment's capacity, from its objects. */
export function capacityOf(manifests: readonly Manifest[]): Capacity {
  const objs = manifests as readonly Obj[];
  const pods = longRunning(objs);
  return { min: scale(pods, 0), max: scale(pods, 1), claims: claimsOf(objs), budgets: budgetsOf(objs, pods) };
}

/** Millicores as cores: `3350` → `3.35`. */
export function cores(m: number): string {
  return String(m / 1000);
}

/** Bytes, exactly, in the largest binary unit that needs at most three decimals: `13.5Gi`, `1248Mi`. */
export function binary(n: number): string {
  for (const [unit, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (n >= size && Number.isInteger((n / size) * 1000)) return `${n / size}${unit}`;
  }
  return `${n}`;
}

function total(t: Total, show: (n: number) => string): string {
  return t.unset === 0 ? show(t.sum) : `${show(t.sum)} + unbounded (${t.unset} containers set none)`;
}

/** The "## Capacity" section of SUMMARY.md. */
export function capacitySection(c: Capacity): string[] {
  const row = (what: string, pick: (s: Scale) => string): string => `| ${what} | ${pick(c.min)} | ${pick(c.max)} |`;
  const lines = [
    '## Capacity',
    '',
    'Long-running pods only (Deployments, StatefulSets, CloudNativePG instances; not the CronJob and Job pods);',
    'per pod its containers and native sidecars (the Barman Cloud sidecar of each instance included), or its',
    'largest one-shot init container when that is more.',
    '',
    '| Total | At HPA minimum | At HPA maximum |',
    '| --- | --- | --- |',
    row('Pods', (s) => String(s.pods)),
    row('CPU requests (cores)', (s) => total(s.cpuRequests, cores)),
    row('CPU limits (cores)', (s) => total(s.cpuLimits, cores)),
    row('Memory requests', (s) => total(s.memoryRequests, binary)),
    row('Memory limits', (s) => total(s.memoryLimits, binary)),
    '',
    '| Storage claimed | Size | Count | Total |',
    '| --- | --- | --- | --- |',
    ...c.claims.map((x) => `| ${x.name} | ${binary(x.bytes)} | ${x.count} | ${binary(x.bytes * x.count)} |`),
    `| All claims | | | ${binary(c.claims.reduce((n, x) => n + x.bytes * x.count, 0))} |`,
    '',
  ];
  if (c.budgets.length > 0) {
    lines.push(
      '| PodDisruptionBudget | Rule | Pods (HPA min..max) | A drain may evict (min..max) |',
      '| --- | --- | --- | --- |',
      ...c.budgets.map(
        (b) => `| ${b.name} | ${b.rule} | ${b.pods[0]}..${b.pods[1]} | ${b.evictable[0]}..${b.evictable[1]} |`,
      ),
      '',
    );
  }
  lines.push(
    'Pods no PodDisruptionBudget selects may all be evicted at once; CloudNativePG keeps its own budgets for its instances.',
    '',
  );
  return lines;
}
