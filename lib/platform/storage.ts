import { k8s } from './k8s';
import { Identity, fullLabels } from './labels';
import { KEEP_ON_PRUNE } from './pod';

/** A claim's size and StorageClass. */
export interface Storage {
  readonly size: string;
  readonly storageClassName?: string;
}

/** The spec of a ReadWriteOnce claim of the configured size and StorageClass. */
export function claimSpec(storage: Storage): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName: storage.storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
  };
}

/**
 * The `data` volumeClaimTemplate of a StatefulSet (claim `data-<name>-0`), protected from GitOps
 * pruning like the StatefulSet itself.
 */
export function dataClaimTemplate(
  id: Identity,
  instance: string,
  storage: Storage,
): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: 'data', labels: fullLabels(id, instance), annotations: { ...KEEP_ON_PRUNE } },
    spec: claimSpec(storage),
  };
}
