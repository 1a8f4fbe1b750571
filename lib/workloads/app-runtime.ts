import { k8s } from '../platform/k8s';
import { ContainerOptions, container } from '../platform/pod';
import { AppConfig } from './app-config';
import { AppSecrets, SecretKey } from './app-secrets';
import { imageReference, tagProblem } from '../platform/image';
import type { PostgresDatabase } from './database';
import { Redis } from './redis';
import { RunAs } from '../platform/security';

/** The keys of the external services the app calls. */
export const EXTERNAL_API_KEYS: readonly SecretKey[] = ['OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN'];

/**
 * Which secrets a container of the app image gets besides the connection passwords:
 * `external-apis` adds the OpenAI and Telegram keys to `SECRET_KEY`; `core` is `SECRET_KEY` only.
 */
export type SecretAccess = 'external-apis' | 'core';

export interface AppRuntimeProps {
  /** Image repository of the app, e.g. `ghcr.io/easyflow/easyflow`. */
  readonly repository: string;
  /** Release tag; never empty or `latest`. */
  readonly tag: string;
  /**
   * Optional sha256 digest pinned next to the tag.
   * @default - pulled by tag
   */
  readonly digest?: string;
  /**
   * @default 'IfNotPresent'
   */
  readonly pullPolicy?: 'IfNotPresent' | 'Always';
  /**
   * Non-root uid of the image's appuser.
   * @default 999
   */
  readonly runAsUser?: number;
  readonly config: AppConfig;
  readonly secrets: AppSecrets;
  readonly postgres: PostgresDatabase;
  readonly redis: Redis;
}

/**
 * How every container of the Easy Flow image runs (API, Celery worker and beat): image, identity,
 * settings from easyflow-config, secrets from easyflow-secrets, and DATABASE_URL (the primary),
 * DATABASE_READ_URL (the replicas, when there are any) and REDIS_URL
 * assembled by the kubelet from `$(DATABASE_PASSWORD)` and `$(REDIS_PASSWORD)`, so no password is
 * ever written into a manifest.
 */
export class AppRuntime {
  public readonly image: string;
  public readonly tag: string;
  public readonly pullPolicy: 'IfNotPresent' | 'Always';
  public readonly runAs: RunAs;
  /** Pod annotations: a checksum of easyflow-config, so a settings change rolls the pods. */
  public readonly podAnnotations: Record<string, string>;
  /** The database the app uses. */
  public readonly database: PostgresDatabase;
  private readonly props: AppRuntimeProps;

  constructor(props: AppRuntimeProps) {
    const problem = tagProblem(props.tag);
    if (problem) {
      throw new Error(`AppRuntime: tag "${props.tag}" cannot be deployed: ${problem}`);
    }
    this.props = props;
    this.database = props.postgres;
    this.tag = props.tag;
    this.image = imageReference(props.repository, props.tag, props.digest);
    this.pullPolicy = props.pullPolicy ?? 'IfNotPresent';
    const uid = props.runAsUser ?? 999;
    this.runAs = { user: uid, group: uid };
    this.podAnnotations = { 'checksum/config': props.config.checksum };
  }

  /** The settings, as a whole-object source (secrets are named one by one in `env`). */
  public envFrom(): k8s.EnvFromSource[] {
    return [{ configMapRef: { name: this.props.config.configMapName } }];
  }

  /**
   * The secrets `access` needs, then the connection URLs built from the services and the secret's
   * passwords. Only the API and the workers call OpenAI and Telegram, so only they get those keys.
   */
  public env(access: SecretAccess): k8s.EnvVar[] {
    const { postgres, redis, secrets } = this.props;
    const keys: SecretKey[] = access === 'external-apis' ? ['SECRET_KEY', ...EXTERNAL_API_KEYS] : ['SECRET_KEY'];
    return [
      ...keys.map((key) => secrets.env(key, key)),
      postgres.passwordEnv('DATABASE_PASSWORD'),
      redis.passwordEnv('REDIS_PASSWORD'),
      {
        name: 'DATABASE_URL',
        value: `postgresql+asyncpg://${postgres.user}:$(DATABASE_PASSWORD)@${postgres.serviceName}:${postgres.port}/${postgres.database}`,
      },
      ...(postgres.readOnlyServiceName
        ? [
            {
              name: 'DATABASE_READ_URL',
              value: `postgresql+asyncpg://${postgres.user}:$(DATABASE_PASSWORD)@${postgres.readOnlyServiceName}:${postgres.port}/${postgres.database}`,
            },
          ]
        : []),
      { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${redis.serviceName}:${redis.port}/0` },
    ];
  }

  /** A container of the app image with the app's settings, the secrets `access` needs and connection URLs. */
  public container(
    options: Omit<ContainerOptions, 'image' | 'imagePullPolicy' | 'env' | 'envFrom'>,
    access: SecretAccess,
  ): k8s.Container {
    return container({
      ...options,
      image: this.image,
      imagePullPolicy: this.pullPolicy,
      envFrom: this.envFrom(),
      env: this.env(access),
    });
  }
}
