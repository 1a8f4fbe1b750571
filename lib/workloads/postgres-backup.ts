import { Construct } from 'constructs';
import { throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import type { Storage } from '../platform/storage';
import { cronProblem } from '../platform/cron';
import { pinnedImageProblem } from '../platform/image';
import { Identity, fullLabels, objectLabels, podLabels, versionOf } from '../platform/labels';
import { KEEP_ON_PRUNE, container, emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';
import { PostgresDatabase, libpqEnv } from './database';
import { embeddedScript } from '../platform/paths';
import { ObjectStore, ObjectStoreOptions, objectStore } from '../platform/object-store';
import { claimSpec } from '../platform/storage';

/** Upload of each verified archive to S3 (or an S3-compatible store). */
export interface S3UploadOptions extends ObjectStoreOptions {
  /** Pinned image with the aws CLI and bash, e.g. `docker.io/amazon/aws-cli:2.22.13`. */
  readonly image: string;
}

export interface PostgresBackupProps {
  /** The database to dump: host, port, database, user and password come from it. */
  readonly postgres: PostgresDatabase;
  /** The archive volume (`backup-pvc`). */
  readonly storage: Storage;
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * Cron schedule, evaluated in `timeZone`.
   * @default '0 2 * * *'
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * Archives older than this many days are deleted after a successful dump.
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * Image with pg_dump of the server's major version.
   * @default - the Postgres construct's image
   */
  readonly image?: string;
  /**
   * A run that takes longer than this is killed and counts as failed.
   * @default 7200
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Upload each verified archive to S3.
   * @default - no S3 upload
   */
  readonly s3?: S3UploadOptions;
}

/**
 * CronJob `postgres-backup`: a daily `pg_dump` compressed onto the claim `backup-pvc`, verified
 * before it is kept, with retention, and an optional S3 upload as a second step. Every failure
 * fails the Job, so the backup alerts see it.
 */
export class PostgresBackup extends Construct {
  public readonly identity: Identity;
  public readonly cronJobName = 'postgres-backup';
  public readonly claimName = 'backup-pvc';
  public readonly schedule: string;
  public readonly timeZone: string;
  public readonly retentionDays: number;
  /** The image with pg_dump (and psql) of the server's major version. */
  public readonly image: string;
  /** Where each verified archive is uploaded, every default filled in. */
  public readonly objectStore?: ObjectStore;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const pg = props.postgres;
    this.schedule = props.schedule ?? '0 2 * * *';
    this.timeZone = props.timeZone ?? 'Etc/UTC';
    this.retentionDays = props.retentionDays ?? 7;
    const image = props.image ?? pg.image;
    this.image = image;
    const schedule = cronProblem(this.schedule);
    const pinned = (field: string, value: string | undefined) => {
      const problem = value === undefined ? undefined : pinnedImageProblem(value);
      return problem && `${field} "${value}" is not pinned: ${problem}`;
    };
    throwProblems(this, [
      schedule && `schedule "${this.schedule}" is not a valid cron schedule: ${schedule}`,
      wholeNumberProblem('retentionDays', this.retentionDays, 1),
      pinned('image', image),
      pinned('s3.image', props.s3?.image),
    ]);
    this.identity = { name: this.cronJobName, component: 'backup', version: versionOf(image) };
    const labels = objectLabels(this.identity);

    new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: this.claimName, labels, annotations: { ...KEEP_ON_PRUNE } },
      spec: claimSpec(props.storage),
    });
    const sa = workloadServiceAccount(this, this.identity);

    const lastArchive = '/work/last-archive';
    const dump = container({
      name: 'pg-dump',
      image,
      resources: props.resources,
      command: ['/bin/bash', '-c', embeddedScript('postgres-backup.sh')],
      env: [
        ...libpqEnv(pg, pg.dumpServiceName, pg.database),
        { name: 'BACKUP_DIR', value: '/backup' },
        { name: 'BACKUP_PREFIX', value: pg.database },
        { name: 'RETENTION_DAYS', value: String(this.retentionDays) },
        { name: 'LAST_ARCHIVE_FILE', value: lastArchive },
      ],
      volumeMounts: [
        { name: 'backup', mountPath: '/backup' },
        { name: 'work', mountPath: '/work' },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    });
    this.objectStore = props.s3 && objectStore(props.s3);
    const s3 = this.objectStore && props.s3 && { ...this.objectStore, image: props.s3.image };
    const upload =
      s3 &&
      container({
        name: 's3-upload',
        image: s3.image,
        resources: props.resources,
        command: ['/bin/bash', '-c', embeddedScript('s3-upload.sh')],
        env: [
          { name: 'LAST_ARCHIVE_FILE', value: lastArchive },
          { name: 'S3_BUCKET', value: s3.bucket },
          { name: 'S3_PREFIX', value: s3.prefix },
          ...(s3.region ? [{ name: 'AWS_REGION', value: s3.region }] : []),
          ...(s3.endpoint ? [{ name: 'S3_ENDPOINT', value: s3.endpoint }] : []),
          { name: 'HOME', value: '/tmp' },
        ],
        envFrom: [{ secretRef: { name: s3.credentialsSecret } }],
        volumeMounts: [
          { name: 'backup', mountPath: '/backup', readOnly: true },
          { name: 'work', mountPath: '/work', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      });

    new k8s.KubeCronJob(this, 'cron-job', {
      metadata: { name: this.cronJobName, labels },
      spec: {
        schedule: this.schedule,
        timeZone: this.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: {
          metadata: { labels: fullLabels(this.identity, props.instance) },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: props.activeDeadlineSeconds ?? 7200,
            template: {
              metadata: { labels: podLabels(this.identity, props.instance) },
              spec: podSpec({
                serviceAccountName: sa.name,
                runAs: { user: pg.runAsUser, group: pg.runAsUser },
                restartPolicy: 'Never',
                initContainers: upload ? [dump] : undefined,
                containers: upload ? [upload] : [dump],
                volumes: [
                  { name: 'backup', persistentVolumeClaim: { claimName: this.claimName } },
                  emptyDir('work', '1Mi'),
                  emptyDir('tmp', '256Mi'),
                ],
              }),
            },
          },
        },
      },
    });
  }
}
