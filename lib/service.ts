import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Identity, objectLabels, selectorLabels } from './labels';

/** One port of a Service; the target is the container port of the same name. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
}

/**
 * A ClusterIP Service named `name` that selects the workload's immutable `app` label. It carries
 * that label too, so ServiceMonitors and NetworkPolicies can select it.
 */
export function workloadService(
  scope: Construct,
  name: string,
  id: Identity,
  ports: readonly ServicePort[],
): k8s.KubeService {
  return new k8s.KubeService(scope, 'service', {
    metadata: { name, labels: { ...selectorLabels(id.name), ...objectLabels(id) } },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(id.name),
      ports: ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: k8s.IntOrString.fromString(p.name),
        protocol: 'TCP',
      })),
    },
  });
}
