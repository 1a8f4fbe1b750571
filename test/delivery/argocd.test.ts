import { ARGOCD_ROOT, ArgoCdDelivery, ArgoCdDeliveryProps, IN_CLUSTER, SyncWindow } from '../../lib/delivery/argocd';
import { SYNC_WAVE } from '../../lib/delivery/sync-waves';
import { allOf, find } from '../helpers';
import { scratch } from '../charts';

const MINIMAL: ArgoCdDeliveryProps = {
  repoURL: 'https://git.example.com/deploy.git',
  revision: 'main',
  path: 'out/argocd',
  environments: [
    { name: 'qa', namespace: 'flows-qa', server: 'https://qa.example.com', revision: 'main', path: 'out/qa' },
    { name: 'live', namespace: 'flows', server: IN_CLUSTER, revision: 'v1.2.0', path: 'out/live' },
  ],
};

function build(props: ArgoCdDeliveryProps = MINIMAL) {
  const { chart, synth } = scratch();
  new ArgoCdDelivery(chart, 'argo', props);
  return synth();
}

test('a root Application syncs the folder it is written to, confined to Argo CD objects', () => {
  const out = build();
  const root = find(out, 'Application', ARGOCD_ROOT);
  expect(root.metadata.namespace).toBe('argocd');
  expect(root.spec.project).toBe(ARGOCD_ROOT);
  expect(root.spec.source).toEqual({ repoURL: MINIMAL.repoURL, targetRevision: 'main', path: 'out/argocd' });
  expect(root.spec.destination).toEqual({ server: IN_CLUSTER, namespace: 'argocd' });
  expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
  expect(root.metadata.finalizers).toBeUndefined();
  const project = find(out, 'AppProject', ARGOCD_ROOT).spec;
  expect(project.sourceRepos).toEqual([MINIMAL.repoURL]);
  expect(project.destinations).toEqual([{ server: IN_CLUSTER, namespace: 'argocd' }]);
  expect(project.clusterResourceWhitelist).toEqual([]);
  expect(project.namespaceResourceWhitelist).toEqual([
    { group: 'argoproj.io', kind: 'AppProject' },
    { group: 'argoproj.io', kind: 'Application' },
  ]);
});

test('one Application per environment, from its revision and folder, without the resources finalizer', () => {
  const out = build();
  expect(allOf(out, 'Application').map((a) => a.metadata.name)).toEqual([ARGOCD_ROOT, 'easyflow-qa', 'easyflow-live']);
  for (const env of MINIMAL.environments) {
    const app = find(out, 'Application', `easyflow-${env.name}`);
    expect(app.spec.project).toBe('easyflow');
    expect(app.spec.source).toEqual({ repoURL: MINIMAL.repoURL, targetRevision: env.revision, path: env.path });
    expect(app.spec.destination).toEqual({ server: env.server, namespace: env.namespace });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
    expect(app.metadata.finalizers).toBeUndefined();
  }
});

test('the environments AppProject allows this repository, their namespaces and Namespaces cluster-wide', () => {
  const spec = find(build(), 'AppProject', 'easyflow').spec;
  expect(spec.sourceRepos).toEqual([MINIMAL.repoURL]);
  expect(spec.destinations).toEqual(MINIMAL.environments.map((e) => ({ server: e.server, namespace: e.namespace })));
  expect(spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  expect(spec.syncWindows).toBeUndefined();
});

test('AppProjects are synced before the Applications that name them', () => {
  const out = build();
  for (const p of allOf(out, 'AppProject')) expect(p.metadata.annotations[SYNC_WAVE]).toBe('-1');
  for (const a of allOf(out, 'Application')) expect(a.metadata.annotations?.[SYNC_WAVE]).toBeUndefined();
});

test('a sync window left at its defaults: UTC, no manual sync', () => {
  const window: SyncWindow = { kind: 'allow', schedule: '0 6 * * 1-5', duration: '12h' };
  const out = build({ ...MINIMAL, environments: [{ ...MINIMAL.environments[0]!, syncWindows: [window] }] });
  expect(find(out, 'AppProject', 'easyflow').spec.syncWindows).toEqual([
    { ...window, timeZone: 'Etc/UTC', manualSync: false, applications: ['easyflow-qa'] },
  ]);
});

test('all props', () => {
  const window: Required<SyncWindow> = {
    kind: 'deny',
    schedule: '0 18 * * 5',
    duration: '62h',
    timeZone: 'Europe/Berlin',
    manualSync: true,
    description: 'freeze',
  };
  const props: Required<ArgoCdDeliveryProps> = {
    repoURL: 'ssh://git@example.com/deploy.git',
    revision: 'trunk',
    path: 'dist/gitops/argocd',
    namespace: 'gitops',
    project: 'flows',
    environments: [
      {
        name: 'qa',
        namespace: 'flows-qa',
        server: 'https://qa.example.com',
        revision: 'release',
        path: 'dist/qa',
        syncWindows: [window],
      },
    ],
  };
  const out = build(props);
  const app = find(out, 'Application', 'easyflow-qa');
  expect(app.metadata.namespace).toBe('gitops');
  expect(app.spec.project).toBe('flows');
  expect(app.spec.source).toEqual({ repoURL: props.repoURL, targetRevision: 'release', path: 'dist/qa' });
  expect(find(out, 'Application', ARGOCD_ROOT).spec.source).toEqual({
    repoURL: props.repoURL,
    targetRevision: 'trunk',
    path: 'dist/gitops/argocd',
  });
  expect(find(out, 'AppProject', ARGOCD_ROOT).spec.destinations).toEqual([{ server: IN_CLUSTER, namespace: 'gitops' }]);
  expect(find(out, 'AppProject', 'flows').spec.syncWindows).toEqual([{ ...window, applications: ['easyflow-qa'] }]);
});

test('bad props', () => {
  const { chart } = scratch();
  expect(() => new ArgoCdDelivery(chart, 'a', { ...MINIMAL, environments: [] })).toThrow(
    'test/a: environments must not be empty',
  );
  const qa = MINIMAL.environments[0]!;
  expect(
    () =>
      new ArgoCdDelivery(chart, 'b', {
        ...MINIMAL,
        project: ARGOCD_ROOT,
        environments: [
          qa,
          { ...qa, syncWindows: [{ kind: 'deny', schedule: '0 25 * * *', duration: '2 days', timeZone: 'Mars/Base' }] },
        ],
      }),
  ).toThrow(
    [
      'test/b: environments: "qa" is listed twice',
      `test/b: project "${ARGOCD_ROOT}" is the root's own AppProject; pick another`,
      'test/b: environments.qa.syncWindows[0].schedule "0 25 * * *" is not a valid cron schedule: "25" in the hour field is outside 0-23',
      'test/b: environments.qa.syncWindows[0].duration "2 days" must be a Go duration such as 64h or 1h30m',
      'test/b: environments.qa.syncWindows[0].timeZone "Mars/Base" is not an IANA time zone',
    ].join('\n'),
  );
});
