import { AppSecrets } from '../../lib/workloads/app-secrets';
import { PostgresCluster, PostgresClusterProps } from '../../lib/workloads/postgres-cluster';
import { checkPolicy } from '../../lib/validation/policy';
import { SchemaValidator } from '../../lib/validation/schema';
import { allOf, find } from '../helpers';
import { SMALL, prodWithStatefulSet, scratch } from '../charts';

const IMAGE = 'ghcr.io/cloudnative-pg/postgresql:15.10';

function build(
  props: Partial<PostgresClusterProps> = {},
  source: 'external-secrets' | 'existing' = 'external-secrets',
) {
  const s = scratch();
  const secrets = new AppSecrets(s.chart, 'secrets', { remoteKey: 'easyflow/test', source });
  const cluster = new PostgresCluster(s.chart, 'pg', {
    image: IMAGE,
    secrets,
    storage: { size: '10Gi' },
    resources: SMALL,
    ...props,
  });
  return { ...s, cluster };
}

test('minimal props: a primary and a replica, spread over nodes, owner easyflow, no superuser access', () => {
  const { synth, cluster } = build();
  const spec = find(synth(), 'Cluster', 'postgres').spec;
  expect(spec.instances).toBe(2);
  expect(spec.affinity).toEqual({
    enablePodAntiAffinity: true,
    topologyKey: 'kubernetes.io/hostname',
    podAntiAffinityType: 'required',
  });
  expect(spec.bootstrap.initdb).toEqual({
    database: 'easyflow',
    owner: 'easyflow',
    secret: { name: 'postgres-credentials' },
  });
  expect(spec.enableSuperuserAccess).toBe(false);
  expect(spec.backup).toBeUndefined();
  expect([cluster.serviceName, cluster.readOnlyServiceName, cluster.dumpServiceName]).toEqual([
    'postgres-rw',
    'postgres-ro',
    'postgres-ro',
  ]);
});

test('all props: PITR to S3 through the Barman Cloud plugin, with a ScheduledBackup', () => {
  const props: Required<Omit<PostgresClusterProps, 'image' | 'secrets' | 'storage' | 'resources'>> = {
    instances: 3,
    database: 'flows',
    owner: 'flows_app',
    pitr: {
      bucket: 'easyflow-backups',
      prefix: 'prod/',
      endpoint: 'https://s3.example.com',
      credentialsSecret: 'backup-s3',
      retentionDays: 14,
      schedule: '30 1 * * *',
      sidecarResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    },
  };
  const { synth } = build({ ...props, storage: { size: '20Gi', storageClassName: 'fast' } });
  const out = synth();
  const spec = find(out, 'Cluster', 'postgres').spec;
  expect(spec.instances).toBe(3);
  expect(spec.storage).toEqual({ size: '20Gi', storageClass: 'fast', resizeInUseVolumes: true });
  // The Barman Cloud plugin, not the in-tree barmanObjectStore (deprecated since CloudNativePG 1.26).
  expect(spec.backup).toBeUndefined();
  expect(spec.plugins).toEqual([
    {
      name: 'barman-cloud.cloudnative-pg.io',
      isWALArchiver: true,
      parameters: { barmanObjectName: 'postgres-backup-store' },
    },
  ]);
  expect(find(out, 'ObjectStore', 'postgres-backup-store').spec).toEqual({
    retentionPolicy: '14d',
    instanceSidecarConfiguration: {
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    },
    configuration: {
      destinationPath: 's3://easyflow-backups/prod/cnpg',
      endpointURL: 'https://s3.example.com',
      s3Credentials: {
        accessKeyId: { name: 'backup-s3', key: 'AWS_ACCESS_KEY_ID' },
        secretAccessKey: { name: 'backup-s3', key: 'AWS_SECRET_ACCESS_KEY' },
      },
      wal: { compression: 'gzip', maxParallel: 2 },
      data: { compression: 'gzip' },
    },
  });
  expect(find(out, 'ScheduledBackup', 'postgres-pitr').spec).toEqual({
    cluster: { name: 'postgres' },
    schedule: '0 30 1 * * *',
    method: 'plugin',
    pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
    backupOwnerReference: 'self',
    immediate: true,
  });
});

