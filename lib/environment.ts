/**
 * The values of one environment, every default filled in: what `config/<env>.yaml` says, loaded and
 * checked by the pipeline (lib/pipeline/config.ts), and what the environment chart composes.
 */
import type { EdgeProvider } from './workloads/edge';
import type { Resources } from './platform/resources';
import type { Storage } from './platform/storage';
import type { AlertThresholds } from './workloads/alerts';
import type { LogLevel } from './workloads/celery-worker';

/**
 * One environment's values as `config/<env>.yaml` states them. A key left out is `undefined` here and
 * takes the default of the construct it feeds (`config/schema.json` names it in `x-default-of`): each
 * default lives in exactly one place.
 */
export interface EnvironmentConfig {
  /** Environment name: the config file's base name (`prod` for `config/prod.yaml`). */
  readonly name: string;
  /** The file the values came from, relative to the project root. */
  readonly file: string;
  readonly namespace: string;
  readonly tier?: 'production' | 'non-production';
  readonly imageDigests?: 'required' | 'pending';
  readonly image: {
    readonly repository: string;
    readonly tag: string;
    readonly digest?: string;
    readonly pullPolicy?: 'IfNotPresent' | 'Always';
  };
  readonly app: {
    readonly logLevel?: string;
    readonly workers?: number;
    readonly runAsUser?: number;
    readonly settings?: Readonly<Record<string, string>>;
    readonly autoscaling: {
      readonly minReplicas: number;
      readonly maxReplicas: number;
      readonly targetCPUUtilizationPercent?: number;
      readonly targetMemoryUtilizationPercent?: number;
    };
    readonly resources: Resources;
  };
  readonly celery: {
    readonly worker: {
      readonly replicas: number;
      readonly concurrency?: number;
      readonly logLevel?: LogLevel;
      readonly resources: Resources;
    };
    readonly beat: { readonly logLevel?: LogLevel; readonly resources: Resources };
  };
  readonly postgres: PostgresConfig;
  readonly redis: { readonly image: string; readonly storage: Storage; readonly resources: Resources };
  readonly ingress: IngressConfig;
  readonly backup: {
    readonly schedule?: string;
    readonly timeZone?: string;
    readonly retentionDays?: number;
    readonly image?: string;
    readonly storage: Storage;
    readonly resources: Resources;
    readonly s3?: {
      readonly bucket: string;
      readonly prefix?: string;
      readonly region?: string;
      readonly endpoint?: string;
      readonly image: string;
      readonly credentialsSecret?: string;
      readonly pitrRetentionDays?: number;
      readonly pitrSidecarResources?: Resources;
    };
  };
  readonly monitoring: {
    readonly scrapeInterval?: string;
    readonly prometheusOperator?: boolean;
    readonly selectorLabels?: Readonly<Record<string, string>>;
    readonly kubeStateMetricsTarget?: string;
    readonly grafanaDashboard?: boolean;
    readonly alerts?: Partial<AlertThresholds> & { readonly enabled?: boolean; readonly runbookBaseURL?: string };
    readonly postgresExporter: { readonly image: string; readonly resources: Resources };
    readonly redisExporter: { readonly image: string; readonly resources: Resources };
  };
  readonly secrets?: SecretsConfig;
  readonly migrations?: {
    readonly command: readonly string[];
    readonly activeDeadlineSeconds?: number;
    readonly resources?: Resources;
  };
  readonly edge?: EdgeConfig;
  readonly network?: {
    readonly prometheusNamespace?: string;
    readonly prometheusPodLabels?: Readonly<Record<string, string>>;
    readonly dnsNamespace?: string;
    readonly nodeLocalDNSAddress?: string;
    readonly cnpgOperatorNamespace?: string;
    readonly apiServerCIDR?: readonly string[];
  };
}

/** Which edge serves `ingress.host`, and where its data plane runs. */
export interface EdgeConfig {
  /**
   * `gateway-api`: Gateway API objects with Envoy Gateway policies (`EasyflowGateway`).
   * `ingress-nginx`: Ingresses for the retired ingress-nginx controller (`EasyflowIngress`).
   * @default 'gateway-api'
   */
  readonly provider?: EdgeProvider;
  /**
   * During a migration, the provider being left: its objects are synthesized too and serve the
   * same host and certificate Secret until DNS points at `provider` (see the README).
   * @default - none
   */
  readonly migrateFrom?: EdgeProvider;
  /** Namespace of the data plane of `provider` (its construct's `dataPlaneNamespace`). */
  readonly namespace?: string;
  /** Namespace of the data plane of `migrateFrom`. */
  readonly migrateFromNamespace?: string;
  /** GatewayClass of Envoy Gateway (gateway-api). */
  readonly gatewayClassName?: string;
}

/** The database: how the chart runs it, and what the chosen construct is given. */
export interface PostgresConfig {
  /**
   * `statefulset`: one PostgreSQL pod (`Postgres`). `cloudnativepg`: a primary and streaming
   * replicas managed by the CloudNativePG operator (`PostgresCluster`).
   * @default 'statefulset'
   */
  readonly mode?: 'statefulset' | 'cloudnativepg';
  /** Instances of the CloudNativePG cluster; the StatefulSet always runs one. */
  readonly instances?: number;
  readonly image: string;
  /**
   * Database the app uses.
   * @default - the database construct's: `PostgresProps.database` or `PostgresClusterProps.database`
   */
  readonly database?: string;
  /**
   * Role the app logs in as.
   * @default - the database construct's: `PostgresProps.user` or `PostgresClusterProps.owner`
   */
  readonly user?: string;
  readonly storage: Storage;
  readonly resources: Resources;
}

/** The public entry (see `IngressProps`). */
export interface IngressConfig {
  readonly host: string;
  readonly className?: string;
  /**
   * cert-manager ClusterIssuer of the TLS certificate.
   * @default - `letsencrypt-prod` for the environment named `prod`, `letsencrypt-staging` for every other, so a copied environment never asks the production issuer by accident
   */
  readonly clusterIssuer?: string;
  readonly tlsSecretName?: string;
  readonly rateLimit?: { readonly rps?: number; readonly burst?: number; readonly webhookBurst?: number };
  readonly proxyTimeoutSeconds?: number;
  readonly hstsMaxAgeSeconds?: number;
}

/** Where `easyflow-secrets` comes from (see `AppSecretsProps`). */
export interface SecretsConfig {
  readonly source?: 'external-secrets' | 'existing';
  readonly storeName?: string;
  readonly storeKind?: 'ClusterSecretStore' | 'SecretStore';
  /**
   * Key (path) in the store with one property per secret key.
   * @default - `easyflow/<environment>`, so each environment reads its own secrets
   */
  readonly remoteKey?: string;
  readonly refreshInterval?: string;
}

/** The one file in config/ that is not an environment: how Argo CD and Flux deliver them (lib/pipeline/gitops-config.ts). */
