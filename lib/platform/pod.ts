/**
 * Building blocks every workload's pod uses: its own ServiceAccount, the restricted security
 * context, writable emptyDirs, and a checksum annotation that rolls pods when their config changes.
 */
import { createHash } from 'crypto';
import { k8s } from './k8s';
import { Construct } from 'constructs';
import type { Resources } from './resources';
import { Identity, objectLabels } from './labels';
import { resourceRequirements } from './resources';
import { RunAs, containerSecurityContext, podSecurityContext } from './security';

/** A ServiceAccount of one workload, without an API token (no workload here talks to the API server). */
export function workloadServiceAccount(scope: Construct, id: Identity): k8s.KubeServiceAccount {
  return new k8s.KubeServiceAccount(scope, 'service-account', {
    metadata: { name: id.name, labels: objectLabels(id) },
    automountServiceAccountToken: false,
  });
}

/** What a container needs beyond the defaults every container gets. */
export interface ContainerOptions {
  readonly name: string;
  readonly image: string;
  readonly resources: Resources;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly envFrom?: k8s.EnvFromSource[];
  readonly ports?: k8s.ContainerPort[];
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly livenessProbe?: k8s.Probe;
  readonly readinessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  readonly lifecycle?: k8s.Lifecycle;
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
}

/** A container with the restricted security context and its resources. */
export function container(o: ContainerOptions): k8s.Container {
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
    command: o.command,
    args: o.args,
    env: o.env,
    envFrom: o.envFrom,
    ports: o.ports,
    volumeMounts: o.volumeMounts,
    livenessProbe: o.livenessProbe,
    readinessProbe: o.readinessProbe,
    startupProbe: o.startupProbe,
    lifecycle: o.lifecycle,
    resources: resourceRequirements(o.resources),
    securityContext: containerSecurityContext(),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** What a pod needs beyond the defaults every pod gets. */
export interface PodOptions {
  readonly serviceAccountName: string;
  readonly runAs: RunAs;
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly restartPolicy?: 'Always' | 'Never' | 'OnFailure';
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
}

/**
 * A restricted pod: its own ServiceAccount with no token, no service-link environment variables
 * (they would leak every Service of the namespace into the app's environment).
 */
export function podSpec(o: PodOptions): k8s.PodSpec {
  return {
    serviceAccountName: o.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(o.runAs),
    initContainers: o.initContainers,
    containers: o.containers,
    volumes: o.volumes,
    restartPolicy: o.restartPolicy,
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
    topologySpreadConstraints: o.topologySpreadConstraints,
  };
}

/** A writable scratch volume, size-capped so a runaway process cannot fill the node. */
export function emptyDir(name: string, sizeLimit: string, medium?: 'Memory'): k8s.Volume {
  return { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit), medium } };
}

/** sha256 of the JSON of `data`, for `checksum/...` pod annotations. */
export function checksum(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/** Annotations that keep an object out of GitOps pruning: losing it would lose data. */
export const KEEP_ON_PRUNE: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
