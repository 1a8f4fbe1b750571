import * as path from 'path';
import { SchemaValidator } from '../lib/validation/schema';
import { readTree } from '../lib/platform/tree';
import { ENVIRONMENTS, ROOT, manifestsOf, rendered } from './helpers';

const validator = new SchemaValidator(['v1.27.0', 'v1.36.0']);

/**
 * The committed dist/ is the reviewed snapshot: one entry per synthesized file, named by its path, so a
 * pull request's diff reads `dist/prod/deployment-easyflow-app.yaml` and each change is reviewed once.
 * After a deliberate change, `npx cdk8s synth` updates it.
 */
describe('dist/ is exactly what a synth writes (update it with npx cdk8s synth)', () => {
  const committed = readTree(path.join(ROOT, 'dist'));

  test.each([...rendered().files.keys()].sort())('dist/%s', (file) => {
    expect(committed.get(file)).toBe(rendered().files.get(file));
  });

  test('dist/ holds no file a synth does not write', () => {
    expect([...committed.keys()].filter((file) => !rendered().files.has(file)).map((f) => `dist/${f}`)).toEqual([]);
  });
});

describe.each(ENVIRONMENTS)('%s', (env) => {
  test('every object is valid, strictly, for Kubernetes 1.27 and 1.36 and its CRD', () => {
    expect(validator.validate(manifestsOf(env))).toEqual([]);
  });

  test('every object lives in the environment namespace, except the Namespace itself', () => {
    const namespace = manifestsOf(env).find((m) => m.kind === 'Namespace')!.metadata.name;
    for (const m of manifestsOf(env)) {
      if (m.kind === 'Namespace') continue;
      expect({ object: `${m.kind}/${m.metadata.name}`, namespace: m.metadata.namespace }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        namespace,
      });
    }
  });
});

test('the GitOps bootstrap objects validate against their CRDs', () => {
  for (const folder of [...rendered().folders.keys()].filter((f) => f.startsWith('gitops/'))) {
    expect(validator.validate(manifestsOf(folder))).toEqual([]);
  }
});

describe('the schema validator catches what it must', () => {
  test('an unknown field, a wrong type and an API version the cluster does not serve', () => {
    const violations = validator.validate([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: {
          selector: {},
          template: { spec: { containers: [{ name: 'a', imagePullPolicy: 'IfNotPresent', imagee: 'x' }] } },
        },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { WORKERS: 4 } },
      { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'p' } },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 's' },
        spec: { endpoints: [{ prot: 'http' }] },
      },
    ]);
    expect(violations).toEqual(
      expect.arrayContaining([
        {
          object: 'Deployment/x',
          field: 'spec.template.spec.containers[0].imagee',
          rule: 'schema v1.27.0',
          message: 'unknown field',
        },
        {
          object: 'Deployment/x',
          field: 'spec.template.spec.containers[0].imagee',
          rule: 'schema v1.36.0',
          message: 'unknown field',
        },
        { object: 'ConfigMap/c', field: 'data.WORKERS', rule: 'schema v1.27.0', message: 'must be string' },
        {
          object: 'PodDisruptionBudget/p',
          field: 'apiVersion',
          rule: 'schema',
          message: 'policy/v1beta1/PodDisruptionBudget is not served by Kubernetes v1.27.0, v1.36.0',
        },
        {
          object: 'ServiceMonitor/s',
          field: 'spec.endpoints[0].prot',
          rule: 'CRD schema monitoring.coreos.com/v1/ServiceMonitor',
          message: 'unknown field',
        },
      ]),
    );
  });
});
