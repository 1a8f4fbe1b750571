import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { AppProject } from '../../imports/appprojects-argoproj.io';
import { objectLabels } from '../platform/labels';

/** One environment as Argo CD deploys it. */
export interface ArgoCdEnvironment {
  /** Environment name; the Application is `easyflow-<name>` and syncs `dist/<name>`. */
  readonly name: string;
  /** Namespace the environment's objects live in. */
  readonly namespace: string;
  /** API server URL of the target cluster. */
  readonly server: string;
  /** Branch (or tag) to follow. */
  readonly revision: string;
}

export interface ArgoCdDeliveryProps {
  /** Git URL of this repository. */
  readonly repoURL: string;
  readonly environments: readonly ArgoCdEnvironment[];
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Name of the AppProject.
   * @default 'easyflow'
   */
  readonly project?: string;
}

/**
 * Argo CD bootstrap (`dist/gitops/argocd/`): an AppProject limited to this repository, the
 * environments' namespaces and the one cluster-scoped kind we create (Namespace), and one
 * Application per environment with automated sync, prune, self-heal and retries.
 * No resources finalizer: deleting an Application never deletes the workloads or their data.
 */
export class ArgoCdDelivery extends Construct {
  public readonly project: string;
  public readonly applicationNames: readonly string[];

  constructor(scope: Construct, id: string, props: ArgoCdDeliveryProps) {
    super(scope, id);
    if (props.environments.length === 0) {
      throw new Error(`${this.node.path}: environments must not be empty`);
    }
    this.project = props.project ?? 'easyflow';
    const namespace = props.namespace ?? 'argocd';
    const labels = objectLabels({ name: 'easyflow-argocd', component: 'gitops' });

    new AppProject(this, 'project', {
      metadata: { name: this.project, namespace, labels },
      spec: {
        description: 'Easy Flow: every environment synthesized by easyflow-deploy',
        sourceRepos: [props.repoURL],
        destinations: props.environments.map((e) => ({ server: e.server, namespace: e.namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
        orphanedResources: { warn: true },
      },
    });

    this.applicationNames = props.environments.map((e) => {
      const name = `easyflow-${e.name}`;
      new Application(this, `application-${e.name}`, {
        metadata: { name, namespace, labels },
        spec: {
          project: this.project,
          source: { repoUrl: props.repoURL, targetRevision: e.revision, path: `dist/${e.name}` },
          destination: { server: e.server, namespace: e.namespace },
          revisionHistoryLimit: 10,
          syncPolicy: {
            automated: { prune: true, selfHeal: true, allowEmpty: false },
            syncOptions: ['PruneLast=true', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      });
      return name;
    });
  }
}
