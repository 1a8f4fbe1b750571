import { ArgoCdDelivery, ArgoCdDeliveryProps } from '../../lib/delivery/argocd';
import { loadEnvironments } from '../../lib/pipeline/config';
import { loadGitopsConfig } from '../../lib/pipeline/gitops-config';
import { CONFIG_DIR, ENVIRONMENTS, allOf, configOf, find, manifestsOf, scratch } from '../helpers';

const argo = manifestsOf('gitops/argocd');
const gitops = loadGitopsConfig(CONFIG_DIR, loadEnvironments(CONFIG_DIR));

test('one AppProject and one Application per environment, each syncing dist/<env>', () => {
  expect(allOf(argo, 'AppProject').map((p) => p.metadata.name)).toEqual(['easyflow']);
  for (const env of ENVIRONMENTS) {
    const app = find(argo, 'Application', `easyflow-${env}`);
    expect(app.spec.source).toEqual({
      repoURL: gitops.repoURL,
      targetRevision: gitops.environments[env]!.branch ?? gitops.branch,
      path: `dist/${env}`,
    });
    expect(app.spec.destination).toEqual({
      server: gitops.environments[env]!.server,
      namespace: configOf(env).namespace,
    });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
    expect(app.metadata.finalizers).toBeUndefined();
  }
});

test('the AppProject allows only this repository, the environment namespaces and Namespaces cluster-wide', () => {
  const spec = find(argo, 'AppProject', 'easyflow').spec;
  expect(spec.sourceRepos).toEqual([gitops.repoURL]);
  expect(spec.destinations.map((d: any) => d.namespace)).toEqual(ENVIRONMENTS.map((env) => configOf(env).namespace));
  expect(spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
});

test('all props', () => {
  const { chart, synth } = scratch();
  const props: Required<ArgoCdDeliveryProps> = {
    repoURL: 'ssh://git@example.com/deploy.git',
    namespace: 'gitops',
    project: 'flows',
    environments: [{ name: 'qa', namespace: 'flows-qa', server: 'https://qa.example.com', revision: 'release' }],
  };
  new ArgoCdDelivery(chart, 'argo', props);
  const app = find(synth(), 'Application', 'easyflow-qa');
  expect(app.metadata.namespace).toBe('gitops');
  expect(app.spec.project).toBe('flows');
  expect(app.spec.source).toMatchObject({ repoURL: 'ssh://git@example.com/deploy.git', targetRevision: 'release' });
});

test('bad props', () => {
  const { chart } = scratch();
  expect(() => new ArgoCdDelivery(chart, 'a', { repoURL: 'x', environments: [] })).toThrow(
    'test/a: environments must not be empty',
  );
});