test('PITR with defaults: 30 days, a bounded sidecar', () => {
  const { synth } = build({ pitr: { bucket: 'b' } });
  const store = find(synth(), 'ObjectStore', 'postgres-backup-store').spec;
  expect(store.retentionPolicy).toBe('30d');
  expect(store.configuration.destinationPath).toBe('s3://b/database/cnpg');
  expect(store.instanceSidecarConfiguration.resources).toEqual({
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '512Mi' },
  });
});

test('a PITR retention that is not a whole number of days is refused', () => {
  expect(() => build({ pitr: { bucket: 'b', retentionDays: 0 } })).toThrow(
    'test/pg: pitr.retentionDays must be a whole number >= 1, got 0',
  );
});

test('the credentials come from the store as a basic-auth Secret, never as values', () => {
  const { synth } = build();
  const es = find(synth(), 'ExternalSecret', 'postgres-credentials').spec;
  expect(es.target.template).toEqual({
    type: 'kubernetes.io/basic-auth',
    engineVersion: 'v2',
    data: { username: 'easyflow', password: '{{ .password }}' },
  });
  expect(es.data).toEqual([
    { secretKey: 'password', remoteRef: { key: 'easyflow/test', property: 'DATABASE_PASSWORD' } },
  ]);
});

test('with secrets created by hand, nothing is synthesized for them', () => {
  const { synth } = build({}, 'existing');
  expect(allOf(synth(), 'ExternalSecret')).toEqual([]);
});

test('pods carry app: postgres and a headless metrics Service selects them', () => {
  const { synth } = build();
  const out = synth();
  expect(find(out, 'Cluster', 'postgres').spec.inheritedMetadata.labels.app).toBe('postgres');
  expect(find(out, 'Service', 'postgres-metrics').spec).toMatchObject({
    clusterIP: 'None',
    selector: { app: 'postgres' },
  });
});

/**
 * The labels the Cluster may hand down to every object CloudNativePG makes, and why. The operator sets
 * app.kubernetes.io/{name,instance,component,version,managed-by} on its pods, PVCs and Jobs itself
 * (postgresql, the cluster, database, the major version, cloudnative-pg): an inherited value overrides
 * its own, its PVC label reconciler never settles and its objects claim to be managed by cdk8s.
 */
const INHERITABLE: Record<string, string> = {
  app: 'the NetworkPolicies and the metrics Service select the instances by it',
  'app.kubernetes.io/part-of': 'kubectl get -l app.kubernetes.io/part-of=easyflow lists the database with the rest',
};

test('the instances inherit only the labels something selects on, never one the operator manages', () => {
  const out = build().synth();
  const inherited = find(out, 'Cluster', 'postgres').spec.inheritedMetadata.labels;
  expect(Object.keys(inherited).sort()).toEqual(Object.keys(INHERITABLE).sort());
  for (const label of ['name', 'instance', 'component', 'version', 'managed-by']) {
    expect(inherited).not.toHaveProperty([`app.kubernetes.io/${label}`]);
  }
  expect(inherited.app).toBe(find(out, 'Service', 'postgres-metrics').spec.selector.app);
});

test('one instance: no read-only endpoint, the dump reads the primary', () => {
  const { cluster } = build({ instances: 1 });
  expect(cluster.readOnlyServiceName).toBeUndefined();
  expect(cluster.dumpServiceName).toBe('postgres-rw');
});

test('bad props list every problem', () => {
  expect(() => build({ instances: 0, owner: 'postgres' })).toThrow(
    'test/pg: instances must be a whole number from 1 to 9, got 0\n' +
      'test/pg: owner "postgres" is the superuser; the application needs its own owner such as "easyflow"',
  );
  expect(() => build({ image: 'ghcr.io/cloudnative-pg/postgresql' })).toThrow(
    'test/pg: image "ghcr.io/cloudnative-pg/postgresql" is not pinned',
  );
});

test('switching prod to the StatefulSet mode changes only config; the policy then refuses a production tier', () => {
  const manifests = prodWithStatefulSet();
  expect(allOf(manifests, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres', 'redis']);
  expect(new SchemaValidator().validate(manifests)).toEqual([]);
  expect(checkPolicy(manifests).map((v) => v.rule)).toEqual(['policy/replicated-database']);
});
