import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { isDnsLabel, throwProblems } from '../platform/checks';
import { k8s } from 'cdk8s-plus-27';
import { TIER_LABEL, objectLabels } from '../platform/labels';

export interface EnvironmentNamespaceProps {
  /** Namespace name (prod: `easyflow`). */
  readonly name: string;
  /**
   * `production` where an outage reaches users: the policy then demands a replicated database.
   * @default 'non-production'
   */
  readonly tier?: 'production' | 'non-production';
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
        },
      },
    });
    // A Namespace is cluster-scoped: drop the namespace the chart gives every object.
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
