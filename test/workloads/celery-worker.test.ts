import { CeleryWorker, CeleryWorkerProps } from '../../lib/workloads/celery-worker';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

describe('CeleryWorker', () => {
  test('minimal props: 2 replicas, concurrency 4, a PDB', () => {
    const { chart, synth } = scratch();
    new CeleryWorker(chart, 'w', { runtime: basics(chart).runtime, resources: SMALL, instance: 'i' });
    const out = synth();
    const d = find(out, 'Deployment', 'celery-worker');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0].command).toEqual([
      'celery',
      '-A',
      'app.core.celery',
      'worker',
      '--loglevel=info',
      '--concurrency=4',
    ]);
    expect(find(out, 'PodDisruptionBudget', 'celery-worker').spec.maxUnavailable).toBe(1);
  });

  test('all props', () => {
    const { chart, synth } = scratch();
    const props: Required<CeleryWorkerProps> = {
      runtime: basics(chart).runtime,
      resources: SMALL,
      instance: 'i',
      replicas: 1,
      concurrency: 8,
      logLevel: 'warning',
    };
    new CeleryWorker(chart, 'w', props);
    const out = synth();
    const d = find(out, 'Deployment', 'celery-worker');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0].command.slice(4)).toEqual(['--loglevel=warning', '--concurrency=8']);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    expect(out.filter((m) => m.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('readiness asks the worker itself; liveness fails only when Redis answers and the worker does not', () => {
    const { chart, synth } = scratch();
    new CeleryWorker(chart, 'w', { runtime: basics(chart).runtime, resources: SMALL, instance: 'i' });
    const c = find(synth(), 'Deployment', 'celery-worker').spec.template.spec.containers[0];
    const ping = 'celery -A app.core.celery inspect ping --destination "celery@$HOSTNAME" --timeout 10';
    expect(c.readinessProbe.exec.command[2]).toBe(ping);
    expect(c.livenessProbe.exec.command[2]).toBe(
      `${ping} >/dev/null 2>&1 || ! python -c 'import os, redis; ` +
        `redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()' >/dev/null 2>&1`,
    );
    expect(c.livenessProbe.failureThreshold * c.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(300);
  });

  test('bad props', () => {
    const { chart } = scratch();
    const runtime = basics(chart).runtime;
    expect(() => new CeleryWorker(chart, 'w', { runtime, resources: SMALL, instance: 'i', concurrency: 0 })).toThrow(
      'test/w: concurrency must be a whole number >= 1, got 0',
    );
  });
});
