import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import { throwProblems, wholeNumberProblem } from '../platform/checks';
import { Identity, objectLabels, podLabels, selectorLabels, versionOf } from '../platform/labels';
import { embeddedScript } from '../platform/paths';
import { container, emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';
import type { Resources } from '../platform/resources';
import { PostgresDatabase, libpqEnv } from './database';
import type { PostgresBackup } from './postgres-backup';

export interface PostgresRestoreProps {
  /** The database restored into: its primary, port, owner and password. */
  readonly postgres: PostgresDatabase;
  /** The backup whose claim holds the archive, and whose image has psql of the server's version. */
  readonly backup: PostgresBackup;
  /** File name of the archive on the backup claim, e.g. `easyflow_20261127T020000Z.sql.gz`. */
  readonly archive: string;
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * Database to restore into; it must exist and be empty (the script refuses one with tables).
   * @default - the database the app uses
   */
  readonly database?: string;
  /**
   * A restore that takes longer than this is killed; the single transaction leaves nothing behind.
   * @default 14400
   */
  readonly activeDeadlineSeconds?: number;
}

/** What an archive of the nightly backup is called (see postgres-backup.sh). */
const ARCHIVE = /^[a-z_][a-z0-9_]*_([0-9]{8}T[0-9]{6}Z)\.sql\.gz$/;

/**
 * A one-off Job that restores an archive of the nightly `pg_dump` from `backup-pvc` into an empty
 * database, with the script `postgres-restore.sh`, run by `npm run restore` (never part of dist/).
 * It brings what the namespace demands of any pod: the restricted Pod Security level, its own
 * ServiceAccount without a token, and NetworkPolicies that open exactly restore → PostgreSQL
 * (egress from the Job, ingress at the database) on top of default-deny.
 */
export class PostgresRestore extends Construct {
  public readonly identity: Identity;
  public readonly jobName: string;
  public readonly database: string;

  constructor(scope: Construct, id: string, props: PostgresRestoreProps) {
    super(scope, id);
    const pg = props.postgres;
    this.database = props.database ?? pg.database;
    const deadline = props.activeDeadlineSeconds ?? 14400;
    const stamp = ARCHIVE.exec(props.archive)?.[1];
    throwProblems(this, [
      stamp
        ? undefined
        : `archive "${props.archive}" is not an archive of the nightly backup (<database>_<YYYYMMDDTHHMMSSZ>.sql.gz)`,
      wholeNumberProblem('activeDeadlineSeconds', deadline, 60),
    ]);
    this.identity = { name: 'postgres-restore', component: 'backup', version: versionOf(props.backup.image) };
    this.jobName = `postgres-restore-${(stamp ?? '').toLowerCase()}`;
    const labels = objectLabels(this.identity);
    const sa = workloadServiceAccount(this, this.identity);
    const restorePods = { podSelector: { matchLabels: selectorLabels(this.identity.name) } };
    const databasePods = { podSelector: { matchLabels: selectorLabels(pg.identity.name) } };
    const postgresPort = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(pg.containerPort) }];

    new k8s.KubeNetworkPolicy(this, 'egress', {
      metadata: { name: `allow-${this.identity.name}`, labels },
      spec: {
        ...restorePods,
        policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [databasePods], ports: postgresPort }],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'ingress', {
      metadata: { name: `allow-${pg.identity.name}-from-${this.identity.name}`, labels },
      spec: { ...databasePods, policyTypes: ['Ingress'], ingress: [{ from: [restorePods], ports: postgresPort }] },
    });

    new k8s.KubeJob(this, 'job', {
      metadata: { name: this.jobName, labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: deadline,
        ttlSecondsAfterFinished: 7 * 86400,
        template: {
          metadata: { labels: podLabels(this.identity, props.instance) },
          spec: podSpec({
            serviceAccountName: sa.name,
            runAs: { user: pg.runAsUser, group: pg.runAsUser },
            restartPolicy: 'Never',
            containers: [
              container({
                name: 'restore',
                image: props.backup.image,
                resources: props.resources,
                command: ['/bin/bash', '-c', embeddedScript('postgres-restore.sh')],
                env: [
                  ...libpqEnv(pg, pg.serviceName, this.database),
                  { name: 'BACKUP_DIR', value: '/backup' },
                  { name: 'RESTORE_ARCHIVE', value: props.archive },
                ],
                volumeMounts: [
                  { name: 'backup', mountPath: '/backup', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              }),
            ],
            volumes: [
              { name: 'backup', persistentVolumeClaim: { claimName: props.backup.claimName, readOnly: true } },
              emptyDir('tmp', '64Mi'),
            ],
          }),
        },
      },
    });
  }
}
