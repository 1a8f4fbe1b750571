import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileName, publish, runSynth } from '../lib/synth';
import { CONFIG_DIR, ROOT } from './helpers';

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

test('publish replaces the target as a whole and leaves no scratch folders', () => {
  const source = path.join(tmp, 'out');
  const target = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(source, 'prod'), { recursive: true });
  fs.writeFileSync(path.join(source, 'prod', 'a.yaml'), 'new');
  fs.mkdirSync(path.join(target, 'old-env'), { recursive: true });
  fs.writeFileSync(path.join(target, 'old-env', 'b.yaml'), 'old');
  publish(source, target);
  expect(fs.readdirSync(target)).toEqual(['prod']);
  expect(fs.readFileSync(path.join(target, 'prod', 'a.yaml'), 'utf8')).toBe('new');
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'out']);
});

test('runSynth writes the CLI output and dist/, and reports what it did', () => {
  const lines: string[] = [];
  const code = runSynth({
    configDir: CONFIG_DIR,
    outdir: path.join(tmp, 'out'),
    distDir: path.join(tmp, 'dist'),
    log: (l) => lines.push(l),
  });
  expect(code).toBe(0);
  expect(fs.readdirSync(path.join(tmp, 'dist')).sort()).toEqual(['dev', 'prod', 'staging']);
  expect(fs.readFileSync(path.join(tmp, 'dist', 'prod', 'kustomization.yaml'), 'utf8')).toBe(
    fs.readFileSync(path.join(ROOT, 'dist', 'prod', 'kustomization.yaml'), 'utf8'),
  );
  expect(lines.join('\n')).toMatch(/^synthesized dev \(\d+ objects\), prod \(\d+ objects\), staging \(\d+ objects\)/);
});

test('runSynth on bad config returns 1, names the problem and does not touch dist/', () => {
  const config = path.join(tmp, 'config');
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(config, 'prod.yaml'), 'namespace: Easy Flow\n');
  const dist = path.join(tmp, 'dist');
  fs.mkdirSync(dist);
  fs.writeFileSync(path.join(dist, 'keep.yaml'), 'x');
  const lines: string[] = [];
  expect(runSynth({ configDir: config, outdir: path.join(tmp, 'out'), distDir: dist, log: (l) => lines.push(l) })).toBe(
    1,
  );
  expect(lines.join('\n')).toContain(`${config}/prod.yaml: namespace is "Easy Flow": it must be a DNS label`);
  expect(fs.readdirSync(dist)).toEqual(['keep.yaml']);
  expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
});
