import { FluxDelivery, FluxDeliveryProps, fluxRootName, revisionName } from '../../lib/delivery/flux';

const ROOT = fluxRootName('qa');
import { allOf, find } from '../helpers';
import { scratch } from '../charts';

const MINIMAL: FluxDeliveryProps = {
  environment: 'qa',
  targetNamespace: 'flows-qa',
  repoURL: 'https://git.example.com/deploy.git',
  branch: 'main',
  revision: { branch: 'main' },
  path: 'out/qa',
  bootstrapPath: 'out/flux/qa',
  healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' }],
};

function build(props: FluxDeliveryProps = MINIMAL) {
  const { chart, synth } = scratch();
  new FluxDelivery(chart, 'flux', props);
  return synth();
}

test('a root GitRepository and Kustomization apply the folder they are written to, from the branch', () => {
  const out = build();
  expect(ROOT).toBe('easyflow-gitops-qa');
  expect(find(out, 'GitRepository', ROOT).spec).toEqual({
    url: MINIMAL.repoURL,
    ref: { branch: 'main' },
    interval: '1m',
    timeout: '60s',
  });
  expect(find(out, 'Kustomization', ROOT).spec).toEqual({
    interval: '5m',
    retryInterval: '1m',
    path: './out/flux/qa',
    prune: true,
    deletionPolicy: 'Orphan',
    wait: false,
    sourceRef: { kind: 'GitRepository', name: ROOT },
  });
  for (const m of out) expect(m.metadata.namespace).toBe('flux-system');
});

test("the environment's Kustomization applies its folder with prune, health checks and a timeout, orphaning on delete", () => {
  const out = build();
  expect(find(out, 'Kustomization', 'easyflow-qa').spec).toEqual({
    interval: '5m',
    retryInterval: '1m',
    timeout: '10m',
    path: './out/qa',
    prune: true,
    deletionPolicy: 'Orphan',
    wait: false,
    sourceRef: { kind: 'GitRepository', name: 'easyflow-qa' },
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'app', namespace: 'flows-qa' }],
  });
  expect(allOf(out, 'GitRepository').map((g) => g.spec.secretRef)).toEqual([undefined, undefined]);
});

test.each([{ branch: 'release' }, { tag: 'v1.2.0' }, { commit: '0123456789abcdef0123456789abcdef01234567' }])(
  'the environment follows %p while the root follows the branch',
  (revision) => {
    const out = build({ ...MINIMAL, revision });
    expect(find(out, 'GitRepository', 'easyflow-qa').spec.ref).toEqual(revision);
    expect(find(out, 'GitRepository', ROOT).spec.ref).toEqual({ branch: 'main' });
    expect(revisionName(revision)).toBe(Object.values(revision)[0]);
  },
);

test('all props', () => {
  const props: Required<FluxDeliveryProps> = {
    environment: 'qa',
    targetNamespace: 'flows-qa',
    repoURL: 'ssh://git@example.com/deploy.git',
    branch: 'trunk',
    revision: { tag: 'v2' },
    path: 'dist/qa',
    bootstrapPath: 'dist/gitops/flux/qa',
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }],
    namespace: 'gitops',
    interval: '1m',
    timeout: '2m',
    secretRef: 'deploy-key',
    dependsOn: [{ name: 'infra-crds' }, { name: 'databases', namespace: 'platform' }],
  };
  const out = build(props);
  expect(find(out, 'Kustomization', 'easyflow-qa').spec).toMatchObject({
    interval: '1m',
    timeout: '2m',
    path: './dist/qa',
    dependsOn: [
      { name: 'infra-crds', namespace: 'gitops' },
      { name: 'databases', namespace: 'platform' },
    ],
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', namespace: 'flows-qa' }],
  });
  expect(find(out, 'Kustomization', ROOT).spec).toMatchObject({ interval: '1m', path: './dist/gitops/flux/qa' });
  // The root applies only the bootstrap objects: it never waits, or a missing dependency would freeze its own fix.
  expect(find(out, 'Kustomization', ROOT).spec.dependsOn).toBeUndefined();
  for (const m of out) expect(m.metadata.namespace).toBe('gitops');
  for (const g of allOf(out, 'GitRepository')) {
    expect(g.spec.url).toBe(props.repoURL);
    expect(g.spec.secretRef).toEqual({ name: 'deploy-key' });
  }
  expect(find(out, 'GitRepository', ROOT).spec.ref).toEqual({ branch: 'trunk' });
  expect(find(out, 'GitRepository', 'easyflow-qa').spec.ref).toEqual({ tag: 'v2' });
});

test('without dependencies the environment is applied at once', () => {
  expect(find(build(), 'Kustomization', 'easyflow-qa').spec.dependsOn).toBeUndefined();
});

test('bad props', () => {
  const { chart } = scratch();
  expect(() => new FluxDelivery(chart, 'f', { ...MINIMAL, healthChecks: [] })).toThrow(
    'test/f: healthChecks must name at least one workload',
  );
  const dependsOn = [
    { name: 'Infra_CRDs' },
    { name: 'crds' },
    { name: 'crds', namespace: 'flux-system' },
    { name: ROOT },
  ];
  expect(() => new FluxDelivery(scratch().chart, 'f', { ...MINIMAL, dependsOn })).toThrow(
    [
      'test/f: dependsOn.0.name is "Infra_CRDs": it must be a Kubernetes object name (lower-case DNS subdomain)',
      'test/f: dependsOn.2 lists flux-system/crds a second time',
      `test/f: dependsOn.3 is flux-system/${ROOT}, a Kustomization of this environment's own: it would wait for itself`,
    ].join('\n'),
  );
});
