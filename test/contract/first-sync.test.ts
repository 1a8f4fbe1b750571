/**
 * A first sync, as Argo CD and Flux perform it, on a cluster whose storage class binds claims only
 * when a pod first uses them (`WaitForFirstConsumer`, the default of most cloud storage classes).
 *
 * Argo CD (gitops-engine's sync context): hooks of PreSync, then Sync (non-hooks and Sync hooks
 * together, wave by wave, lowest first), then PostSync. Before the next wave it waits until every
 * object of the current one is healthy (a hook Job: completed), except in the very last wave, which
 * counts as done once applied when it holds no hooks. A PersistentVolumeClaim is healthy only when
 * Bound; a Job whose namespace or ServiceAccount is missing never gets a pod.
 * A Degraded object in any wave but the last fails the sync at once ("one or more synchronization
 * tasks completed unsuccessfully"; gitops-engine `syncContext.Sync`); in the last one it does not
 * ("successful EVEN if those objects subsequently degrade").
 * Argo CD's built-in health checks (resource_customizations/): a Gateway is Degraded while a
 * listener's `ResolvedRefs` is False, which Envoy Gateway reports for a TLS Secret that does not
 * exist; a cert-manager Certificate is Progressing while Issuing and Healthy once Ready.
 * cert-manager writes a Secret for an edge that asks for it (Gateway or Ingress annotation
 * `cert-manager.io/cluster-issuer`) or a Certificate, once that edge serves the HTTP-01 challenge:
 * after it is applied, never within the health check of the wave that applies it.
 * Flux: the Kustomization waits for its `dependsOn`, applies everything at once (namespaces first),
 * then waits for its health checks; a Job starts the moment it is applied. Its health checks read
 * kstatus, which finds no `Ready` condition on a Gateway: no Gateway is among them.
 * A workload reaches the databases it needs (the contract's allowed flows to postgres and redis)
 * once they are healthy and the NetworkPolicies applied so far let it.
 */
import { App, Chart, Testing } from 'cdk8s';
import type { EasyflowChart } from '../../lib/easyflow-chart';
import { FluxDelivery } from '../../lib/delivery/flux';
import { allows } from '../../lib/validation/network';
import type { Manifest } from '../../lib/validation/schema';
import { ENVIRONMENTS, UNWRITTEN_OUTDIR } from '../helpers';
import { environmentChart } from '../environment-charts';
import { FLOWS, everything, peersOf } from './flows';

type Obj = Record<string, any>;

const DATA_STORES = new Set(['postgres', 'redis']);
/** The Secrets an edge or Certificate asks cert-manager to write. */
const tlsSecrets = (m: Obj): string[] =>
  m.kind === 'Certificate'
    ? [m.spec.secretName]
    : m.kind === 'Gateway'
      ? m.spec.listeners.flatMap((l: Obj) => (l.tls?.certificateRefs ?? []).map((r: Obj) => r.name))
      : (m.spec?.tls ?? []).map((t: Obj) => t.secretName);
const id = (m: Obj): string => `${m.kind}/${m.metadata.name}`;
const annotation = (m: Obj, key: string): string | undefined => m.metadata.annotations?.[key];
const podTemplate = (m: Obj): Obj | undefined =>
  m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec?.template?.spec ? m.spec.template : undefined;

/** The cluster an environment is synced into. */
class Cluster {
  public readonly applied = new Map<string, Obj>();
  /** Secrets cert-manager has written. */
  private readonly issued = new Set<string>();
  private readonly peers;

  constructor(
    private readonly chart: EasyflowChart,
    manifests: readonly Obj[],
  ) {
    this.peers = peersOf(chart, manifests as Manifest[]);
  }

  public apply(objects: readonly Obj[]): void {
    for (const m of objects) this.applied.set(id(m), m);
  }

  /** cert-manager issues every certificate an applied edge asks for (time passes: the ACME challenge is solved). */
  public settle(): void {
    if (!this.edgeApplied()) return;
    for (const m of this.applied.values()) {
      if (m.metadata.annotations?.['cert-manager.io/cluster-issuer'] || m.kind === 'Certificate') {
        for (const secret of tlsSecrets(m)) this.issued.add(secret);
      }
    }
  }

