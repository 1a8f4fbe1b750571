import * as fs from 'fs';
import * as path from 'path';
import { ArgoCdDelivery, ArgoCdDeliveryProps } from '../lib/argocd';
import { ConfigError, loadEnvironments } from '../lib/config';
import { FluxDelivery, FluxDeliveryProps } from '../lib/flux';
import { parseGitopsConfig } from '../lib/gitops-config';
import { CONFIG_DIR, ENVIRONMENTS, allOf, find, manifestsOf, scratch } from './helpers';

const argo = manifestsOf('gitops/argocd');

test('one AppProject and one Application per environment, each syncing dist/<env>', () => {
  expect(allOf(argo, 'AppProject').map((p) => p.metadata.name)).toEqual(['easyflow']);
  for (const env of ENVIRONMENTS) {
    const app = find(argo, 'Application', `easyflow-${env}`);
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/easyflow/easyflow-deploy.git',
      targetRevision: 'main',
      path: `dist/${env}`,
    });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
    expect(app.metadata.finalizers).toBeUndefined();
  }
  expect(find(argo, 'Application', 'easyflow-prod').spec.destination).toEqual({
    server: 'https://prod.k8s.easyflow.dev',
    namespace: 'easyflow',
  });
});

test('the AppProject allows only this repository, the environment namespaces and Namespaces cluster-wide', () => {
  const spec = find(argo, 'AppProject', 'easyflow').spec;
  expect(spec.sourceRepos).toEqual(['https://github.com/easyflow/easyflow-deploy.git']);
  expect(spec.destinations.map((d: any) => d.namespace)).toEqual(['easyflow-dev', 'easyflow', 'easyflow-staging']);
  expect(spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
});

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
      env === 'dev' ? 'StatefulSet/postgres' : 'Cluster/postgres',
      'StatefulSet/redis',
      'Deployment/easyflow-app',
      'Deployment/celery-worker',
      'Deployment/celery-beat',
    ]);
  },
);

test('all props', () => {
  const { chart, synth } = scratch();
  const argoProps: Required<ArgoCdDeliveryProps> = {
    repoURL: 'ssh://git@example.com/deploy.git',
    namespace: 'gitops',
    project: 'flows',
    environments: [{ name: 'qa', namespace: 'flows-qa', server: 'https://qa.example.com', revision: 'release' }],
  };
  new ArgoCdDelivery(chart, 'argo', argoProps);
  const fluxProps: Required<FluxDeliveryProps> = {
    environment: 'qa',
    targetNamespace: 'flows-qa',
    repoURL: 'ssh://git@example.com/deploy.git',
    branch: 'release',
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }],
    namespace: 'gitops',
    interval: '1m',
    timeout: '2m',
  };
  new FluxDelivery(chart, 'flux', fluxProps);
  const out = synth();
  expect(find(out, 'Application', 'easyflow-qa').spec.project).toBe('flows');
  expect(find(out, 'Kustomization', 'easyflow-qa').spec).toMatchObject({ interval: '1m', timeout: '2m' });
  expect(find(out, 'GitRepository', 'easyflow-deploy').metadata.namespace).toBe('gitops');
});

test('bad props', () => {
  const { chart } = scratch();
  expect(() => new ArgoCdDelivery(chart, 'a', { repoURL: 'x', environments: [] })).toThrow(
    'test/a: environments must not be empty',
  );
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

describe('config/gitops.yaml', () => {
  const envs = loadEnvironments(CONFIG_DIR);
  const text = fs.readFileSync(path.join(CONFIG_DIR, 'gitops.yaml'), 'utf8');
  const problems = (t: string): string[] => {
    try {
      parseGitopsConfig('config/gitops.yaml', t, envs);
    } catch (e) {
      return [...(e as ConfigError).problems];
    }
    return [];
  };

  test('names exactly the configured environments', () => {
    expect(problems(text.replace(/ {2}prod:\n.*\n/, ''))).toEqual([
      'config/gitops.yaml: environments.prod is missing: config/prod.yaml needs a destination',
    ]);
    expect(problems(`${text}  qa:\n    server: https://qa.example.com\n`)).toEqual([
      'config/gitops.yaml: environments.qa has no config/qa.yaml',
    ]);
  });

  test('bad values name the key and the value', () => {
    expect(problems(text.replace('server: https://prod.k8s.easyflow.dev', 'server: prod'))).toEqual([
      'config/gitops.yaml: environments.prod.server is "prod" but must match ^https://[^\\s]+$',
    ]);
    expect(problems(text.replace('interval: 5m', 'intervall: 5m'))).toContainEqual(
      'config/gitops.yaml: flux.intervall is not a known key (did you mean flux.interval?); allowed here: namespace, interval, timeout',
    );
  });
});
