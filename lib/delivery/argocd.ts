import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { AppProject, AppProjectSpecSyncWindows } from '../../imports/appprojects-argoproj.io';
import { throwProblems } from '../platform/checks';
import { cronProblem } from '../platform/cron';
import { objectLabels } from '../platform/labels';
import { SYNC_WAVE } from './sync-waves';

/** The cluster Argo CD runs in, as Argo CD names it. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Name of the root Application and of the AppProject that confines it. */
export const ARGOCD_ROOT = 'easyflow-gitops';

/** A Go duration as Argo CD parses it: `64h`, `1h30m`, `90m`. */
const DURATION = /^([0-9]+(h|m|s))+$/;

/** When Argo CD may, or may not, sync an environment (an AppProject sync window). */
export interface SyncWindow {
  /** `allow`: automated syncs only inside the window; `deny`: no automated sync inside it. */
  readonly kind: 'allow' | 'deny';
  /** Five-field cron expression at which the window opens, evaluated in `timeZone`. */
  readonly schedule: string;
  /** How long the window stays open, as a Go duration (`64h`, `1h30m`). */
  readonly duration: string;
  /**
   * IANA time zone of `schedule`.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * Whether a manual sync (`argocd app sync`) is still allowed while automated syncs are blocked.
   * @default false
   */
  readonly manualSync?: boolean;
  /**
   * Why the window exists, shown by Argo CD.
   * @default - none
   */
  readonly description?: string;
}

/** One environment as Argo CD deploys it. */
export interface ArgoCdEnvironment {
  /** Environment name; its Application is `easyflow-<name>`. */
  readonly name: string;
  /** Namespace the environment's objects live in. */
  readonly namespace: string;
  /** API server URL of the target cluster. */
  readonly server: string;
  /** Branch, tag or commit of this repository the environment is deployed from. */
  readonly revision: string;
  /** Folder of the environment's manifests, relative to the repository root (`dist/prod`). */
  readonly path: string;
  /**
   * Sync windows of the environment's Application.
   * @default - none: Argo CD syncs at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
}

export interface ArgoCdDeliveryProps {
  /** Git URL of this repository. */
  readonly repoURL: string;
  /** Branch the root Application follows: the bootstrap objects always come from it. */
  readonly revision: string;
  /**
   * Folder these objects are written to, relative to the repository root: the root Application
   * syncs it, so it manages itself, the AppProjects and every environment's Application.
   */
  readonly path: string;
  readonly environments: readonly ArgoCdEnvironment[];
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Name of the AppProject of the environments.
   * @default 'easyflow'
   */
  readonly project?: string;
}

function timeZoneProblem(field: string, zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${field} "${zone}" is not an IANA time zone`;
  }
}

function windowProblems(env: string, windows: readonly SyncWindow[]): Array<string | undefined> {
  return windows.flatMap((w, i) => {
    const at = `environments.${env}.syncWindows[${i}]`;
    const cron = cronProblem(w.schedule);
    return [
      cron && `${at}.schedule "${w.schedule}" is not a valid cron schedule: ${cron}`,
      DURATION.test(w.duration)
        ? undefined
        : `${at}.duration "${w.duration}" must be a Go duration such as 64h or 1h30m`,
      w.timeZone === undefined ? undefined : timeZoneProblem(`${at}.timeZone`, w.timeZone),
    ];
  });
}

/**
 * Argo CD bootstrap (`dist/gitops/argocd/`), applied by hand once per Argo CD instance and then
 * managing itself (app of apps): the root Application `easyflow-gitops` syncs the folder it is
 * written to, itself included, so an environment added to or removed from config reaches Argo CD by
 * pull request alone. The root is confined by its own AppProject to Applications and AppProjects
 * in Argo CD's namespace. The environments' AppProject allows this repository, their namespaces and
 * the one cluster-scoped kind we create (Namespace), and carries their sync windows; each
 * environment has an Application with automated sync, prune, self-heal and retries.
 * No Application has the resources finalizer: when the root prunes an environment's Application,
 * Argo CD deletes the Application only and its workloads and data stay (orphaned).
 */
export class ArgoCdDelivery extends Construct {
  public readonly project: string;
  public readonly namespace: string;
  public readonly applicationNames: readonly string[];

  constructor(scope: Construct, id: string, props: ArgoCdDeliveryProps) {
    super(scope, id);
    this.project = props.project ?? 'easyflow';
    this.namespace = props.namespace ?? 'argocd';
    const names = props.environments.map((e) => e.name);
    throwProblems(this, [
      props.environments.length === 0 ? 'environments must not be empty' : undefined,
      ...names.filter((n, i) => names.indexOf(n) !== i).map((n) => `environments: "${n}" is listed twice`),
      this.project === ARGOCD_ROOT ? `project "${this.project}" is the root's own AppProject; pick another` : undefined,
      ...props.environments.flatMap((e) => windowProblems(e.name, e.syncWindows ?? [])),
    ]);
    const labels = objectLabels({ name: 'easyflow-argocd', component: 'gitops' });
    // AppProjects before the Applications that name them.
    const projectMetadata = (name: string) => ({
      name,
      namespace: this.namespace,
      labels,
      annotations: { [SYNC_WAVE]: '-1' },
    });
    const syncPolicy = {
      automated: { prune: true, selfHeal: true, allowEmpty: false },
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    };

    new AppProject(this, 'root-project', {
      metadata: projectMetadata(ARGOCD_ROOT),
      spec: {
        description: 'Easy Flow GitOps bootstrap: the root Application manages only Argo CD objects',
        sourceRepos: [props.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: this.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'AppProject' },
          { group: 'argoproj.io', kind: 'Application' },
        ],
      },
    });
    new Application(this, 'root', {
      metadata: { name: ARGOCD_ROOT, namespace: this.namespace, labels },
      spec: {
        project: ARGOCD_ROOT,
        source: { repoUrl: props.repoURL, targetRevision: props.revision, path: props.path },
        destination: { server: IN_CLUSTER, namespace: this.namespace },
        revisionHistoryLimit: 10,
        syncPolicy: { ...syncPolicy, syncOptions: ['PruneLast=true'] },
      },
    });

    const windows: AppProjectSpecSyncWindows[] = props.environments.flatMap((e) =>
      (e.syncWindows ?? []).map((w) => ({
        kind: w.kind,
        schedule: w.schedule,
        duration: w.duration,
        timeZone: w.timeZone ?? 'Etc/UTC',
        manualSync: w.manualSync ?? false,
        applications: [`easyflow-${e.name}`],
        ...(w.description === undefined ? {} : { description: w.description }),
      })),
    );
    new AppProject(this, 'project', {
      metadata: projectMetadata(this.project),
      spec: {
        description: 'Easy Flow: every environment synthesized by easyflow-deploy',
        sourceRepos: [props.repoURL],
        destinations: props.environments.map((e) => ({ server: e.server, namespace: e.namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
        orphanedResources: { warn: true },
        ...(windows.length === 0 ? {} : { syncWindows: windows }),
      },
    });

    this.applicationNames = props.environments.map((e) => {
      const name = `easyflow-${e.name}`;
      new Application(this, `application-${e.name}`, {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          project: this.project,
          source: { repoUrl: props.repoURL, targetRevision: e.revision, path: e.path },
          destination: { server: e.server, namespace: e.namespace },
          revisionHistoryLimit: 10,
          syncPolicy: {
            ...syncPolicy,
            syncOptions: ['PruneLast=true', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
          },
        },
      });
      return name;
    });
  }
}
