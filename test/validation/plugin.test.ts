import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { readTree, writeTree } from '../../lib/platform/tree';
import { EasyflowValidation } from '../../lib/validation/plugin';
import { rendered } from '../helpers';

let tmp: string;
let outdir: string;
let dist: string;

beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-plugin-'));
  outdir = path.join(tmp, 'out');
  dist = path.join(tmp, 'dist');
  writeTree(outdir, rendered().files);
  fs.writeFileSync(path.join(outdir, 'construct-metadata.json'), '{}');
  writeTree(dist, new Map([['prod/old.yaml', 'old']]));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function context(): ValidationContext {
  const manifests = [...readTree(outdir).keys()].filter((f) => f.endsWith('.yaml')).map((f) => path.join(outdir, f));
  return new ValidationContext(manifests, 'easyflow-validation', '1.0.0', {}, false);
}

test('valid output is reported as success and published to dist/, without construct metadata', async () => {
  const ctx = context();
  await new EasyflowValidation({ outdir, publishTo: dist }).validate(ctx);
  expect(ctx.report.success).toBe(true);
  const published = readTree(dist);
  expect(published.has('construct-metadata.json')).toBe(false);
  expect(published.has('prod/old.yaml')).toBe(false);
  expect(new Map([...published].filter(([f]) => f !== 'construct-metadata.json'))).toEqual(
    new Map([...rendered().files].sort(([a], [b]) => a.localeCompare(b))),
  );
});

test('a violation fails the report, names the object, the field and the rule, and leaves dist/ alone', async () => {
  const file = path.join(outdir, 'prod', 'deployment-celery-beat.yaml');
  fs.writeFileSync(
    file,
    fs.readFileSync(file, 'utf8').replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
  );
  const ctx = context();
  await new EasyflowValidation({ outdir, publishTo: dist }).validate(ctx);
  expect(ctx.report.success).toBe(false);
  const json = ctx.report.toJson();
  expect(json.violations).toEqual([
    expect.objectContaining({
      ruleName: 'policy/read-only-root',
      recommendation: 'must be true',
      violatingConstructs: [
        expect.objectContaining({
          resourceName: 'prod: Deployment/celery-beat',
          locations: ['spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'],
          manifestPath: file,
        }),
      ],
    }),
  ]);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('an unknown field is a schema violation', async () => {
  const file = path.join(outdir, 'staging', 'service-redis.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  type: ClusterIP', '  type: ClusterIP\n  tpye: x'));
  const ctx = context();
  await new EasyflowValidation({ outdir, publishTo: dist }).validate(ctx);
  expect(ctx.report.toJson().violations.map((v) => [v.ruleName, v.violatingConstructs[0]!.locations])).toEqual([
    ['schema v1.27.0', ['spec.tpye']],
    ['schema v1.36.0', ['spec.tpye']],
  ]);
});

test('an object a CRD CEL rule rejects fails the synth with the rule message, object and field', async () => {
  const file = path.join(outdir, 'prod', 'clienttrafficpolicy-easyflow-https.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('minVersion: "1.2"', 'minVersion: "1.3"'));
  const ctx = context();
  await new EasyflowValidation({ outdir, publishTo: dist }).validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations).toEqual([
    expect.objectContaining({
      ruleName: expect.stringMatching(/^CEL gateway.envoyproxy.io\/v1alpha1\/ClientTrafficPolicy: /),
      recommendation: 'setting ciphers has no effect if the minimum possible TLS version is 1.3',
      violatingConstructs: [
        expect.objectContaining({ resourceName: 'prod: ClientTrafficPolicy/easyflow-https', locations: ['spec.tls'] }),
      ],
    }),
  ]);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('the plugin needs to know the output folder', () => {
  expect(() => new EasyflowValidation({} as never)).toThrow(
    'easyflow validation plugin: properties.outdir is required (the cdk8s.yaml output folder)',
  );
});