  /** Why Argo CD's health check calls `m` Degraded now, if it does. */
  public degraded(m: Obj): string | undefined {
    if (m.kind !== 'Gateway') return undefined;
    for (const listener of m.spec.listeners) {
      for (const ref of listener.tls?.certificateRefs ?? []) {
        if (!this.hasSecret(ref.name))
          return `listener ${listener.name} ResolvedRefs=False: Secret ${ref.name} does not exist (cert-manager has not issued it yet)`;
      }
    }
    return undefined;
  }

  private hasSecret(name: string): boolean {
    return this.issued.has(name) || this.applied.has(`Secret/${name}`);
  }

  /** Whether an edge is applied that serves HTTP-01 challenges. */
  private edgeApplied(): boolean {
    return [...this.applied.values()].some((o) => o.kind === 'Gateway' || o.kind === 'Ingress');
  }

  /** Why `m` cannot be created now, if it cannot. */
  public cannotCreate(m: Obj): string | undefined {
    const ns = m.metadata.namespace;
    if (ns && m.kind !== 'Namespace' && !this.applied.has(`Namespace/${ns}`)) return `namespace ${ns} does not exist`;
    return undefined;
  }

  /** Why `m` is not healthy (a Job: did not complete), given what is applied; undefined when it is. */
  public unhealthy(m: Obj, appliedTogether: ReadonlySet<Obj> = new Set()): string | undefined {
    const template = podTemplate(m);
    if (m.kind === 'PersistentVolumeClaim') {
      const mounted = [...this.applied.values()].some(
        (w) =>
          ['Deployment', 'StatefulSet'].includes(w.kind) &&
          (podTemplate(w)?.spec.volumes ?? []).some((v: Obj) => v.persistentVolumeClaim?.claimName === m.metadata.name),
      );
      return mounted ? undefined : 'Pending: WaitForFirstConsumer binds it when a pod first mounts it';
    }
    if (m.kind === 'Certificate') {
      return this.edgeApplied() || this.hasSecret(m.spec.secretName)
        ? undefined
        : 'Issuing: its HTTP-01 challenge is served through the edge, which is not applied yet';
    }
    if (!template || m.kind === 'CronJob') return undefined;
    const sa = template.spec.serviceAccountName;
    if (!this.applied.has(`ServiceAccount/${sa}`)) return `no pod: ServiceAccount ${sa} does not exist`;
    const app = template.metadata.labels.app;
    const needed = FLOWS.filter(
      (f) => f.from === app && f.to !== app && f.allow && DATA_STORES.has(f.to) && (f.when?.(this.chart) ?? true),
    );
    for (const flow of needed) {
      const store = [...this.applied.values()].find((o) => this.podsOf(o) === flow.to);
      if (!store || this.unhealthy(store)) return `${flow.to} is not there or not healthy`;
      const policies = [...this.applied.values()].filter((o) => o.kind === 'NetworkPolicy');
      const [from] = this.peers.get(app)!;
      if (!this.peers.get(flow.to)!.every((to) => allows(policies, { from, to, port: flow.port }))) {
        return `the NetworkPolicies applied so far deny ${app} -> ${flow.to}:${flow.port}`;
      }
      // A Job started together with its database runs out of retries before the database is up,
      // unless its pod waits for it.
      const waits = (template.spec.initContainers ?? []).some((c: Obj) => c.name === 'wait-for-database');
      if (m.kind === 'Job' && appliedTogether.has(store) && !waits)
        return `started before ${flow.to} was up, and does not wait`;
    }
    return undefined;
  }

  private podsOf(o: Obj): string | undefined {
    if (o.kind === 'Cluster') return o.spec.inheritedMetadata.labels.app;
    return o.kind === 'StatefulSet' ? podTemplate(o)?.metadata.labels.app : undefined;
  }
}

const PHASES = ['PreSync', 'Sync', 'PostSync'];

