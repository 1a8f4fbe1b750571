/**
 * Argo CD sync waves: namespace, config, secrets and network policies first, then the data stores,
 * then the migrations (a Sync-phase hook: it needs the database, and the new release waits for it),
 * then the app and its workers, then ingress and monitoring, and last the backup and the Gateway API
 * edge. Argo CD waits for every wave to be healthy before the next, and fails the sync on a Degraded
 * object, except in the last one, so the last wave holds only what must block nothing: the backup's
 * claim stays Pending on a `WaitForFirstConsumer` storage class until the first backup mounts it, and
 * the Gateway is Degraded (listener `ResolvedRefs=False`) until cert-manager has issued the
 * certificate it serves, which cert-manager can only do once the Gateway exists.
 * The wave follows the object's `app.kubernetes.io/component`, so every object of a workload moves
 * together; a component that is not listed fails the synth instead of silently landing in wave 0.
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
  migration: 2,
  api: 3,
  worker: 3,
  scheduler: 3,
  ingress: 4,
  metrics: 4,
  monitoring: 4,
  // The last wave: nothing here is waited for.
  backup: 5,
  gateway: 5,
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
