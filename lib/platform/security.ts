/**
 * Pod Security Standard "restricted", in one place: every pod and container in this project
 * takes its security context from here.
 */
import { k8s } from './k8s';

/** The unprivileged identity a pod runs as. */
export interface RunAs {
  /** Non-zero user id (the image's own unprivileged user where it has one). */
  readonly user: number;
  /** Group id; also the fsGroup, so mounted volumes are writable. */
  readonly group: number;
}

/** Pod-level security context: non-root, fixed ids, fsGroup, RuntimeDefault seccomp. */
export function podSecurityContext(runAs: RunAs): k8s.PodSecurityContext {
  if (!Number.isInteger(runAs.user) || runAs.user <= 0) {
    throw new Error(`runAs.user must be a non-zero user id, got ${runAs.user}`);
  }
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    fsGroup: runAs.group,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context: no privilege escalation, no capabilities, read-only root. */
export function containerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