/** Argo CD syncs `manifests`; returns why it stalls, or undefined when it completes. */
function argoSync(cluster: Cluster, manifests: readonly Obj[]): string | undefined {
  const phaseOf = (m: Obj) => annotation(m, 'argocd.argoproj.io/hook') ?? 'Sync';
  const waveOf = (m: Obj) => Number(annotation(m, 'argocd.argoproj.io/sync-wave') ?? 0);
  const steps = PHASES.flatMap((phase) => {
    const inPhase = manifests.filter((m) => phaseOf(m) === phase);
    return [...new Set(inPhase.map(waveOf))]
      .sort((a, b) => a - b)
      .map((wave) => ({
        phase,
        wave,
        objects: inPhase.filter((m) => waveOf(m) === wave),
      }));
  });
  for (const [i, step] of steps.entries()) {
    for (const m of step.objects) {
      const problem = cluster.cannotCreate(m);
      if (problem) return `${step.phase} wave ${step.wave}: ${id(m)} cannot be created: ${problem}`;
    }
    cluster.apply(step.objects);
    const last = i === steps.length - 1 && !step.objects.some((m) => annotation(m, 'argocd.argoproj.io/hook'));
    if (last) return undefined;
    for (const m of step.objects) {
      const problem = cluster.degraded(m);
      if (problem) return `${step.phase} wave ${step.wave} fails: ${id(m)} is Degraded: ${problem}`;
    }
    for (const m of step.objects) {
      const problem = cluster.unhealthy(m, new Set(step.objects));
      if (problem) return `${step.phase} wave ${step.wave} waits forever for ${id(m)}: ${problem}`;
    }
    cluster.settle();
  }
  return undefined;
}

/** Flux reconciles the environment's Kustomization; returns why it fails, or undefined when it is Ready. */
function fluxSync(
  cluster: Cluster,
  manifests: readonly Obj[],
  kustomization: Obj,
  ready: readonly string[],
): string | undefined {
  const missing = (kustomization.spec.dependsOn ?? []).filter((d: Obj) => !ready.includes(d.name));
  if (missing.length > 0) return `waits for dependsOn ${missing.map((d: Obj) => d.name).join(', ')}`;
  cluster.apply(manifests.filter((m) => m.kind === 'Namespace'));
  cluster.apply(manifests);
  const byRef = new Map(manifests.map((m) => [id(m), m]));
  const checked = kustomization.spec.wait
    ? manifests
    : kustomization.spec.healthChecks.map((h: Obj) => byRef.get(`${h.kind}/${h.name}`));
  for (const m of checked) {
    if (!m) return 'a health check names an object the environment does not have';
    const problem = cluster.unhealthy(m, new Set(manifests));
    if (problem) return `health check ${id(m)} times out: ${problem}`;
  }
  return undefined;
}

function fluxKustomization(chart: EasyflowChart): Obj {
  const scratch = new Chart(new App({ outdir: UNWRITTEN_OUTDIR }), 'flux');
  new FluxDelivery(scratch, 'flux', {
    environment: chart.environment.name,
    targetNamespace: chart.environment.namespace,
    repoURL: 'https://example.com/easyflow-deploy.git',
    branch: 'main',
    revision: { branch: 'main' },
    path: `dist/${chart.environment.name}`,
    bootstrapPath: `dist/gitops/flux/${chart.environment.name}`,
    healthChecks: chart.healthChecks,
  });
  return Testing.synth(scratch).find(
    (m) => m.kind === 'Kustomization' && m.metadata.name === `easyflow-${chart.environment.name}`,
  );
}

const withMigrations = (config: Obj) => everything(config);
const CASES: Array<[string, ((config: Obj) => void) | undefined]> = [
  ['as committed', undefined],
  ['with migrations (and every optional flow) on', withMigrations],
];

describe.each(ENVIRONMENTS)('%s', (env) => {
  test.each(CASES)('a first Argo CD sync completes and a first Flux reconcile becomes Ready, %s', (_case, change) => {
    const chart = environmentChart(env, change);
    const manifests = chart.toJson();
    expect(argoSync(new Cluster(chart, manifests), manifests)).toBeUndefined();
    expect(fluxSync(new Cluster(chart, manifests), manifests, fluxKustomization(chart), [])).toBeUndefined();
  });

  test('the first Argo CD sync that turns migrations on completes', () => {
    const before = environmentChart(env);
    const after = environmentChart(env, withMigrations);
    const cluster = new Cluster(after, after.toJson());
    cluster.apply(before.toJson());
    cluster.settle();
    expect(argoSync(cluster, after.toJson())).toBeUndefined();
  });
});

