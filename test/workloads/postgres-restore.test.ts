import { PostgresBackup } from '../../lib/workloads/postgres-backup';
import { PostgresRestore, PostgresRestoreProps } from '../../lib/workloads/postgres-restore';
import { restoreManifests } from '../../scripts/restore';
import { CONFIG_DIR, ENVIRONMENTS, allOf, find, manifestsOf } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

const ARCHIVE = 'easyflow_20261127T020000Z.sql.gz';

function setup() {
  const s = scratch();
  const { postgres } = basics(s.chart);
  const backup = new PostgresBackup(s.chart, 'backup', {
    postgres,
    storage: { size: '1Gi' },
    resources: SMALL,
    instance: 'i',
  });
  return { ...s, postgres, backup };
}

test('minimal props: one attempt, into the app database, from backup-pvc read-only', () => {
  const { chart, synth, postgres, backup } = setup();
  const restore = new PostgresRestore(chart, 'r', {
    postgres,
    backup,
    archive: ARCHIVE,
    resources: SMALL,
    instance: 'i',
  });
  const job = find(synth(), 'Job', 'postgres-restore-20261127t020000z');
  expect(restore.jobName).toBe('postgres-restore-20261127t020000z');
  expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 14400 });
  const pod = job.spec.template.spec;
  const c = pod.containers[0];
  expect(c.image).toBe(backup.image);
  expect(c.env).toEqual(
    expect.arrayContaining([
      { name: 'PGHOST', value: postgres.serviceName },
      { name: 'PGDATABASE', value: postgres.database },
      { name: 'PGUSER', value: postgres.user },
      { name: 'RESTORE_ARCHIVE', value: ARCHIVE },
      postgres.passwordEnv('PGPASSWORD'),
    ]),
  );
  expect(pod.volumes).toContainEqual({
    name: 'backup',
    persistentVolumeClaim: { claimName: backup.claimName, readOnly: true },
  });
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: postgres.runAsUser });
  expect(c.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
});

test('all props', () => {
  const { chart, synth, postgres, backup } = setup();
  const props: Required<PostgresRestoreProps> = {
    postgres,
    backup,
    archive: ARCHIVE,
    resources: SMALL,
    instance: 'i',
    database: 'easyflow_restored',
    activeDeadlineSeconds: 600,
  };
  new PostgresRestore(chart, 'r', props);
  const job = find(synth(), 'Job', 'postgres-restore-20261127t020000z');
  expect(job.spec.activeDeadlineSeconds).toBe(600);
  expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'PGDATABASE', value: 'easyflow_restored' });
});

test('an archive name the backup never writes, or a short deadline, is refused', () => {
  const { chart, postgres, backup } = setup();
  expect(
    () =>
      new PostgresRestore(chart, 'r', {
        postgres,
        backup,
        archive: '../etc/passwd',
        resources: SMALL,
        instance: 'i',
        activeDeadlineSeconds: 5,
      }),
  ).toThrow(
    'test/r: archive "../etc/passwd" is not an archive of the nightly backup (<database>_<YYYYMMDDTHHMMSSZ>.sql.gz)\n' +
      'test/r: activeDeadlineSeconds must be a whole number >= 60, got 5',
  );
});

/** Whether a label selector (matchLabels and `In` expressions) selects `labels`. */
function selects(selector: any, labels: Record<string, string>): boolean {
  return (
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((e: any) => e.operator === 'In' && e.values.includes(labels[e.key]))
  );
}

/**
 * Kubernetes NetworkPolicy semantics within one namespace: traffic from pod `from` to pod `to` on
 * TCP `port` passes when no policy isolates `from` for egress or one of them allows it, and the
 * same holds for `to` and ingress.
 */
function allowed(policies: any[], from: Record<string, string>, to: Record<string, string>, port: number): boolean {
  const side = (type: 'Egress' | 'Ingress', pod: Record<string, string>, peer: Record<string, string>) => {
    const isolating = policies.filter((p) => p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, pod));
    const rules = isolating.flatMap((p) => (type === 'Egress' ? p.spec.egress : p.spec.ingress) ?? []);
    return (
      isolating.length === 0 ||
      rules.some(
        (r: any) =>
          (r.ports === undefined || r.ports.some((p: any) => p.port === port && (p.protocol ?? 'TCP') === 'TCP')) &&
          ((type === 'Egress' ? r.to : r.from) === undefined ||
            (type === 'Egress' ? r.to : r.from).some(
              (peerRule: any) =>
                peerRule.podSelector && !peerRule.namespaceSelector && selects(peerRule.podSelector, peer),
            )),
      )
    );
  };
  return side('Egress', from, to) && side('Ingress', to, from);
}

test.each(ENVIRONMENTS)(
  '%s: under default-deny and every policy of the environment, the restore Job reaches PostgreSQL and nothing else',
  (env) => {
    const restore = restoreManifests(CONFIG_DIR, env, ARCHIVE);
    const manifests = manifestsOf(env);
    const policies = [...allOf(manifests, 'NetworkPolicy'), ...allOf(restore, 'NetworkPolicy')];
    const pod = find(restore, 'Job', 'postgres-restore-20261127t020000z').spec.template.metadata.labels;
    const database = manifests.find((m) => m.kind === 'Cluster')
      ? { app: 'postgres', 'cnpg.io/cluster': 'postgres' }
      : find(manifests, 'StatefulSet', 'postgres').spec.template.metadata.labels;
    const redis = find(manifests, 'StatefulSet', 'redis').spec.template.metadata.labels;
    const app = find(manifests, 'Deployment', 'easyflow-app').spec.template.metadata.labels;
    expect(allowed(policies, pod, database, 5432)).toBe(true);
    expect(allowed(policies, pod, redis, 6379)).toBe(false);
    expect(allowed(policies, pod, app, 8000)).toBe(false);
    expect(allowed(policies, pod, database, 22)).toBe(false);
    // Without its own policies, default-deny stops it: the policies are what let it through.
    expect(allowed(allOf(manifests, 'NetworkPolicy'), pod, database, 5432)).toBe(false);
    // And the restore adds no way in to the database for anyone else.
    expect(allowed(policies, redis, database, 5432)).toBe(
      allowed(allOf(manifests, 'NetworkPolicy'), redis, database, 5432),
    );
  },
);

test.each(ENVIRONMENTS)(
  '%s: the restore objects pass the schemas and the policy, restricted pod security included',
  (env) => {
    const restore = restoreManifests(CONFIG_DIR, env, ARCHIVE);
    expect(restore.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ServiceAccount/postgres-restore',
      'NetworkPolicy/allow-postgres-restore',
      'NetworkPolicy/allow-postgres-from-postgres-restore',
      'Job/postgres-restore-20261127t020000z',
    ]);
    const namespace = find(manifestsOf(env), 'Namespace', restore[0]!.metadata.namespace!);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  },
);
