import { Construct } from 'constructs';
import { sqlIdentifierProblem, throwProblems } from '../platform/checks';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import type { Storage } from '../platform/storage';
import { AppSecrets } from './app-secrets';
import type { PostgresDatabase } from './database';
import { Identity, objectLabels, podLabels, selectorLabels, versionOf } from '../platform/labels';
import { workloadService } from '../platform/service';
import { dataClaimTemplate } from '../platform/storage';
import { KEEP_ON_PRUNE, container, emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';
import { assertPinned } from '../platform/image';

export interface PostgresProps {
  /** Pinned PostgreSQL 15 image, e.g. `docker.io/library/postgres:15.19-alpine`. */
  readonly image: string;
  /** Where the password (key DATABASE_PASSWORD) comes from. */
  readonly secrets: AppSecrets;
  /** The data volume: size and optional StorageClass. */
  readonly storage: Storage;
  /** Container resources. */
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * Database created on first start.
   * @default 'easyflow'
   */
  readonly database?: string;
  /**
   * Superuser created on first start.
   * @default 'postgres'
   */
  readonly user?: string;
  /**
   * Unprivileged uid/gid of the image's postgres user (70 on Alpine images, 999 on Debian ones).
   * @default - 70 for an -alpine tag, else 999
   */
  readonly runAsUser?: number;
}

/**
 * PostgreSQL 15 as StatefulSet `postgres` behind Service `postgres:5432`. Data lives on the claim
 * `data-postgres-0`, which survives deletion and scale-down of the StatefulSet and GitOps prunes.
 */
export class Postgres extends Construct implements PostgresDatabase {
  public readonly serviceName = 'postgres';
  public readonly dumpServiceName = 'postgres';
  public readonly port = 5432;
  /** The image's default configuration serves no TLS. */
  public readonly sslMode = 'disable';
  /** The container listens on the Service's port. */
  public readonly containerPort = 5432;
  public readonly identity: Identity;
  public readonly database: string;
  public readonly user: string;
  public readonly image: string;
  public readonly runAsUser: number;
  private readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    assertPinned(this.node.path, props.image);
    this.image = props.image;
    this.database = props.database ?? 'easyflow';
    this.user = props.user ?? 'postgres';
    throwProblems(this, [sqlIdentifierProblem('database', this.database), sqlIdentifierProblem('user', this.user)]);
    this.runAsUser = props.runAsUser ?? (/-alpine/.test(props.image) ? 70 : 999);
    this.secrets = props.secrets;
    this.identity = { name: this.serviceName, component: 'database', version: versionOf(props.image) };

    const sa = workloadServiceAccount(this, this.identity);
    workloadService(this, this.serviceName, this.identity, [{ name: 'postgres', port: this.port }]);

    const isReady: k8s.ExecAction = {
      command: [
        'pg_isready',
        '--host=127.0.0.1',
        `--port=${this.port}`,
        `--username=${this.user}`,
        `--dbname=${this.database}`,
      ],
    };
    new k8s.KubeStatefulSet(this, 'stateful-set', {
      metadata: { name: this.serviceName, labels: objectLabels(this.identity), annotations: { ...KEEP_ON_PRUNE } },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels(this.serviceName) },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: podLabels(this.identity, props.instance) },
          spec: podSpec({
            serviceAccountName: sa.name,
            runAs: { user: this.runAsUser, group: this.runAsUser },
            terminationGracePeriodSeconds: 60,
            containers: [
              container({
                name: 'postgres',
                image: props.image,
                resources: props.resources,
                ports: [{ name: 'postgres', containerPort: this.port }],
                env: [
                  { name: 'POSTGRES_DB', value: this.database },
                  { name: 'POSTGRES_USER', value: this.user },
                  this.passwordEnv('POSTGRES_PASSWORD'),
                  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                ],
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/postgresql/data' },
                  { name: 'run', mountPath: '/var/run/postgresql' },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'shm', mountPath: '/dev/shm' },
                ],
                startupProbe: { exec: isReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
                readinessProbe: { exec: isReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                livenessProbe: { exec: isReady, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 },
              }),
            ],
            volumes: [emptyDir('run', '16Mi'), emptyDir('tmp', '256Mi'), emptyDir('shm', '256Mi', 'Memory')],
          }),
        },
        volumeClaimTemplates: [dataClaimTemplate(this.identity, props.instance, props.storage)],
      },
    });
  }

  /** The database password as environment variable `name`. */
  public passwordEnv(name: string): k8s.EnvVar {
    return this.secrets.env(name, 'DATABASE_PASSWORD');
  }
}
