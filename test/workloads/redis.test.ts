import { AppSecrets } from '../../lib/workloads/app-secrets';
import { MAX_MEMORY_SHARE, REDIS_START, Redis, RedisProps } from '../../lib/workloads/redis';
import { find } from '../helpers';
import { scratch } from '../charts';

test('all props: password required, append-only, maxmemory half the limit with noeviction, the password never an argument', () => {
  const { chart, synth } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  const props: Required<RedisProps> = {
    image: 'docker.io/library/redis:7.4.1-alpine',
    secrets,
    storage: { size: '2Gi', storageClassName: 'standard' },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    instance: 'i',
  };
  const redis = new Redis(chart, 'redis', props);
  const c = find(synth(), 'StatefulSet', 'redis').spec.template.spec.containers[0];
  expect(redis.maxMemoryBytes).toBe(512 * 1024 * 1024 * MAX_MEMORY_SHARE);
  expect(MAX_MEMORY_SHARE).toBeLessThanOrEqual(0.6);
  expect(c.command).toEqual(['sh', '-c', REDIS_START, 'redis-server']);
  expect(c.args).toEqual([
    '--dir',
    '/data',
    '--appendonly',
    'yes',
    '--maxmemory',
    String(redis.maxMemoryBytes),
    '--maxmemory-policy',
    'noeviction',
  ]);
  expect(c.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.key])).toEqual([
    ['REDIS_PASSWORD', 'REDIS_PASSWORD'],
    ['REDISCLI_AUTH', 'REDIS_PASSWORD'],
  ]);
});

test('an unpinned image is refused', () => {
  const { chart } = scratch();
  const secrets = new AppSecrets(chart, 'secrets', { remoteKey: 'k' });
  expect(
    () =>
      new Redis(chart, 'r', {
        image: 'redis',
        secrets,
        storage: { size: '1Gi' },
        resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } },
        instance: 'i',
      }),
  ).toThrow('test/r: image "redis" is not pinned: the image has no tag: pin a version tag such as :15.10-alpine');
});
