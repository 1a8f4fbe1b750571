import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../imports/externalsecrets-external-secrets.io';
import { objectLabels } from './labels';

/** The keys of `easyflow-secrets`: what the app, the databases and the backup read. */
export const SECRET_KEYS = [
  'OPENAI_API_KEY',
  'TELEGRAM_BOT_TOKEN',
  'DATABASE_PASSWORD',
  'SECRET_KEY',
  'REDIS_PASSWORD',
] as const;

export type SecretKey = (typeof SECRET_KEYS)[number];

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

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    this.source = props.source ?? 'external-secrets';
    if (!/^[A-Za-z0-9_./-]+$/.test(props.remoteKey)) {
      throw new Error(`${this.node.path}: remoteKey "${props.remoteKey}" must be a store path such as easyflow/prod`);
    }
    if (this.source === 'external-secrets') {
      new ExternalSecret(this, 'external-secret', {
        metadata: {
          name: this.secretName,
          labels: objectLabels({ name: this.secretName, component: 'secrets' }),
        },
        spec: {
          refreshInterval: props.refreshInterval ?? '1h',
          secretStoreRef: {
            name: props.storeName ?? 'easyflow',
            kind: STORE_KINDS[props.storeKind ?? 'ClusterSecretStore'],
          },
          target: {
            name: this.secretName,
            creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
            deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          },
          data: SECRET_KEYS.map((key) => ({ secretKey: key, remoteRef: { key: props.remoteKey, property: key } })),
        },
      });
    }
  }

  /** An environment variable read from one key of the Secret. */
  public env(name: string, key: SecretKey): k8s.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: this.secretName, key } } };
  }
}
