import { RedisExporter, RedisExporterProps } from '../../lib/workloads/redis-exporter';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

test('minimal props: Service 9121, /health probes', () => {
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

test('all props: its own ServiceAccount, the instance label, the resources and the Celery queue length', () => {
  const { chart, synth } = scratch();
  const props: Required<RedisExporterProps> = {
    image: 'docker.io/oliver006/redis_exporter:v1.66.0',
    resources: SMALL,
    instance: 'easyflow-test',
    redis: basics(chart).redis,
  };
  new RedisExporter(chart, 're', props);
  const pod = find(synth(), 'Deployment', 'redis-exporter').spec.template;
  expect(pod.metadata.labels).toMatchObject({ app: 'redis-exporter', 'app.kubernetes.io/instance': 'easyflow-test' });
  expect(pod.spec.serviceAccountName).toBe('redis-exporter');
  const c = pod.spec.containers[0];
  expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  expect(c.env).toContainEqual({ name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: 'db0=celery' });
});
