import { CeleryBeat, CeleryBeatProps } from '../../lib/workloads/celery-beat';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

describe('CeleryBeat', () => {
  test('all props: one replica, Recreate, its schedule file on a writable volume', () => {
    const { chart, synth } = scratch();
    const props: Required<CeleryBeatProps> = {
      runtime: basics(chart).runtime,
      resources: SMALL,
      instance: 'i',
      logLevel: 'debug',
    };
    const beat = new CeleryBeat(chart, 'b', props);
    const d = find(synth(), 'Deployment', 'celery-beat');
    expect(beat.replicas).toBe(1);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const c = d.spec.template.spec.containers[0];
    expect(c.command).toEqual([
      'celery',
      '-A',
      'app.core.celery',
      'beat',
      '--loglevel=debug',
      '--schedule=/var/lib/celery-beat/celerybeat-schedule',
    ]);
    expect(c.volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/celery-beat' });
    expect(c.livenessProbe.exec.command[2]).toContain('-mmin -10');
  });
});
