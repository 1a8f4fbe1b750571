import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { isDnsLabel, throwProblems } from '../platform/checks';
import { k8s } from '../platform/k8s';
import { IMAGE_DIGESTS_LABEL, TIER_LABEL, objectLabels } from '../platform/labels';

export interface EnvironmentNamespaceProps {
  /** Namespace name (prod: `easyflow`). */
  readonly name: string;
  /**
   * `production` where an outage reaches users: the policy then demands a replicated database.
   * @default 'non-production'
   */
  readonly tier?: 'production' | 'non-production';
  /**
   * `pending` only while a production environment's image digests cannot be known yet (a new
   * environment, or images Renovate has not pinned): the Namespace then says so in its
   * `easyflow.dev/image-digests` label, and the policy does not yet demand a digest on every image.
   * Set it back to `required` (or remove it) once every image carries its real digest; a digest is
   * never invented to satisfy the rule, since an unknown digest fails every pull.
   * @default 'required' - production pulls every image by tag@sha256:<digest>
   */
  readonly imageDigests?: 'required' | 'pending';
}

/**
 * The environment's Namespace, enforcing the Pod Security Standard `restricted` (and auditing and
 * warning on it), so a pod that is not restricted is refused by the API server itself.
 */
export class EnvironmentNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: EnvironmentNamespaceProps) {
    super(scope, id);
    throwProblems(this, [isDnsLabel(props.name) ? undefined : `name "${props.name}" must be a DNS label`]);
    this.name = props.name;
    const pss: Record<string, string> = {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      pss[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      pss[`pod-security.kubernetes.io/${mode}-version`] = 'v1.27';
    }
    const namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...objectLabels({ name: props.name, component: 'namespace' }),
          ...pss,
          [TIER_LABEL]: props.tier ?? 'non-production',
          ...(props.imageDigests === 'pending' ? { [IMAGE_DIGESTS_LABEL]: 'pending' } : {}),
        },
      },
    });
    // A Namespace is cluster-scoped: drop the namespace the chart gives every object.
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
