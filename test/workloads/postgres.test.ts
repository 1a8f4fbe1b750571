import { AppSecrets } from '../../lib/workloads/app-secrets';
import { Postgres, PostgresProps } from '../../lib/workloads/postgres';
import { find } from '../helpers';
import { SMALL, scratch } from '../charts';

const IMAGE = 'docker.io/library/postgres:15.10-alpine';

test('minimal props: database easyflow, user postgres, Alpine postgres uid 70', () => {
  const { chart, synth } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  const pg = new Postgres(chart, 'pg', {
    image: IMAGE,
    secrets,
    storage: { size: '1Gi' },
    resources: SMALL,
    instance: 'i',
  });
  const sts = find(synth(), 'StatefulSet', 'postgres');
  expect([pg.database, pg.user, pg.runAsUser]).toEqual(['easyflow', 'postgres', 70]);
  expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 70, runAsGroup: 70, fsGroup: 70 });
  expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBeUndefined();
});

test('all props', () => {
  const { chart, synth } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  const props: Required<PostgresProps> = {
    image: 'docker.io/library/postgres:15.10-bookworm',
    secrets,
    storage: { size: '20Gi', storageClassName: 'fast-ssd' },
    resources: SMALL,
    instance: 'easyflow-test',
    database: 'flows',
    user: 'flow_admin',
    runAsUser: 999,
  };
  new Postgres(chart, 'pg', props);
  const sts = find(synth(), 'StatefulSet', 'postgres');
  const c = sts.spec.template.spec.containers[0];
  expect(c.env.slice(0, 2)).toEqual([
    { name: 'POSTGRES_DB', value: 'flows' },
    { name: 'POSTGRES_USER', value: 'flow_admin' },
  ]);
  expect(c.readinessProbe.exec.command).toEqual([
    'pg_isready',
    '--host=127.0.0.1',
    '--port=5432',
    '--username=flow_admin',
    '--dbname=flows',
  ]);
  expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'fast-ssd',
    resources: { requests: { storage: '20Gi' } },
  });
  expect(sts.spec.template.spec.securityContext.runAsUser).toBe(999);
});

test('data survives: retained claims, prune protection, writable paths only where postgres writes', () => {
  const { chart, synth } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  new Postgres(chart, 'pg', { image: IMAGE, secrets, storage: { size: '1Gi' }, resources: SMALL, instance: 'i' });
  const sts = find(synth(), 'StatefulSet', 'postgres');
  expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  for (const annotations of [sts.metadata.annotations, sts.spec.volumeClaimTemplates[0].metadata.annotations]) {
    expect(annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
  }
  const c = sts.spec.template.spec.containers[0];
  expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual([
    '/var/lib/postgresql/data',
    '/var/run/postgresql',
    '/tmp',
    '/dev/shm',
  ]);
  expect(c.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
});

test('bad props name the field and the value', () => {
  const { chart } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  const base = { secrets, storage: { size: '1Gi' }, resources: SMALL, instance: 'i' };
  expect(() => new Postgres(chart, 'a', { ...base, image: 'postgres:latest' })).toThrow(
    'test/a: image "postgres:latest" is not pinned: "latest" is not a release: pin a version tag',
  );
  expect(() => new Postgres(chart, 'b', { ...base, image: IMAGE, database: 'Easy-Flow' })).toThrow(
    'test/b: database "Easy-Flow" must be a lower-case SQL identifier',
  );
});
