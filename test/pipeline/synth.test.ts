import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { ALL_OBJECTS, allObjects, fileName, folderFiles, runSynth } from '../../lib/pipeline/synth';
import { runWith } from '../../lib/pipeline/run';
import { hashInputs } from '../../lib/platform/inputs';
import { takeHandoff } from '../../lib/platform/handoff';
import { readTree } from '../../lib/platform/tree';
import { formatViolations, validateFolders } from '../../lib/validation/validate';
import { CONFIG_DIR, ENVIRONMENTS, manifestsOf, renderConfig, rendered, writeConfig } from '../helpers';

/** What runSynth runs, with the committed config's render the kept one instead of made again. */
const runKept = (o: Omit<Parameters<typeof runWith>[0], 'render'>) => runWith({ ...o, render: renderConfig });

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-synth-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('file names: kind and name, lower case', () => {
  expect(fileName({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'easyflow-config' } })).toBe(
    'configmap-easyflow-config.yaml',
  );
});

test('each folder lists its files in a kustomization.yaml, in name order', () => {
  const files = folderFiles('x', [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
  ]);
  expect([...files.keys()]).toEqual(['x/configmap-a.yaml', 'x/service-b.yaml', 'x/kustomization.yaml']);
  expect(files.get('x/kustomization.yaml')).toBe(
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap-a.yaml\n  - service-b.yaml\n',
  );
});

test('two objects of one kind and name are refused', () => {
  const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
  expect(() => folderFiles('x', [m, m])).toThrow('x/configmap-a.yaml: two objects would be written to this file');
});

test('every environment and the GitOps folders are rendered', () => {
  expect([...rendered().folders.keys()]).toEqual([
    ...ENVIRONMENTS,
    'gitops/argocd',
    ...ENVIRONMENTS.map((env) => `gitops/flux/${env}`),
  ]);
});

test('run by the CLI, a synth writes every object into one file and hands the dist/ tree to the plugin', () => {
  const outdir = path.join(tmp, 'out');
  const lines: string[] = [];
  expect(runKept({ configDir: CONFIG_DIR, outdir, cli: true, log: (l) => lines.push(l) })).toBe(0);
  const all = allObjects(rendered().files);
  expect([...readTree(outdir)]).toEqual([[ALL_OBJECTS, all]]);
  expect(all.split(/^---$/m)).toHaveLength([...rendered().folders.values()].flat().length);
  const handoff = takeHandoff(process.ppid, 0)!;
  expect(handoff.outdir).toBe(outdir);
  expect(handoff.written).toEqual({ [ALL_OBJECTS]: all });
  expect(handoff.files).toEqual(Object.fromEntries(rendered().files));
  expect(handoff.inputs).toEqual(hashInputs(CONFIG_DIR));
  expect(handoff.restored).toBe(false);
  expect(takeHandoff(process.ppid, 0)).toBeUndefined();
  expect(lines).toEqual([]);
});

test('a synth writes the CLI output folder only', () => {
  const lines: string[] = [];
  const outdir = path.join(tmp, 'out');
  expect(runKept({ configDir: CONFIG_DIR, outdir, log: (l) => lines.push(l) })).toBe(0);
  expect(readTree(outdir)).toEqual(new Map([...rendered().files].sort(([a], [b]) => a.localeCompare(b))));
  expect(lines.join('\n')).toMatch(
    new RegExp(`^synthesized ${ENVIRONMENTS.map((env) => `${env} \\(\\d+\\)`).join(', ')}, gitops/argocd`),
  );
});

test('runSynth on bad config returns 1, names the problem and writes nothing', () => {
  const config = path.join(tmp, 'config');
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(config, 'prod.yaml'), 'namespace: Easy Flow\n');
  const lines: string[] = [];
  expect(runSynth({ configDir: config, outdir: path.join(tmp, 'out'), log: (l) => lines.push(l) })).toBe(1);
  expect(lines.join('\n')).toContain(`${config}/prod.yaml: namespace is "Easy Flow": it must be a DNS label`);
  expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
});

test('after a repair, a failing synth says dist/ was restored, never that it was not changed', () => {
  const config = path.join(tmp, 'config');
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(config, 'prod.yaml'), 'namespace: Easy Flow\n');
  const lines: string[] = [];
  const outdir = path.join(tmp, 'out');
  expect(runSynth({ configDir: config, outdir, restored: true, log: (l) => lines.push(l) })).toBe(1);
  expect(lines[0]).toMatch(
    /^synth failed: invalid configuration; dist\/ was repaired \(see above\), nothing else changed\n/,
  );
  expect(lines.join('\n')).not.toContain('was not changed');
});

test('violations are reported one per line with folder, object, field and rule', () => {
  const broken = structuredClone(manifestsOf('prod').find((m) => m.kind === 'Deployment')) as any;
  broken.spec.template.spec.hostNetwork = true;
  // With the NetworkPolicies that select it: the policy checks that a pod has one.
  const policies = manifestsOf('prod').filter((m) => m.kind === 'NetworkPolicy');
  const text = formatViolations(validateFolders(new Map([['prod', [broken, ...policies]]])));
  expect(text).toBe(
    `prod: Deployment/${broken.metadata.name}: spec.template.spec.hostNetwork: must not be set [policy/host-namespaces]`,
  );
});

test.each(['WORKERS', 'ENVIRONMENT', 'LOG_LEVEL'])(
  'a reserved app.settings key (%s) is a config error naming the file, not a crash',
  (key) => {
    // The committed prod.yaml alone, with its GitOps destination: the other environments would render first.
    const config = path.join(tmp, 'config');
    const read = (f: string): string => fs.readFileSync(path.join(CONFIG_DIR, f), 'utf8');
    const prodText = read('prod.yaml').replace(/^app:\n/m, `app:\n  settings: { ${key}: '1' }\n`);
    writeConfig(config, { prod: prodText }, load(read('gitops.yaml')) as any);
    const prod = path.join(config, 'prod.yaml');
    const lines: string[] = [];
    expect(runSynth({ configDir: config, outdir: path.join(tmp, 'out'), log: (l) => lines.push(l) })).toBe(1);
    expect(lines.join('\n')).toMatch(
      new RegExp(`^${prod}: prod/.*: settings\\.${key} is set by this construct and cannot be overridden$`, 'm'),
    );
    expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
  },
);
