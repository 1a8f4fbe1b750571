import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig } from './workloads/app-config';
import { AppRuntime } from './workloads/app-runtime';
import { AppSecrets } from './workloads/app-secrets';
import { CeleryBeat } from './workloads/celery-beat';
import { CeleryWorker } from './workloads/celery-worker';
import type { EnvironmentConfig } from './environment';
import type { EdgeProps, EdgeProvider } from './workloads/edge';
import { EasyflowGateway } from './workloads/gateway';
import { EasyflowIngress } from './workloads/ingress';
import { chartLabels } from './platform/labels';
import { DatabaseMigrations } from './workloads/migrations';
import { Monitoring } from './workloads/monitoring';
import { EnvironmentNamespace } from './workloads/namespace';
import { EdgePeer, NetworkPolicies } from './workloads/network-policies';
import type { PostgresDatabase } from './workloads/database';
import { Postgres } from './workloads/postgres';
import { PostgresCluster } from './workloads/postgres-cluster';
import { PostgresBackup } from './workloads/postgres-backup';
import { PostgresExporter } from './workloads/postgres-exporter';
import { Redis } from './workloads/redis';
import { RedisExporter } from './workloads/redis-exporter';
import { applySyncWaves } from './delivery/sync-waves';
import type { HealthCheck } from './delivery/flux';
import { WebApp } from './workloads/web-app';

/** Everything one environment of Easy Flow runs on, from its validated config. */
export class EasyflowChart extends Chart {
  public readonly environment: EnvironmentConfig;
  /** The long-running workloads, which must be ready for a sync to count as healthy. */
  public readonly healthChecks: readonly HealthCheck[];
  /** The environment's NetworkPolicies, with the peers outside its namespace they name. */
  public readonly network: NetworkPolicies;
  /** The database and its nightly backup, which a restore (`npm run restore`) works with. */
  public readonly postgres: PostgresDatabase;
  public readonly backup: PostgresBackup;

  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    const instance = `easyflow-${env.name}`;
    super(scope, id, { namespace: env.namespace, labels: chartLabels(instance), disableResourceNameHashes: true });
    this.environment = env;

    new EnvironmentNamespace(this, 'namespace', {
      name: env.namespace,
      tier: env.tier,
      imageDigests: env.imageDigests,
    });
    const config = new AppConfig(this, 'config', {
      environment: env.name,
      logLevel: env.app.logLevel,
      workers: env.app.workers,
      settings: env.app.settings,
    });
    const secrets = new AppSecrets(this, 'secrets', { remoteKey: `easyflow/${env.name}`, ...env.secrets });

    const postgresCluster =
      env.postgres.mode === 'cloudnativepg'
        ? new PostgresCluster(this, 'postgres', {
            image: env.postgres.image,
            secrets,
            storage: env.postgres.storage,
            resources: env.postgres.resources,
            instances: env.postgres.instances,
            database: env.postgres.database,
            owner: env.postgres.user,
            pitr: env.backup.s3 && {
              bucket: env.backup.s3.bucket,
              prefix: env.backup.s3.prefix,
              endpoint: env.backup.s3.endpoint,
              credentialsSecret: env.backup.s3.credentialsSecret,
              retentionDays: env.backup.s3.pitrRetentionDays,
              sidecarResources: env.backup.s3.pitrSidecarResources,
            },
          })
        : undefined;
    const postgres: PostgresDatabase =
      postgresCluster ??
      new Postgres(this, 'postgres', {
        image: env.postgres.image,
        secrets,
        storage: env.postgres.storage,
        resources: env.postgres.resources,
        instance,
        database: env.postgres.database,
        user: env.postgres.user,
      });
    const redis = new Redis(this, 'redis', { ...env.redis, secrets, instance });

    const runtime = new AppRuntime({
      ...env.image,
      runAsUser: env.app.runAsUser,
      config,
      secrets,
      postgres,
      redis,
    });
    const app = new WebApp(this, 'app', {
      runtime,
      instance,
      resources: env.app.resources,
      ...env.app.autoscaling,
    });
    const worker = new CeleryWorker(this, 'celery-worker', { runtime, instance, ...env.celery.worker });
    const beat = new CeleryBeat(this, 'celery-beat', { runtime, instance, ...env.celery.beat });

    const migrations =
      env.migrations &&
      new DatabaseMigrations(this, 'migrations', {
        runtime,
        instance,
        command: env.migrations.command,
        activeDeadlineSeconds: env.migrations.activeDeadlineSeconds,
        resources: env.migrations.resources ?? env.app.resources,
      });

