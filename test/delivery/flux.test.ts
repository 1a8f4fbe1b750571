import { FluxDelivery, FluxDeliveryProps } from '../../lib/delivery/flux';
import { ENVIRONMENTS, configOf, find, manifestsOf, scratch } from '../helpers';

test.each(ENVIRONMENTS)(
  'flux/%s: a GitRepository and a Kustomization with prune, health checks and a timeout',
  (env) => {
    const flux = manifestsOf(`gitops/flux/${env}`);
    expect(find(flux, 'GitRepository', 'easyflow-deploy').spec.ref).toEqual({ branch: 'main' });
    const k = find(flux, 'Kustomization', `easyflow-${env}`).spec;
    expect(k).toMatchObject({
      path: `./dist/${env}`,
      prune: true,
      timeout: '10m',
      sourceRef: { kind: 'GitRepository', name: 'easyflow-deploy' },
    });
    expect(k.healthChecks.map((h: any) => `${h.kind}/${h.name}`)).toEqual([
      configOf(env).postgres.mode === 'cloudnativepg' ? 'Cluster/postgres' : 'StatefulSet/postgres',
      'StatefulSet/redis',
      'Deployment/easyflow-app',
      'Deployment/celery-worker',
      'Deployment/celery-beat',
    ]);
  },
);

test('all props', () => {
  const { chart, synth } = scratch();
  const props: Required<FluxDeliveryProps> = {
    environment: 'qa',
    targetNamespace: 'flows-qa',
    repoURL: 'ssh://git@example.com/deploy.git',
    branch: 'release',
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }],
    namespace: 'gitops',
    interval: '1m',
    timeout: '2m',
  };
  new FluxDelivery(chart, 'flux', props);
  const out = synth();
  expect(find(out, 'Kustomization', 'easyflow-qa').spec).toMatchObject({
    interval: '1m',
    timeout: '2m',
    path: './dist/qa',
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', namespace: 'flows-qa' }],
  });
  expect(find(out, 'GitRepository', 'easyflow-deploy').metadata.namespace).toBe('gitops');
  expect(find(out, 'GitRepository', 'easyflow-deploy').spec.ref).toEqual({ branch: 'release' });
});

test('bad props', () => {
  const { chart } = scratch();
  expect(
    () =>
      new FluxDelivery(chart, 'f', {
        environment: 'qa',
        targetNamespace: 'q',
        repoURL: 'x',
        branch: 'main',
        healthChecks: [],
      }),
  ).toThrow('test/f: healthChecks must name at least one workload');
});
