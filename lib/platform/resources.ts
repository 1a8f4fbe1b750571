/** Container resources from config into the Kubernetes shape. */
import { k8s } from './k8s';

/** Requests or limits as the config writes them: Kubernetes quantities. */
export interface ResourceList {
  readonly cpu?: string;
  readonly memory: string;
}

/** Container requests (both) and limits (memory always, CPU optionally). */
export interface Resources {
  readonly requests: Required<ResourceList>;
  readonly limits: ResourceList;
}

export function resourceRequirements(r: Resources): k8s.ResourceRequirements {
  const limits: Record<string, k8s.Quantity> = { memory: k8s.Quantity.fromString(r.limits.memory) };
  if (r.limits.cpu !== undefined) {
    limits.cpu = k8s.Quantity.fromString(r.limits.cpu);
  }
  return {
    requests: {
      cpu: k8s.Quantity.fromString(r.requests.cpu),
      memory: k8s.Quantity.fromString(r.requests.memory),
    },
    limits,
  };
}
