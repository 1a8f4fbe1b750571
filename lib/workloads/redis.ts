import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import type { Storage } from '../platform/storage';
import { AppSecrets } from './app-secrets';
import { Identity, objectLabels, podLabels, selectorLabels, versionOf } from '../platform/labels';
import { workloadService } from '../platform/service';
import { dataClaimTemplate } from '../platform/storage';
import { KEEP_ON_PRUNE, container, emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';
import { assertPinned } from '../platform/image';
import { parseQuantity } from '../platform/quantity';

export interface RedisProps {
  /** Pinned Redis 7 image, e.g. `docker.io/library/redis:7.4.9-alpine`. */
  readonly image: string;
  /** Where the password (key REDIS_PASSWORD) comes from. */
  readonly secrets: AppSecrets;
  /** The append-only file's volume. */
  readonly storage: Storage;
  /** Container resources; maxmemory is set to half the memory limit (see `MAX_MEMORY_SHARE`). */
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
}

/**
 * Share of the memory limit Redis may fill with data. An AOF rewrite forks: under writes, the child's
 * copy-on-write pages can approach the dataset's size again, plus client and replication buffers.
 * Half the limit keeps a rewrite under heavy writes from getting the pod OOM-killed.
 */
export const MAX_MEMORY_SHARE = 0.5;

/**
 * The start command: the password reaches redis-server as configuration on standard input, never as
 * an argument (arguments are readable by anyone on the node in /proc/<pid>/cmdline and `ps`).
 */
export const REDIS_START = 'exec redis-server - "$@" <<EOF\nrequirepass $REDIS_PASSWORD\nEOF\n';

/**
 * Redis 7 as StatefulSet `redis` behind Service `redis:6379`: password required, append-only
 * persistence on the claim `data-redis-0`, `noeviction` so Celery's queued tasks are never evicted
 * (writes fail loudly at maxmemory instead of the pod being OOM-killed).
 */
export class Redis extends Construct {
  public readonly serviceName = 'redis';
  public readonly port = 6379;
  /** The container listens on the Service's port. */
  public readonly containerPort = 6379;
  public readonly identity: Identity;
  /** maxmemory in bytes. */
  public readonly maxMemoryBytes: number;
  private readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    assertPinned(this.node.path, props.image);
    this.secrets = props.secrets;
    this.identity = { name: this.serviceName, component: 'cache', version: versionOf(props.image) };
    this.maxMemoryBytes = Math.floor(parseQuantity(props.resources.limits.memory) * MAX_MEMORY_SHARE);

    const sa = workloadServiceAccount(this, this.identity);
    workloadService(this, this.serviceName, this.identity, [{ name: 'redis', port: this.port }]);

    const ping: k8s.ExecAction = { command: ['sh', '-c', 'redis-cli -h 127.0.0.1 ping | grep -q PONG'] };
    new k8s.KubeStatefulSet(this, 'stateful-set', {
      metadata: { name: this.serviceName, labels: objectLabels(this.identity), annotations: { ...KEEP_ON_PRUNE } },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels(this.serviceName) },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: podLabels(this.identity, props.instance) },
          spec: podSpec({
            serviceAccountName: sa.name,
            // The official image's redis user: uid 999; group 1000 on Alpine.
            runAs: { user: 999, group: 1000 },
            terminationGracePeriodSeconds: 30,
            containers: [
              container({
                name: 'redis',
                image: props.image,
                resources: props.resources,
                command: ['sh', '-c', REDIS_START, 'redis-server'],
                args: [
                  '--dir',
                  '/data',
                  '--appendonly',
                  'yes',
                  '--maxmemory',
                  String(this.maxMemoryBytes),
                  '--maxmemory-policy',
                  'noeviction',
                ],
                ports: [{ name: 'redis', containerPort: this.port }],
                env: [this.passwordEnv('REDIS_PASSWORD'), this.passwordEnv('REDISCLI_AUTH')],
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                readinessProbe: { exec: ping, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: {
                  exec: ping,
                  initialDelaySeconds: 15,
                  periodSeconds: 20,
                  timeoutSeconds: 3,
                  failureThreshold: 5,
                },
              }),
            ],
            volumes: [emptyDir('tmp', '64Mi')],
          }),
        },
        volumeClaimTemplates: [dataClaimTemplate(this.identity, props.instance, props.storage)],
      },
    });
  }

  /** The Redis password as environment variable `name`. */
  public passwordEnv(name: string): k8s.EnvVar {
    return this.secrets.env(name, 'REDIS_PASSWORD');
  }
}
