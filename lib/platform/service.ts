import { Construct } from 'constructs';
import { k8s } from './k8s';
import { Identity, objectLabels, selectorLabels } from './labels';

/** One port of a Service; the target is the container port of the same name. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
}

export interface WorkloadServiceOptions {
  /**
   * Headless (no cluster IP): DNS answers with every ready pod, as a plain Prometheus needs to
   * scrape each one.
   * @default false
   */
  readonly headless?: boolean;
  /**
   * Construct id, for a workload with more than one Service.
   * @default 'service'
   */
  readonly constructId?: string;
}

/**
 * A Service named `name` that selects the workload's immutable `app` label. A regular one carries
 * that label too, so ServiceMonitors and NetworkPolicies can select it; a headless one does not,
 * so a ServiceMonitor never matches it by accident.
 */
export function workloadService(
  scope: Construct,
  name: string,
  id: Identity,
  ports: readonly ServicePort[],
  options: WorkloadServiceOptions = {},
): k8s.KubeService {
  const labels = options.headless ? objectLabels(id) : { ...selectorLabels(id.name), ...objectLabels(id) };
  return new k8s.KubeService(scope, options.constructId ?? 'service', {
    metadata: { name, labels },
    spec: {
      ...(options.headless ? { clusterIp: 'None' } : { type: 'ClusterIP' }),
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
