import * as fs from 'fs';
import * as path from 'path';
import { SchemaValidator } from '../lib/validation/schema';
import { ENVIRONMENTS, ROOT, environments, manifestsOf } from './helpers';

const validator = new SchemaValidator(['v1.27.0', 'v1.36.0']);

describe.each(ENVIRONMENTS)('%s', (env) => {
  test('matches the reviewed snapshot', () => {
    const files = Object.fromEntries(environments().get(env)!.files);
    expect(files).toMatchSnapshot();
  });

  test('every object is valid, strictly, for Kubernetes 1.27 and 1.36 and its CRD', () => {
    expect(validator.validate(manifestsOf(env))).toEqual([]);
  });

  test('the committed dist/ is exactly a fresh synth', () => {
    const dir = path.join(ROOT, 'dist', env);
    const fresh = environments().get(env)!.files;
    const committed = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    expect(committed).toEqual([...fresh.keys()].sort());
    for (const [file, content] of fresh) {
      expect({ file, content: fs.readFileSync(path.join(dir, file), 'utf8') }).toEqual({ file, content });
    }
  });

  test('every object lives in the environment namespace, except the Namespace itself', () => {
    const namespace = environments()
      .get(env)!
      .manifests.find((m) => m.kind === 'Namespace')!.metadata.name;
    for (const m of manifestsOf(env)) {
      if (m.kind === 'Namespace') continue;
      expect({ object: `${m.kind}/${m.metadata.name}`, namespace: m.metadata.namespace }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        namespace,
      });
    }
  });
});

test('dist/ holds exactly the configured environments', () => {
  const dirs = fs
    .readdirSync(path.join(ROOT, 'dist'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  expect(dirs).toEqual(ENVIRONMENTS);
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
