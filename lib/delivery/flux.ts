import { Construct } from 'constructs';
import { GitRepository, GitRepositorySpecRef } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecDeletionPolicy,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { throwProblems } from '../platform/checks';
import { objectLabels } from '../platform/labels';

/**
 * Name of the root GitRepository and Kustomization of an environment's bootstrap folder: one per
 * environment, so two environments sharing a cluster never fight over one root.
 */
export function fluxRootName(environment: string): string {
  return `easyflow-gitops-${environment}`;
}

/** A workload Flux waits for before it calls a sync healthy. */
export interface HealthCheck {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/** Where Flux runs unless told otherwise (`flux install`'s namespace). */
export const FLUX_NAMESPACE = 'flux-system';

/** Another Flux Kustomization that must be Ready before the environment's is applied. */
export interface FluxDependency {
  readonly name: string;
  /**
   * @default - the namespace Flux runs in (`FluxDeliveryProps.namespace`)
   */
  readonly namespace?: string;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `dependsOn` cannot be the dependencies of environment `environment`'s Kustomization in Flux's
 * `namespace`, each as `<key>... <problem>` (`at` names the list): a name that is no object name, one
 * listed twice, or one of the environment's own Kustomizations, which would wait for itself.
 */
export function fluxDependencyProblems(
  at: string,
  dependsOn: readonly FluxDependency[],
  environment: string,
  namespace: string,
): string[] {
  const own = [`easyflow-${environment}`, fluxRootName(environment)];
  const seen = new Set<string>();
  return dependsOn.flatMap((d, i) => {
    const ns = d.namespace ?? namespace;
    const key = `${ns}/${d.name}`;
    const problems = [
      SUBDOMAIN.test(d.name) && d.name.length <= 253
        ? undefined
        : `${at}.${i}.name is ${JSON.stringify(d.name)}: it must be a Kubernetes object name (lower-case DNS subdomain)`,
      seen.has(key) ? `${at}.${i} lists ${key} a second time` : undefined,
      ns === namespace && own.includes(d.name)
        ? `${at}.${i} is ${key}, a Kustomization of this environment's own: it would wait for itself`
        : undefined,
    ];
    seen.add(key);
    return problems.filter((p): p is string => p !== undefined);
  });
}

/** A revision of this repository: exactly one of a branch, a tag or a commit. */
export type GitRevision = { readonly branch: string } | { readonly tag: string } | { readonly commit: string };

/** The revision as Argo CD's `targetRevision` and a reader name it: the branch, tag or commit itself. */
export function revisionName(revision: GitRevision): string {
  return 'branch' in revision ? revision.branch : 'tag' in revision ? revision.tag : revision.commit;
}

export interface FluxDeliveryProps {
  /** Environment name; its GitRepository and Kustomization are `easyflow-<name>`. */
  readonly environment: string;
  /** Namespace the environment's workloads live in. */
  readonly targetNamespace: string;
  /** Git URL of this repository. */
  readonly repoURL: string;
  /** Branch the root objects follow: the bootstrap objects always come from it. */
  readonly branch: string;
  /** Revision the environment's manifests are applied from. */
  readonly revision: GitRevision;
  /** Folder of the environment's manifests, relative to the repository root (`dist/prod`). */
  readonly path: string;
  /**
   * Folder these objects are written to, relative to the repository root: the root Kustomization
   * applies it, so it manages itself and the environment's objects.
   */
  readonly bootstrapPath: string;
  /** Workloads that must become ready. */
  readonly healthChecks: readonly HealthCheck[];
  /**
   * Namespace Flux runs in.
   * @default 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Reconcile interval of both Kustomizations.
   * @default '5m'
   */
  readonly interval?: string;
  /**
   * How long to wait for the health checks.
   * @default '10m'
   */
  readonly timeout?: string;
  /**
   * Secret in `namespace` with the credentials of a private repository (`flux create secret git`).
   * @default - none: the repository is public
   */
  readonly secretRef?: string;
  /**
   * The cluster's infrastructure Kustomizations (the CRDs and controllers the manifests use:
   * CloudNativePG, its Barman Cloud plugin, External Secrets, Envoy Gateway, prometheus-operator,
   * cert-manager) that must be Ready before the environment's Kustomization applies, so a first
   * reconcile never fails its dry-run on a CRD not yet installed. The root Kustomization waits for
   * nothing: it only applies these objects.
   * @default - none: the environment is applied at once
   */
  readonly dependsOn?: readonly FluxDependency[];
}

/** `./dist/prod`: Flux paths are relative to the repository root. */
function fluxPath(path: string): string {
  return `./${path}`;
}

/**
 * Flux bootstrap for one cluster (`dist/gitops/flux/<env>/`), applied by hand once per cluster and
 * then managing itself, as `flux bootstrap`'s `flux-system` pair does: the root GitRepository and
 * Kustomization `easyflow-gitops-<env>` follow `branch` and apply the folder they are written to, itself
 * included, so a changed interval, revision or health check reaches the cluster by pull request
 * alone. The environment's own GitRepository and Kustomization `easyflow-<env>` apply its manifests
 * from its revision with prune, health checks and a timeout. Both Kustomizations orphan what they
 * applied when they are deleted (`deletionPolicy: Orphan`), like an Argo CD Application without the
 * resources finalizer: removing an environment never deletes its workloads or data.
 */
export class FluxDelivery extends Construct {
  public readonly kustomizationName: string;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: FluxDeliveryProps) {
    super(scope, id);
    this.kustomizationName = `easyflow-${props.environment}`;
    this.namespace = props.namespace ?? FLUX_NAMESPACE;
    const dependsOn = props.dependsOn ?? [];
    throwProblems(this, [
      props.healthChecks.length === 0 ? 'healthChecks must name at least one workload' : undefined,
      ...fluxDependencyProblems('dependsOn', dependsOn, props.environment, this.namespace),
    ]);
    const labels = objectLabels({ name: 'easyflow-flux', component: 'gitops' });
    const interval = props.interval ?? '5m';

    const pair = (name: string, ref: GitRevision, path: string, extra: object): void => {
      new GitRepository(this, `${name}-source`, {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          url: props.repoURL,
          ref: ref as GitRepositorySpecRef,
          interval: '1m',
          timeout: '60s',
          ...(props.secretRef === undefined ? {} : { secretRef: { name: props.secretRef } }),
        },
      });
      new Kustomization(this, name, {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          interval,
          retryInterval: '1m',
          path: fluxPath(path),
          prune: true,
          deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
          wait: false,
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name },
          ...extra,
        },
      });
    };
    pair(fluxRootName(props.environment), { branch: props.branch }, props.bootstrapPath, {});
    pair(this.kustomizationName, props.revision, props.path, {
      timeout: props.timeout ?? '10m',
      ...(dependsOn.length > 0 && {
        dependsOn: dependsOn.map((d) => ({ name: d.name, namespace: d.namespace ?? this.namespace })),
      }),
      healthChecks: props.healthChecks.map((h) => ({ ...h, namespace: props.targetNamespace })),
    });
  }
}
