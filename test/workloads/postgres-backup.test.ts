import { PostgresBackup, PostgresBackupProps } from '../../lib/workloads/postgres-backup';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

test('minimal props: daily at 02:00 UTC, 7 days, dump only, hardened job', () => {
  const { chart, synth } = scratch();
  new PostgresBackup(chart, 'b', {
    postgres: basics(chart).postgres,
    storage: { size: '5Gi' },
    resources: SMALL,
    instance: 'i',
  });
  const out = synth();
  const cron = find(out, 'CronJob', 'postgres-backup');
  expect(cron.spec).toMatchObject({
    schedule: '0 2 * * *',
    timeZone: 'Etc/UTC',
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 5,
  });
  expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 7200 });
  const pod = cron.spec.jobTemplate.spec.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.containers.map((c: any) => c.name)).toEqual(['pg-dump']);
  expect(pod.securityContext.runAsUser).toBe(70);
  expect(
    find(out, 'PersistentVolumeClaim', 'backup-pvc').metadata.annotations['kustomize.toolkit.fluxcd.io/prune'],
  ).toBe('disabled');
});

test('all props: S3 upload runs after the verified dump', () => {
  const { chart, synth } = scratch();
  const props: Required<PostgresBackupProps> = {
    postgres: basics(chart).postgres,
    storage: { size: '5Gi', storageClassName: 'backup' },
    resources: SMALL,
    instance: 'i',
    schedule: '30 3 * * 1-5',
    timeZone: 'Europe/Berlin',
    retentionDays: 14,
    image: 'docker.io/library/postgres:15.10-bookworm',
    activeDeadlineSeconds: 600,
    s3: {
      bucket: 'easyflow-backups',
      image: 'docker.io/amazon/aws-cli:2.22.13',
      prefix: 'prod/',
      region: 'eu-central-1',
      endpoint: 'https://s3.example.com',
      credentialsSecret: 'backup-s3',
    },
  };
  new PostgresBackup(chart, 'b', props);
  const cron = find(synth(), 'CronJob', 'postgres-backup');
  expect([cron.spec.schedule, cron.spec.timeZone]).toEqual(['30 3 * * 1-5', 'Europe/Berlin']);
  const pod = cron.spec.jobTemplate.spec.template.spec;
  expect(pod.initContainers.map((c: any) => [c.name, c.image])).toEqual([
    ['pg-dump', 'docker.io/library/postgres:15.10-bookworm'],
  ]);
  const upload = pod.containers[0];
  expect(upload.name).toBe('s3-upload');
  expect(upload.envFrom).toEqual([{ secretRef: { name: 'backup-s3' } }]);
  expect(upload.env).toEqual(
    expect.arrayContaining([
      { name: 'S3_BUCKET', value: 'easyflow-backups' },
      { name: 'S3_PREFIX', value: 'prod/' },
      { name: 'AWS_REGION', value: 'eu-central-1' },
      { name: 'S3_ENDPOINT', value: 'https://s3.example.com' },
    ]),
  );
  expect(pod.initContainers[0].env).toContainEqual({ name: 'RETENTION_DAYS', value: '14' });
});

test('the dump reads its password from the secret, never from the manifest', () => {
  const { chart, synth } = scratch();
  new PostgresBackup(chart, 'b', {
    postgres: basics(chart).postgres,
    storage: { size: '5Gi' },
    resources: SMALL,
    instance: 'i',
  });
  const dump = find(synth(), 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec.containers[0];
  expect(dump.env).toContainEqual({
    name: 'PGPASSWORD',
    valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'DATABASE_PASSWORD' } },
  });
  expect(dump.command[2]).toContain('set -Eeuo pipefail');
});

test('bad props list every problem', () => {
  const { chart } = scratch();
  expect(
    () =>
      new PostgresBackup(chart, 'b', {
        postgres: basics(chart).postgres,
        storage: { size: '5Gi' },
        resources: SMALL,
        instance: 'i',
        schedule: '0 2 * *',
        retentionDays: 0,
        s3: { bucket: 'b', image: 'amazon/aws-cli' },
      }),
  ).toThrow(
    'test/b: schedule "0 2 * *" is not a valid cron schedule: expected 5 fields (minute hour day-of-month month day-of-week), found 4\n' +
      'test/b: retentionDays must be a whole number >= 1, got 0\n' +
      'test/b: s3.image "amazon/aws-cli" is not pinned: the image has no tag: pin a version tag such as :15.10-alpine',
  );
});
