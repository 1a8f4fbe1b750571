import { Construct } from 'constructs';
import { k8s } from './k8s';
import { Identity, objectLabels, podLabels, selectorLabels } from './labels';

export interface WorkloadDeploymentOptions {
  readonly identity: Identity;
  readonly instance: string;
  readonly podSpec: k8s.PodSpec;
  /** Fixed replica count; undefined when an HPA owns it (so GitOps never fights the autoscaler). */
  readonly replicas?: number;
  readonly strategy: k8s.DeploymentStrategy;
  readonly podAnnotations?: Record<string, string>;
}

/** A Deployment named after the workload that selects only its immutable `app` label. */
export function workloadDeployment(scope: Construct, o: WorkloadDeploymentOptions): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, 'deployment', {
    metadata: { name: o.identity.name, labels: objectLabels(o.identity) },
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(o.identity.name) },
      strategy: o.strategy,
      template: {
        metadata: { labels: podLabels(o.identity, o.instance), annotations: o.podAnnotations },
        spec: o.podSpec,
      },
    },
  });
}

/** Rolling update that never goes below the current replica count: new pods first, then old ones. */
export const SURGE_ONLY: k8s.DeploymentStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') },
};

/**
 * A PodDisruptionBudget letting voluntary disruptions (node drains) take one pod at a time.
 * Only for workloads that run more than one replica: with one, it would block every drain.
 */
export function disruptionBudget(scope: Construct, id: Identity): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, 'pdb', {
    metadata: { name: id.name, labels: objectLabels(id) },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selectorLabels(id.name) },
    },
  });
}
