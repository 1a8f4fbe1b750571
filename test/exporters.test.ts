import { PostgresExporter, PostgresExporterProps } from '../lib/postgres-exporter';
import { RedisExporter, RedisExporterProps } from '../lib/redis-exporter';
import { SMALL, basics, find, scratch } from './helpers';

test('postgres-exporter: Service 9187, credentials from the secret, its own database', () => {
  const { chart, synth } = scratch();
  const { postgres } = basics(chart);
  const e = new PostgresExporter(chart, 'pe', {
    image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
    resources: SMALL,
    instance: 'i',
    postgres,
  });
  const out = synth();
  expect(find(out, 'Service', 'postgres-exporter').spec.ports).toEqual([
    { name: 'metrics', port: 9187, targetPort: 'metrics', protocol: 'TCP' },
  ]);
  const c = find(out, 'Deployment', 'postgres-exporter').spec.template.spec.containers[0];
  expect(c.env).toEqual([
    { name: 'DATA_SOURCE_URI', value: 'postgres:5432/easyflow?sslmode=disable' },
    { name: 'DATA_SOURCE_USER', value: 'postgres' },
    { name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'DATABASE_PASSWORD' } } },
  ]);
  expect(e.database).toBe(postgres);
});

test('redis-exporter: Service 9121, /health probes', () => {
  const { chart, synth } = scratch();
  new RedisExporter(chart, 're', {
    image: 'docker.io/oliver006/redis_exporter:v1.66.0',
    resources: SMALL,
    instance: 'i',
    redis: basics(chart).redis,
  });
  const out = synth();
  expect(find(out, 'Service', 'redis-exporter').spec.ports[0].port).toBe(9121);
  const c = find(out, 'Deployment', 'redis-exporter').spec.template.spec.containers[0];
  expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
  expect(c.env[0]).toEqual({ name: 'REDIS_ADDR', value: 'redis://redis:6379' });
});

test('an unpinned exporter image is refused', () => {
  const { chart } = scratch();
  expect(
    () =>
      new RedisExporter(chart, 're', {
        image: 'oliver006/redis_exporter:latest',
        resources: SMALL,
        instance: 'i',
        redis: basics(chart).redis,
      }),
  ).toThrow(
    'test/re: image "oliver006/redis_exporter:latest" is not pinned: "latest" is not a release: pin a version tag',
  );
});

test('all props: restricted pods with their own ServiceAccount, pinned images, resources, probes', () => {
  const { chart, synth } = scratch();
  const { postgres, redis } = basics(chart);
  const pgProps: Required<PostgresExporterProps> = {
    image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
    resources: SMALL,
    instance: 'easyflow-test',
    postgres,
  };
  const redisProps: Required<RedisExporterProps> = {
    image: 'docker.io/oliver006/redis_exporter:v1.66.0',
    resources: SMALL,
    instance: 'easyflow-test',
    redis,
  };
  new PostgresExporter(chart, 'pe', pgProps);
  new RedisExporter(chart, 're', redisProps);
  const out = synth();
  for (const name of ['postgres-exporter', 'redis-exporter']) {
    const pod = find(out, 'Deployment', name).spec.template;
    expect(pod.metadata.labels).toMatchObject({ app: name, 'app.kubernetes.io/instance': 'easyflow-test' });
    expect(pod.spec.serviceAccountName).toBe(name);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(c.readinessProbe).toBeDefined();
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  }
  const redisEnv = find(out, 'Deployment', 'redis-exporter').spec.template.spec.containers[0].env;
  expect(redisEnv).toContainEqual({ name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: 'db0=celery' });
});
