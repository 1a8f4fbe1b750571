import { PRE_STOP_DELAY_SECONDS, WebApp, WebAppProps } from '../../lib/workloads/web-app';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

test('minimal props: guide defaults, no replicas on the Deployment, no PDB for one pod', () => {
  const { chart, synth } = scratch();
  const { runtime } = basics(chart);
  new WebApp(chart, 'app', { runtime, resources: SMALL, instance: 'i', minReplicas: 1, maxReplicas: 2 });
  const out = synth();
  expect(find(out, 'Deployment', 'easyflow-app').spec.replicas).toBeUndefined();
  const hpa = find(out, 'HorizontalPodAutoscaler', 'easyflow-app-hpa').spec;
  expect(hpa.metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([70, 80]);
  expect(out.filter((m) => m.kind === 'PodDisruptionBudget')).toEqual([]);
});

test('all props', () => {
  const { chart, synth } = scratch();
  const { runtime } = basics(chart);
  const props: Required<WebAppProps> = {
    runtime,
    resources: SMALL,
    instance: 'easyflow-test',
    minReplicas: 2,
    maxReplicas: 6,
    targetCPUUtilizationPercent: 60,
    targetMemoryUtilizationPercent: 75,
  };
  const app = new WebApp(chart, 'app', props);
  const out = synth();
  const hpa = find(out, 'HorizontalPodAutoscaler', 'easyflow-app-hpa').spec;
  expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 6]);
  expect(hpa.metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([60, 75]);
  expect(find(out, 'PodDisruptionBudget', 'easyflow-app').spec).toEqual({
    maxUnavailable: 1,
    selector: { matchLabels: { app: 'easyflow-app' } },
  });
  const pod = find(out, 'Deployment', 'easyflow-app').spec.template;
  expect(pod.metadata.labels['app.kubernetes.io/instance']).toBe('easyflow-test');
  expect(pod.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  expect(pod.spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
    ['kubernetes.io/hostname', 'DoNotSchedule'],
    ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
  ]);
  expect(app.serviceName).toBe('easyflow-app-service');
});

/** The Deployment of a WebApp with minimal props and the given replica range. */
function deploymentWith(minReplicas: number, maxReplicas: number): any {
  const { chart, synth } = scratch();
  new WebApp(chart, 'app', {
    runtime: basics(chart).runtime,
    resources: SMALL,
    instance: 'i',
    minReplicas,
    maxReplicas,
  });
  return find(synth(), 'Deployment', 'easyflow-app');
}

test('a rollout never drops below the current replicas', () => {
  expect(deploymentWith(3, 10).spec.strategy.rollingUpdate).toEqual({
    maxUnavailable: 0,
    maxSurge: '25%',
  });
});

test('a settings change rolls the pods (config checksum on the template)', () => {
  const checksum = (logLevel: string): string => {
    const { chart, synth } = scratch();
    const { runtime } = basics(chart, { logLevel });
    new WebApp(chart, 'app', { runtime, resources: SMALL, instance: 'i', minReplicas: 1, maxReplicas: 1 });
    return find(synth(), 'Deployment', 'easyflow-app').spec.template.metadata.annotations['checksum/config'];
  };
  expect(checksum('INFO')).toBe(checksum('INFO'));
  expect(checksum('INFO')).not.toBe(checksum('DEBUG'));
});

test('bad props name the construct, the field and the value', () => {
  const { chart } = scratch();
  const runtime = basics(chart).runtime;
  expect(
    () =>
      new WebApp(chart, 'app', {
        runtime,
        resources: SMALL,
        instance: 'i',
        minReplicas: 5,
        maxReplicas: 2,
        targetCPUUtilizationPercent: 130,
      }),
  ).toThrow(
    'test/app: minReplicas is 5 but maxReplicas is 2; minReplicas must be <= maxReplicas\n' +
      'test/app: targetCPUUtilizationPercent must be a whole number from 1 to 100, got 130',
  );
  expect(
    () => new WebApp(chart, 'app2', { runtime, resources: SMALL, instance: 'i', minReplicas: 0, maxReplicas: 2 }),
  ).toThrow('test/app2: minReplicas must be a whole number >= 1, got 0');
});

test('pods spread over the nodes they may run on, and keep serving until the edge stops routing to them', () => {
  const pod = deploymentWith(2, 4).spec.template.spec;
  for (const spread of pod.topologySpreadConstraints) {
    expect(spread).toMatchObject({ nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' });
  }
  expect(pod.containers[0].lifecycle).toEqual({
    preStop: { exec: { command: ['sleep', String(PRE_STOP_DELAY_SECONDS)] } },
  });
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(PRE_STOP_DELAY_SECONDS + 10);
});

test('minReplicas may equal maxReplicas, not exceed it by one', () => {
  const { chart } = scratch();
  const { runtime } = basics(chart);
  const app = (id: string, minReplicas: number, maxReplicas: number) => () =>
    new WebApp(chart, id, { runtime, resources: SMALL, instance: 'i', minReplicas, maxReplicas });
  expect(app('equal', 3, 3)).not.toThrow();
  expect(app('over', 4, 3)).toThrow(
    'test/over: minReplicas is 4 but maxReplicas is 3; minReplicas must be <= maxReplicas',
  );
});
