/** Container resources from config into the Kubernetes shape. */
import { k8s } from 'cdk8s-plus-27';
import type { Resources } from './config';

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
