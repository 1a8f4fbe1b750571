import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import { AppRuntime } from './app-runtime';
import { Identity, objectLabels, podLabels } from '../platform/labels';
import { container, emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';

/** What the wait for the database asks of the node: pg_isready every two seconds. */
const WAIT_RESOURCES: Resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } };

export interface DatabaseMigrationsProps {
  readonly runtime: AppRuntime;
  /** Command run in the app image, e.g. `['alembic', 'upgrade', 'head']`. */
  readonly command: readonly string[];
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * A migration running longer than this is killed and counts as failed.
   * @default 900
   */
  readonly activeDeadlineSeconds?: number;
}

/**
 * The Job that migrates the database before a release takes traffic.
 * - Argo CD runs it as a `Sync` hook in its own wave, after the database's wave and before the app's
 *   (lib/delivery/sync-waves.ts): the new app version waits for it, and a failed migration stops the
 *   sync. Not `PreSync`: that phase runs before anything else is applied, so on a new environment
 *   there would be no namespace, database, ServiceAccount or NetworkPolicy yet, and on the first
 *   sync that enables migrations no ServiceAccount or NetworkPolicy for the Job.
 * - Flux has no hooks or waves: the Job's name carries the image tag (and a hash of tag and command),
 *   so each release creates exactly one new Job, which Flux's health checks wait for; the old one is
 *   pruned.
 * Either way, an init container first waits (within `activeDeadlineSeconds`) until the database
 * accepts connections, so a Job applied together with a database that is still starting does not
 * use up its retries.
 */
export class DatabaseMigrations extends Construct {
  public readonly identity: Identity = { name: 'easyflow-migrate', component: 'migration' };
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: DatabaseMigrationsProps) {
    super(scope, id);
    if (props.command.length === 0 || props.command.some((c) => c === '')) {
      throw new Error(
        `${this.node.path}: command must be a non-empty list of non-empty strings, got ${JSON.stringify(props.command)}`,
      );
    }
    const runtime = props.runtime;
    const db = runtime.database;
    const hash = createHash('sha256')
      .update(JSON.stringify([runtime.image, props.command]))
      .digest('hex')
      .slice(0, 8);
    const tag = runtime.tag
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 30);
    this.jobName = `easyflow-migrate-${tag}-${hash}`.replace(/--+/g, '-');
    const identity = { ...this.identity, version: runtime.tag };
    const sa = workloadServiceAccount(this, identity);
    new k8s.KubeJob(this, 'job', {
      metadata: {
        name: this.jobName,
        labels: objectLabels(identity),
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        },
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: props.activeDeadlineSeconds ?? 900,
        template: {
          metadata: { labels: podLabels(identity, props.instance) },
          spec: podSpec({
            serviceAccountName: sa.name,
            runAs: runtime.runAs,
            restartPolicy: 'Never',
            initContainers: [
              container({
                name: 'wait-for-database',
                image: db.image,
                resources: WAIT_RESOURCES,
                command: [
                  'sh',
                  '-c',
                  `until pg_isready -q -h ${db.serviceName} -p ${db.port} -d ${db.database}; do sleep 2; done`,
                ],
              }),
            ],
            containers: [
              runtime.container(
                {
                  name: 'migrate',
                  resources: props.resources,
                  command: [...props.command],
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
                'core',
              ),
            ],
            volumes: [emptyDir('tmp', '256Mi')],
          }),
        },
      },
    });
  }
}