    const backup = new PostgresBackup(this, 'backup', { ...env.backup, postgres, instance });
    this.postgres = postgres;
    this.backup = backup;
    if (backup.objectStore) {
      secrets.objectStoreSecret(this, 'backup-s3-credentials', backup.objectStore.credentialsSecret);
    }

    const postgresExporter = new PostgresExporter(this, 'postgres-exporter', {
      ...env.monitoring.postgresExporter,
      postgres,
      instance,
    });
    const redisExporter = new RedisExporter(this, 'redis-exporter', {
      ...env.monitoring.redisExporter,
      redis,
      instance,
    });

    const edges = this.edges(env, app);
    new Monitoring(this, 'monitoring', {
      app,
      worker,
      beat,
      backup,
      postgresExporter,
      redisExporter,
      postgresCluster,
      namespace: env.namespace,
      scrapeInterval: env.monitoring.scrapeInterval,
      prometheusOperator: env.monitoring.prometheusOperator,
      selectorLabels: env.monitoring.selectorLabels,
      kubeStateMetricsTarget: env.monitoring.kubeStateMetricsTarget,
      grafanaDashboard: env.monitoring.grafanaDashboard,
      alerts: env.monitoring.alerts?.enabled,
      thresholds: env.monitoring.alerts,
      runbookBaseURL: env.monitoring.alerts?.runbookBaseURL,
    });
    this.network = new NetworkPolicies(this, 'network', {
      app,
      workers: [worker],
      scheduler: beat,
      postgres,
      redis,
      backup: { identity: backup.identity, uploadsToS3: env.backup.s3 !== undefined },
      migrations: migrations || undefined,
      exporters: [postgresExporter, redisExporter],
      postgresCluster: postgresCluster && {
        operatorNamespace: env.network?.cnpgOperatorNamespace,
        apiServerCIDRs: env.network?.apiServerCIDR,
        metricsPort: postgresCluster.metricsPort,
        archivesToS3: env.backup.s3 !== undefined,
      },
      edges,
      prometheusNamespace: env.network?.prometheusNamespace,
      prometheusPodLabels: env.network?.prometheusPodLabels,
      dnsNamespace: env.network?.dnsNamespace,
      nodeLocalDNSAddress: env.network?.nodeLocalDNSAddress,
    });

    this.healthChecks = [
      postgresCluster
        ? { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: postgresCluster.clusterName }
        : { apiVersion: 'apps/v1', kind: 'StatefulSet', name: postgres.identity.name },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: redis.identity.name },
      ...[app, worker, beat].map((w) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: w.identity.name })),
      ...(migrations ? [{ apiVersion: 'batch/v1', kind: 'Job', name: migrations.jobName }] : []),
    ];
    applySyncWaves(this);
  }

  /**
   * The edge of `edge.provider`, and while migrating also the one of `edge.migrateFrom`, which
   * serves the same host and Secret but leaves the certificate to the other.
   */
  private edges(env: EnvironmentConfig, app: WebApp): EdgePeer[] {
    const provider: EdgeProvider = env.edge?.provider ?? 'gateway-api';
    const common: Omit<EdgeProps, 'dataPlaneNamespace' | 'requestsCertificate'> = {
      app,
      host: env.ingress.host,
      clusterIssuer: env.ingress.clusterIssuer ?? (env.name === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging'),
      tlsSecretName: env.ingress.tlsSecretName,
      rateLimitRps: env.ingress.rateLimit?.rps,
      burst: env.ingress.rateLimit?.burst,
      webhookBurst: env.ingress.rateLimit?.webhookBurst,
      proxyTimeoutSeconds: env.ingress.proxyTimeoutSeconds,
      hstsMaxAgeSeconds: env.ingress.hstsMaxAgeSeconds,
    };
    const make = (kind: EdgeProvider, dataPlaneNamespace: string | undefined, requestsCertificate: boolean) =>
      kind === 'gateway-api'
        ? new EasyflowGateway(this, 'gateway', {
            ...common,
            namespace: env.namespace,
            gatewayClassName: env.edge?.gatewayClassName,
            dataPlaneNamespace,
            requestsCertificate,
          })
        : new EasyflowIngress(this, 'ingress', {
            ...common,
            namespace: env.namespace,
            className: env.ingress.className,
            dataPlaneNamespace,
            requestsCertificate,
          });
    const migrateFrom = env.edge?.migrateFrom;
    // While both run, the old edge keeps the Certificate it owns, so nothing is issued anew.
    return [
      make(provider, env.edge?.namespace, migrateFrom === undefined),
      ...(migrateFrom ? [make(migrateFrom, env.edge?.migrateFromNamespace, true)] : []),
    ];
  }
}