describe('the model catches what the issue found', () => {
  const chart = environmentChart('prod', withMigrations);
  const manifests = chart.toJson();
  const edit = (pick: (m: Obj) => boolean, annotations: Record<string, string>) =>
    manifests.map((m: Obj) =>
      pick(m) ? { ...m, metadata: { ...m.metadata, annotations: { ...m.metadata.annotations, ...annotations } } } : m,
    );

  test('a standalone claim in a wave before the last stalls the sync', () => {
    const early = edit((m) => m.kind === 'PersistentVolumeClaim', { 'argocd.argoproj.io/sync-wave': '2' });
    expect(argoSync(new Cluster(chart, early), early)).toBe(
      'Sync wave 2 waits forever for PersistentVolumeClaim/backup-pvc: Pending: WaitForFirstConsumer binds it when a pod first mounts it',
    );
  });

  test('a Gateway in a wave before the last fails the sync while cert-manager has not issued its certificate', () => {
    const early = edit((m) => m.kind === 'Gateway', { 'argocd.argoproj.io/sync-wave': '4' });
    expect(argoSync(new Cluster(chart, early), early)).toBe(
      'Sync wave 4 fails: Gateway/easyflow-gateway is Degraded: listener https ResolvedRefs=False: Secret easyflow-tls does not exist (cert-manager has not issued it yet)',
    );
  });

  test('a Certificate in a wave before the edge waits forever: its HTTP-01 challenge needs the edge', () => {
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'easyflow-tls', namespace: 'easyflow', annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: { secretName: 'easyflow-tls', dnsNames: ['api.easyflow.dev'], issuerRef: { name: 'letsencrypt-prod' } },
    };
    const withCertificate = [...manifests, certificate];
    expect(argoSync(new Cluster(chart, withCertificate), withCertificate)).toBe(
      'Sync wave 3 waits forever for Certificate/easyflow-tls: Issuing: its HTTP-01 challenge is served through the edge, which is not applied yet',
    );
  });

  test('migrations as a PreSync hook fail on a new environment, and on the first sync that enables them', () => {
    const preSync = edit((m) => m.kind === 'Job', { 'argocd.argoproj.io/hook': 'PreSync' });
    const job = preSync.find((m: Obj) => m.kind === 'Job')!;
    expect(argoSync(new Cluster(chart, preSync), preSync)).toBe(
      `PreSync wave 2: Job/${job.metadata.name} cannot be created: namespace easyflow does not exist`,
    );
    const cluster = new Cluster(chart, preSync);
    cluster.apply(environmentChart('prod').toJson());
    expect(argoSync(cluster, preSync)).toBe(
      `PreSync wave 2 waits forever for Job/${job.metadata.name}: no pod: ServiceAccount easyflow-migrate does not exist`,
    );
  });

  test('a PreSync migration whose ServiceAccount is a hook too is still cut off by the policies of the last sync', () => {
    const preSync = edit(
      (m) => m.kind === 'Job' || (m.kind === 'ServiceAccount' && m.metadata.name === 'easyflow-migrate'),
      {
        'argocd.argoproj.io/hook': 'PreSync',
      },
    );
    const job = preSync.find((m: Obj) => m.kind === 'Job')!;
    const cluster = new Cluster(chart, preSync);
    cluster.apply(environmentChart('prod').toJson());
    expect(argoSync(cluster, preSync)).toBe(
      `PreSync wave 2 waits forever for Job/${job.metadata.name}: the NetworkPolicies applied so far deny easyflow-migrate -> postgres:5432`,
    );
  });

  test('a Job that does not wait for the database fails a first Flux reconcile', () => {
    const noWait = manifests.map((m: Obj) =>
      m.kind === 'Job'
        ? {
            ...m,
            spec: {
              ...m.spec,
              template: { ...m.spec.template, spec: { ...m.spec.template.spec, initContainers: [] } },
            },
          }
        : m,
    );
    const job = noWait.find((m: Obj) => m.kind === 'Job')!;
    expect(fluxSync(new Cluster(chart, noWait), noWait, fluxKustomization(chart), [])).toBe(
      `health check Job/${job.metadata.name} times out: started before postgres was up, and does not wait`,
    );
  });

  test('Flux with wait: true would wait for the claim forever; dependsOn waits for its Kustomization', () => {
    const k = fluxKustomization(chart);
    expect(fluxSync(new Cluster(chart, manifests), manifests, { ...k, spec: { ...k.spec, wait: true } }, [])).toBe(
      'health check PersistentVolumeClaim/backup-pvc times out: Pending: WaitForFirstConsumer binds it when a pod first mounts it',
    );
    const dependent = { ...k, spec: { ...k.spec, dependsOn: [{ name: 'infrastructure' }] } };
    expect(fluxSync(new Cluster(chart, manifests), manifests, dependent, [])).toBe(
      'waits for dependsOn infrastructure',
    );
    expect(fluxSync(new Cluster(chart, manifests), manifests, dependent, ['infrastructure'])).toBeUndefined();
  });
});
