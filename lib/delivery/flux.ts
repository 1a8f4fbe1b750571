import { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { objectLabels } from '../platform/labels';

/** A workload Flux waits for before it calls a sync healthy. */
export interface HealthCheck {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export interface FluxDeliveryProps {
  /** Environment name; the Kustomization is `easyflow-<name>` and applies `./dist/<name>`. */
  readonly environment: string;
  /** Namespace the environment's workloads live in. */
  readonly targetNamespace: string;
  /** Git URL of this repository. */
  readonly repoURL: string;
  /** Branch to follow. */
  readonly branch: string;
  /** Workloads that must become ready. */
  readonly healthChecks: readonly HealthCheck[];
  /**
   * Namespace Flux runs in.
   * @default 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Reconcile interval.
   * @default '5m'
   */
  readonly interval?: string;
  /**
   * How long to wait for the health checks.
   * @default '10m'
   */
  readonly timeout?: string;
}

/**
 * Flux bootstrap for one cluster (`dist/gitops/flux/<env>/`): the GitRepository of this repository
 * and a Kustomization applying `./dist/<env>` with prune, health checks and a timeout.
 */
export class FluxDelivery extends Construct {
  public readonly kustomizationName: string;
  public readonly repositoryName = 'easyflow-deploy';

  constructor(scope: Construct, id: string, props: FluxDeliveryProps) {
    super(scope, id);
    if (props.healthChecks.length === 0) {
      throw new Error(`${this.node.path}: healthChecks must name at least one workload`);
    }
    const namespace = props.namespace ?? 'flux-system';
    const labels = objectLabels({ name: 'easyflow-flux', component: 'gitops' });
    this.kustomizationName = `easyflow-${props.environment}`;

    new GitRepository(this, 'repository', {
      metadata: { name: this.repositoryName, namespace, labels },
      spec: { url: props.repoURL, ref: { branch: props.branch }, interval: '1m', timeout: '60s' },
    });
    new Kustomization(this, 'kustomization', {
      metadata: { name: this.kustomizationName, namespace, labels },
      spec: {
        interval: props.interval ?? '5m',
        retryInterval: '1m',
        timeout: props.timeout ?? '10m',
        path: `./dist/${props.environment}`,
        prune: true,
        wait: false,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: this.repositoryName },
        healthChecks: props.healthChecks.map((h) => ({ ...h, namespace: props.targetNamespace })),
      },
    });
  }
}
