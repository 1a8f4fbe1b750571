/**
 * Argo CD sync waves: namespace, config and secrets first, then the data stores, then the app and
 * its workers, then ingress and monitoring. The wave follows the object's
 * `app.kubernetes.io/component`, so every object of a workload moves together; a component that is
 * not listed fails the synth instead of silently landing in wave 0.
 */
import { ApiObject, Chart } from 'cdk8s';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

const WAVES: Readonly<Record<string, number>> = {
  namespace: -1,
  config: 0,
  secrets: 0,
  'network-policy': 0,
  database: 1,
  cache: 1,
  api: 2,
  worker: 2,
  scheduler: 2,
  backup: 2,
  migration: 2,
  ingress: 3,
  gateway: 3,
  metrics: 3,
  monitoring: 3,
};

/** Annotates every object of `chart` with its sync wave. */
export function applySyncWaves(chart: Chart): void {
  for (const obj of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const component = obj.metadata.getLabel('app.kubernetes.io/component');
    const wave = component === undefined ? undefined : WAVES[component];
    if (wave === undefined) {
      throw new Error(
        `${obj.node.path}: component "${component}" has no sync wave; add it to lib/delivery/sync-waves.ts`,
      );
    }
    obj.metadata.addAnnotation(SYNC_WAVE, String(wave));
  }
}
