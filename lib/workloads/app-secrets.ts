import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/externalsecrets-external-secrets.io';
import { objectLabels } from '../platform/labels';

/** The keys of `easyflow-secrets`: what the app, the databases and the backup read. */
export const SECRET_KEYS = [
  'OPENAI_API_KEY',
  'TELEGRAM_BOT_TOKEN',
  'DATABASE_PASSWORD',
  'SECRET_KEY',
  'REDIS_PASSWORD',
] as const;

export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * The object-store Secret's keys (what the aws CLI and barman-cloud read), each from a property of
 * the same store key: `BACKUP_AWS_ACCESS_KEY_ID` and `BACKUP_AWS_SECRET_ACCESS_KEY`.
 */
export const OBJECT_STORE_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

const STORE_KINDS = {
  ClusterSecretStore: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
  SecretStore: ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
} as const;

export interface AppSecretsProps {
  /**
   * How `easyflow-secrets` comes to exist. `external-secrets`: an ExternalSecret fills it from a
   * (Cluster)SecretStore. `existing`: an operator creates it by hand; it is only referenced.
   * @default 'external-secrets'
   */
  readonly source?: 'external-secrets' | 'existing';
  /**
   * Name of the (Cluster)SecretStore the ExternalSecret reads from.
   * @default 'easyflow'
   */
  readonly storeName?: string;
  /**
   * Kind of that store.
   * @default 'ClusterSecretStore'
   */
  readonly storeKind?: 'ClusterSecretStore' | 'SecretStore';
  /** Key (path) in the store holding one property per secret key, e.g. `easyflow/prod`. */
  readonly remoteKey: string;
  /**
   * How often external-secrets re-reads the store.
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/**
 * The Secret `easyflow-secrets`. Its values never appear in a manifest: either an ExternalSecret
 * (external-secrets.io/v1) maps each key from a secret store, or the Secret is created outside
 * this repository and only referenced by name.
 */
export class AppSecrets extends Construct {
  /** Name of the Secret every workload reads. */
  public readonly secretName = 'easyflow-secrets';
  public readonly source: 'external-secrets' | 'existing';
  private readonly props: AppSecretsProps;

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    this.source = props.source ?? 'external-secrets';
    this.props = props;
    if (!/^[A-Za-z0-9_./-]+$/.test(props.remoteKey)) {
      throw new Error(`${this.node.path}: remoteKey "${props.remoteKey}" must be a store path such as easyflow/prod`);
    }
    this.externalSecret(this, 'external-secret', {
      name: this.secretName,
      data: SECRET_KEYS.map((key) => ({ secretKey: key, property: key })),
    });
  }

  /**
   * A `kubernetes.io/basic-auth` Secret `name` holding `username` and the value of `passwordKey`,
   * from the same store (CloudNativePG reads its application user's credentials from one). With
   * `source: existing` nothing is synthesized: the operator creates it (see the README).
   */
  public basicAuthSecret(scope: Construct, id: string, name: string, username: string, passwordKey: SecretKey): void {
    this.externalSecret(scope, id, {
      name,
      data: [{ secretKey: 'password', property: passwordKey }],
      template: { type: 'kubernetes.io/basic-auth', data: { username, password: '{{ .password }}' } },
    });
  }

  /**
   * Secret `name` with the backups' object-store credentials (`OBJECT_STORE_KEYS`), from the same
   * store key. With `source: existing` nothing is synthesized: the operator creates it.
   */
  public objectStoreSecret(scope: Construct, id: string, name: string): void {
    this.externalSecret(scope, id, {
      name,
      data: OBJECT_STORE_KEYS.map((key) => ({ secretKey: key, property: `BACKUP_${key}` })),
    });
  }

  private externalSecret(
    scope: Construct,
    id: string,
    o: {
      name: string;
      data: Array<{ secretKey: string; property: string }>;
      template?: { type: string; data: Record<string, string> };
    },
  ): void {
    if (this.source !== 'external-secrets') return;
    new ExternalSecret(scope, id, {
      metadata: { name: o.name, labels: objectLabels({ name: o.name, component: 'secrets' }) },
      spec: {
        refreshInterval: this.props.refreshInterval ?? '1h',
        secretStoreRef: {
          name: this.props.storeName ?? 'easyflow',
          kind: STORE_KINDS[this.props.storeKind ?? 'ClusterSecretStore'],
        },
        target: {
          name: o.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          template: o.template && {
            type: o.template.type,
            engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
            data: o.template.data,
          },
        },
        data: o.data.map((d) => ({
          secretKey: d.secretKey,
          remoteRef: { key: this.props.remoteKey, property: d.property },
        })),
      },
    });
  }

  /** An environment variable read from one key of the Secret. */
  public env(name: string, key: SecretKey): k8s.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: this.secretName, key } } };
  }
}
