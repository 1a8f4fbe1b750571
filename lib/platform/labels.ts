/**
 * Labels. Every object carries the Kubernetes recommended labels; selectors use only the plain
 * `app: <name>` label, which live clusters running the guide's manifests already have and which
 * never changes (a Deployment's or StatefulSet's selector is immutable).
 */

export const PART_OF = 'easyflow';
export const MANAGED_BY = 'cdk8s';

/** Who an object belongs to: the workload name, its role, and the environment's instance. */
export interface Identity {
  /** `app.kubernetes.io/name` and the `app` selector label, e.g. `easyflow-app`, `postgres`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `api`, `database`, `worker`. */
  readonly component: string;
  /** `app.kubernetes.io/version`, where meaningful (the image tag). */
  readonly version?: string;
}

/** The immutable selector labels of a workload. */
export function selectorLabels(name: string): Record<string, string> {
  return { app: name };
}

/** Recommended labels of an object (instance, part-of and managed-by come from the chart). */
export function objectLabels(id: Identity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/component': id.component,
    ...(id.version ? { 'app.kubernetes.io/version': id.version } : {}),
  };
}

/** Labels of the chart: applied by cdk8s to every object's metadata. */
export function chartLabels(instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Every recommended label, for metadata the chart does not reach (templates inside objects). */
export function fullLabels(id: Identity, instance: string): Record<string, string> {
  return { ...chartLabels(instance), ...objectLabels(id) };
}

/** Labels of a pod template: the selector plus every recommended label. */
export function podLabels(id: Identity, instance: string): Record<string, string> {
  return { ...selectorLabels(id.name), ...fullLabels(id, instance) };
}

/** The tag part of an image reference, for `app.kubernetes.io/version`. */
export function versionOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  return withoutDigest.slice(withoutDigest.lastIndexOf(':') + 1);
}

/** Label on the Namespace saying whether the environment serves users; the policy reads it. */
export const TIER_LABEL = 'easyflow.dev/tier';
/** On a production Namespace: `pending` while the digests of its images are not known yet (see EnvironmentNamespaceProps.imageDigests). */
export const IMAGE_DIGESTS_LABEL = 'easyflow.dev/image-digests';

/** Annotation naming the oldest Envoy Gateway an object needs (workloads/gateway.ts says why), where an operator sees it. */
export const REQUIRES_ENVOY_GATEWAY = 'easyflow.dev/requires-envoy-gateway';
