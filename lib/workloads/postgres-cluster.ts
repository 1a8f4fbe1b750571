import { Construct } from 'constructs';
import { sqlIdentifierProblem, throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from '../platform/k8s';
import {
  Cluster,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/clusters-postgresql.cnpg.io';
import {
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from '../../imports/scheduledbackups-postgresql.cnpg.io';
import {
  ObjectStore as BarmanObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits as SidecarLimit,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests as SidecarRequest,
} from '../../imports/objectstores-barmancloud.cnpg.io';
import { AppSecrets } from './app-secrets';
import type { Resources } from '../platform/resources';
import type { Storage } from '../platform/storage';
import type { PostgresDatabase } from './database';
import { assertPinned } from '../platform/image';
import { Identity, PART_OF, objectLabels, selectorLabels, versionOf } from '../platform/labels';
import { KEEP_ON_PRUNE } from '../platform/pod';
import { ObjectStoreOptions, objectStore } from '../platform/object-store';
import { workloadService } from '../platform/service';

/**
 * Point-in-time recovery: WAL archiving and base backups to S3 (under `<prefix>cnpg/`) through the
 * Barman Cloud plugin (CNPG-I, `barman-cloud.cloudnative-pg.io`), which replaces the in-tree
 * `spec.backup.barmanObjectStore` deprecated since CloudNativePG 1.26.
 */
export interface PitrBackupOptions extends ObjectStoreOptions {
  /**
   * Base backups and WAL older than this are removed by the operator.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Five-field cron of the base backup (the operator adds the seconds field).
   * @default '0 3 * * *'
   */
  readonly schedule?: string;
  /**
   * Resources of the plugin's sidecar in each instance pod (barman-cloud archives WAL there).
   * @default - requests 100m CPU and 128Mi, limit 512Mi memory
   */
  readonly sidecarResources?: Resources;
}

export interface PostgresClusterProps {
  /** Pinned CloudNativePG PostgreSQL 15 image, e.g. `ghcr.io/cloudnative-pg/postgresql:15.19`. */
  readonly image: string;
  /** Where the application user's password (DATABASE_PASSWORD) comes from. */
  readonly secrets: AppSecrets;
  /** Each instance's data volume. */
  readonly storage: Storage;
  readonly resources: Resources;
  /**
   * PostgreSQL instances: one primary, the rest streaming replicas.
   * @default 2
   */
  readonly instances?: number;
  /**
   * Database created at bootstrap.
   * @default 'easyflow'
   */
  readonly database?: string;
  /**
   * Owner of the database, the user the app connects as (not the superuser `postgres`).
   * @default 'easyflow'
   */
  readonly owner?: string;
  /**
   * WAL archiving and scheduled base backups for point-in-time recovery.
   * @default - no PITR backups (the nightly pg_dump still runs)
   */
  readonly pitr?: PitrBackupOptions;
}

/** uid and gid of the postgres user in CloudNativePG's images. */
const CNPG_UID = 26;

/** The Barman Cloud plugin's name, as its operator-side deployment registers it. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * PostgreSQL on the CloudNativePG operator: Cluster `postgres` with one primary and streaming
 * replicas, spread over nodes (required anti-affinity), reached through the operator's Services
 * `postgres-rw` (primary) and `postgres-ro` (replicas). The application user's credentials come
 * from the basic-auth Secret `postgres-credentials`, never from a manifest. The operator makes the
 * pods' PodDisruptionBudgets and runs them non-root with RuntimeDefault seccomp and a read-only root
 * filesystem. Every pod carries `app: postgres`, so the network policies written for the
 * StatefulSet mode apply unchanged.
 */
export class PostgresCluster extends Construct implements PostgresDatabase {
  public readonly clusterName = 'postgres';
  public readonly identity: Identity;
  public readonly serviceName = 'postgres-rw';
  public readonly readOnlyServiceName?: string;
  public readonly dumpServiceName: string;
  public readonly port = 5432;
  /** CloudNativePG serves TLS with a certificate of its own CA. */
  public readonly sslMode = 'require';
  public readonly containerPort = 5432;
  /** Port of the instance manager's metrics exporter. */
  public readonly metricsPort = 9187;
  /** Headless Service resolving to every instance: how a plain Prometheus scrapes them. */
  public readonly metricsServiceName = 'postgres-metrics';
  public readonly credentialsSecretName = 'postgres-credentials';
  public readonly database: string;
  public readonly user: string;
  public readonly image: string;
  public readonly runAsUser = CNPG_UID;
  public readonly instances: number;
  /** The plugin's ObjectStore the WAL and base backups go to, when PITR is on. */
  public readonly objectStoreName?: string;
  private readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    assertPinned(this.node.path, props.image);
    this.instances = props.instances ?? 2;
    this.database = props.database ?? 'easyflow';
    this.user = props.owner ?? 'easyflow';
    throwProblems(this, [
      wholeNumberProblem('instances', this.instances, 1, 9),
      sqlIdentifierProblem('database', this.database),
      sqlIdentifierProblem('owner', this.user),
      this.user === 'postgres'
        ? 'owner "postgres" is the superuser; the application needs its own owner such as "easyflow"'
        : undefined,
    ]);
    this.image = props.image;
    this.secrets = props.secrets;
    this.identity = { name: this.clusterName, component: 'database', version: versionOf(props.image) };
    this.readOnlyServiceName = this.instances > 1 ? 'postgres-ro' : undefined;
    this.dumpServiceName = this.readOnlyServiceName ?? this.serviceName;
    const labels = objectLabels(this.identity);

    props.secrets.basicAuthSecret(this, 'credentials', this.credentialsSecretName, this.user, 'DATABASE_PASSWORD');

    const pitr = props.pitr;
    const store = pitr && objectStore(pitr);
    if (pitr && store) {
      this.objectStoreName = 'postgres-backup-store';
      const retentionDays = pitr.retentionDays ?? 30;
      const sidecar: Resources = pitr.sidecarResources ?? {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { memory: '512Mi' },
      };
      throwProblems(this, [wholeNumberProblem('pitr.retentionDays', retentionDays, 1)]);
      new BarmanObjectStore(this, 'object-store', {
        metadata: { name: this.objectStoreName, labels },
        spec: {
          retentionPolicy: `${retentionDays}d`,
          instanceSidecarConfiguration: {
            resources: {
              requests: {
                cpu: SidecarRequest.fromString(sidecar.requests.cpu),
                memory: SidecarRequest.fromString(sidecar.requests.memory),
              },
              limits: {
                memory: SidecarLimit.fromString(sidecar.limits.memory),
                ...(sidecar.limits.cpu ? { cpu: SidecarLimit.fromString(sidecar.limits.cpu) } : {}),
              },
            },
          },
          configuration: {
            destinationPath: `s3://${store.bucket}/${store.prefix}cnpg`,
            endpointUrl: store.endpoint,
            s3Credentials: {
              accessKeyId: { name: store.credentialsSecret, key: 'AWS_ACCESS_KEY_ID' },
              secretAccessKey: { name: store.credentialsSecret, key: 'AWS_SECRET_ACCESS_KEY' },
            },
            wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP, maxParallel: 2 },
            data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
          },
        },
      });
    }

    new Cluster(this, 'cluster', {
      metadata: { name: this.clusterName, labels, annotations: { ...KEEP_ON_PRUNE } },
      spec: {
        instances: this.instances,
        imageName: props.image,
        primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
        enableSuperuserAccess: false,
        postgresUid: CNPG_UID,
        postgresGid: CNPG_UID,
        seccompProfile: { type: 'RuntimeDefault' },
        // Lets a long pg_dump on a replica finish instead of being cancelled by recovery conflicts.
        postgresql: { parameters: { hot_standby_feedback: 'on' } },
        bootstrap: {
          initdb: { database: this.database, owner: this.user, secret: { name: this.credentialsSecretName } },
        },
        storage: {
          size: props.storage.size,
          storageClass: props.storage.storageClassName,
          resizeInUseVolumes: true,
        },
        resources: {
          requests: {
            cpu: ClusterSpecResourcesRequests.fromString(props.resources.requests.cpu),
            memory: ClusterSpecResourcesRequests.fromString(props.resources.requests.memory),
          },
          limits: {
            memory: ClusterSpecResourcesLimits.fromString(props.resources.limits.memory),
            ...(props.resources.limits.cpu
              ? { cpu: ClusterSpecResourcesLimits.fromString(props.resources.limits.cpu) }
              : {}),
          },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: 'required',
        },
        inheritedMetadata: {
          // Only what the NetworkPolicies and the metrics Service select on, and part-of: the operator
          // sets app.kubernetes.io/{name,instance,component,version,managed-by} on its objects itself,
          // and an inherited value would override its own (test/workloads/postgres-cluster.test.ts).
          labels: { ...selectorLabels(this.clusterName), 'app.kubernetes.io/part-of': PART_OF },
          annotations: { ...KEEP_ON_PRUNE },
        },
        plugins: store && [
          { name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: { barmanObjectName: this.objectStoreName! } },
        ],
      },
    });

    if (pitr) {
      const schedule = pitr.schedule ?? '0 3 * * *';
      new ScheduledBackup(this, 'scheduled-backup', {
        metadata: { name: 'postgres-pitr', labels },
        spec: {
          cluster: { name: this.clusterName },
          // The operator's cron has a seconds field.
          schedule: schedule.startsWith('@') ? schedule : `0 ${schedule}`,
          method: ScheduledBackupSpecMethod.PLUGIN,
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
          immediate: true,
        },
      });
    }

    workloadService(this, this.metricsServiceName, this.identity, [{ name: 'metrics', port: this.metricsPort }], {
      headless: true,
      constructId: 'metrics-service',
    });
  }

  public passwordEnv(name: string): k8s.EnvVar {
    return this.secrets.env(name, 'DATABASE_PASSWORD');
  }
}
