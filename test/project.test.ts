/** The wiring between files that no compiler checks: cdk8s.yaml, the plugin, the CI workflow, Renovate. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './helpers';

const yamlOf = (text: string): any => load(text);
const yaml = (file: string): any => yamlOf(fs.readFileSync(path.join(ROOT, file), 'utf8'));

test('cdk8s.yaml: the plugin validates the CLI output folder and publishes dist/', () => {
  const config = yaml('cdk8s.yaml');
  expect(config.validations).toEqual([
    {
      package: './plugins/easyflow-validation',
      version: '1.0.0',
      class: 'EasyflowValidation',
      properties: { outdir: config.output, publishTo: 'dist' },
    },
  ]);
  expect(config.output).not.toBe('dist');
  const imports: string[] = config.imports.map((i: string) => i.split(':=')[1]);
  for (const file of imports) expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
});

test('the plugin entry point loads the TypeScript plugin class in plain node, as the CLI does', () => {
  const out = execFileSync(
    process.execPath,
    ['-e', "console.log(typeof require('./plugins/easyflow-validation').EasyflowValidation)"],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(out.trim()).toBe('function');
});

test('the pull-request workflow installs, lints, typechecks, tests and checks dist/', () => {
  const steps: string[] = yaml('.github/workflows/ci.yml').jobs.test.steps.map((s: any) => s.run ?? s.uses);
  expect(yaml('.github/workflows/ci.yml').on).toHaveProperty('pull_request');
  for (const command of [
    'npm ci',
    'npm run lint',
    'npm run typecheck',
    'npx jest --ci', // never writes snapshots: a missing or obsolete one fails
    'npm run test:integration',
    'npm run check:dist',
  ]) {
    expect(steps).toContain(command);
  }
});

const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/promote.yml'];
const stepsOf = (file: string, job: string): any[] => yaml(file).jobs[job].steps;

test('the pull-request workflow posts npm run diff as one comment, updated on each push', () => {
  const review = yaml('.github/workflows/ci.yml').jobs.review;
  expect(review.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  const steps = stepsOf('.github/workflows/ci.yml', 'review');
  expect(steps[0]).toEqual({ uses: 'actions/checkout@v6', with: { 'fetch-depth': 0 } });
  expect(steps.map((s) => s.run).filter(Boolean)).toContain('npm run --silent diff -- "origin/$BASE_REF" > review.txt');
  const script: string = steps.find((s) => String(s.uses).startsWith('actions/github-script@')).with.script;
  expect(script).toContain("const marker = '<!-- easyflow-review -->'");
  expect(script).toContain('updateComment');
});

test('the promotion workflow does what a person does, with a token that triggers CI', () => {
  const steps = stepsOf('.github/workflows/promote.yml', 'set-image');
  const runs: string[] = steps.map((s) => s.run).filter(Boolean);
  expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npm run set-image -- "$TARGET" "$TAG"', 'npm test']));
  const app = steps.find((s) => String(s.uses).startsWith('actions/create-github-app-token@'));
  expect(app.with).toEqual({
    'app-id': '${{ vars.PROMOTE_APP_ID }}',
    'private-key': '${{ secrets.PROMOTE_APP_PRIVATE_KEY }}',
  });
  expect(steps[0].run).toContain('promote needs the variable PROMOTE_APP_ID and the secret PROMOTE_APP_PRIVATE_KEY');
  const pr = steps.find((s) => String(s.uses).startsWith('peter-evans/create-pull-request@'));
  expect(pr.with.token).toBe('${{ steps.app.outputs.token }}');
  expect(steps.find((s) => s.uses === 'actions/checkout@v6').with.token).toBe('${{ steps.app.outputs.token }}');
});

test('the promotion workflow carries a digest to set-image, and names its branch by the tag alone', () => {
  const steps = stepsOf('.github/workflows/promote.yml', 'set-image');
  const choose: string = steps.find((s) => s.id === 'tag').run;
  const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-promote-')), 'output');
  const script = `tag='1.2.0@sha256:${'a'.repeat(64)}'\n${choose.slice(choose.indexOf('echo "name='))}`;
  execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env: { GITHUB_OUTPUT: output } });
  expect(fs.readFileSync(output, 'utf8')).toBe('name=1.2.0\n');
  fs.rmSync(path.dirname(output), { recursive: true });
  expect(choose).toContain('i.digest ?');
  const pr = steps.find((s) => String(s.uses).startsWith('peter-evans/create-pull-request@'));
  expect(pr.with.branch).toBe('release/${{ inputs.environment }}-${{ steps.tag.outputs.name }}');
});

test.each(WORKFLOWS)('%s: no expression is pasted into a shell script; values reach it through env', (file) => {
  for (const job of Object.keys(yaml(file).jobs)) {
    for (const step of stepsOf(file, job)) expect(String(step.run ?? '')).not.toContain('${{');
  }
});

test.each(WORKFLOWS)('%s: actions at their current major versions', (file) => {
  const current: Record<string, string> = {
    'actions/checkout': 'v6',
    'actions/setup-node': 'v6',
    'actions/github-script': 'v8',
    'actions/create-github-app-token': 'v2',
    'peter-evans/create-pull-request': 'v8',
  };
  for (const job of Object.keys(yaml(file).jobs)) {
    for (const step of stepsOf(file, job).filter((s) => s.uses)) {
      const [action, version] = String(step.uses).split('@') as [string, string];
      expect(`${action}@${version}`).toBe(`${action}@${current[action]}`);
    }
  }
});

test('the pull-request workflow installs every Debian package .ci/run installs', () => {
  const install = yaml('.github/workflows/ci.yml').jobs.test.steps.find((s: any) =>
    /apt-get install/.test(s.run ?? ''),
  );
  const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
  const packages = [...ci.matchAll(/packages\+=\(([a-z0-9.-]+)\)/g)].map((m) => m[1]!);
  expect(packages).toEqual(expect.arrayContaining(['prometheus-postgres-exporter', 'redis-server', 'awscli']));
  expect(packages.filter((p) => !install.run.split(/\s+/).includes(p))).toEqual([]);
});

describe('renovate.json', () => {
  const renovate = JSON.parse(fs.readFileSync(path.join(ROOT, 'renovate.json'), 'utf8'));
  const configs = fs.readdirSync(path.join(ROOT, 'config')).filter((f) => f.endsWith('.yaml'));
  /** A `/regex/` of managerFilePatterns as a RegExp. */
  const pattern = (p: string) => new RegExp(p.replace(/^\/(.*)\/$/, '$1'));

  /** Every `image` string in a config (the app's image mapping is released by set-image, not Renovate). */
  function pinnedImages(node: unknown): string[] {
    if (typeof node !== 'object' || node === null) return [];
    return Object.entries(node).flatMap(([key, value]) =>
      key === 'image' && typeof value === 'string' ? [value] : pinnedImages(value),
    );
  }

  test.each(configs)('config/%s: the custom managers find every pinned image, and nothing else', (file) => {
    const managers = renovate.customManagers.filter((m: any) =>
      m.managerFilePatterns.some((p: string) => pattern(p).test(`config/${file}`)),
    );
    expect(managers.length).toBeGreaterThan(0);
    const text = fs.readFileSync(path.join(ROOT, 'config', file), 'utf8');
    const found = managers.flatMap((m: any) =>
      m.matchStrings.flatMap((s: string) =>
        [...text.matchAll(new RegExp(s, 'g'))].map((x) => {
          const { depName, currentValue, currentDigest } = x.groups!;
          return `${depName}:${currentValue}${currentDigest ? `@${currentDigest}` : ''}`;
        }),
      ),
    );
    const images = pinnedImages(yamlOf(text));
    if (file !== 'gitops.yaml') expect(images.length).toBeGreaterThanOrEqual(4);
    expect(found.sort()).toEqual(images.sort());
    for (const m of managers) expect(m.datasourceTemplate).toBe('docker');
  });

  test('an update rewrites the image it matched: the replacement template renders the match itself back', () => {
    const render = (template: string, v: Record<string, string | undefined>): string =>
      template
        .replace(/\{\{#if (\w+)\}\}(.*?)\{\{\/if\}\}/g, (_, key, body) => (v[key] ? body : ''))
        .replace(/\{\{\{(\w+)\}\}\}/g, (_, key) => v[key] ?? '');
    for (const file of configs) {
      const text = fs.readFileSync(path.join(ROOT, 'config', file), 'utf8');
      for (const m of renovate.customManagers) {
        for (const s of m.matchStrings) {
          for (const x of text.matchAll(new RegExp(s, 'g'))) {
            const { depName, currentValue, currentDigest } = x.groups!;
            const values = { depName, newValue: currentValue, newDigest: currentDigest };
            expect(render(m.autoReplaceStringTemplate, values)).toBe(x[0]);
          }
        }
      }
    }
  });

  test('prod pins every image by digest (unless its digests are pending), and Renovate keeps the digests current', () => {
    const prod = fs.readFileSync(path.join(ROOT, 'config', 'prod.yaml'), 'utf8');
    if ((yamlOf(prod) as { imageDigests?: string }).imageDigests !== 'pending')
      for (const image of pinnedImages(yamlOf(prod))) expect(image).toMatch(/:[^/@]+@sha256:[a-f0-9]{64}$/);
    const pinning = renovate.packageRules.filter((r: any) => r.pinDigests === true);
    expect(pinning).toEqual([expect.objectContaining({ matchFileNames: ['config/prod.yaml'] })]);
    for (const m of renovate.customManagers) for (const s of m.matchStrings) expect(s).toContain('(?<currentDigest>');
  });

  test('the regexes are plain enough for RE2 (no lookaround, no backreferences)', () => {
    for (const m of renovate.customManagers) {
      for (const s of m.matchStrings) expect(s).not.toMatch(/\(\?[=!<][^a-zA-Z]|\\[1-9]/);
    }
  });

  test('PostgreSQL and Redis stay on their majors; typescript on the 5.9 the project needs', () => {
    const rule = (name: string) =>
      renovate.packageRules.find((r: any) => (r.matchDepNames ?? r.matchPackageNames)?.includes(name));
    expect(rule('docker.io/library/postgres').allowedVersions).toBe('/^15\\./');
    expect(rule('ghcr.io/cloudnative-pg/postgresql').allowedVersions).toBe('/^15\\./');
    expect(rule('docker.io/library/redis').allowedVersions).toBe('/^7\\./');
    expect(rule('typescript').allowedVersions).toBe('5.9.x');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.typescript).toMatch(/^5\.9\./);
  });

  test('its pull requests run the same CI and regenerate what check:dist compares', () => {
    expect(yaml('.github/workflows/ci.yml').on).toHaveProperty('pull_request');
    expect(renovate.postUpgradeTasks.commands).toContain('npx cdk8s synth');
    expect(renovate.postUpgradeTasks.fileFilters).toEqual(expect.arrayContaining(['dist/**', 'config/README.md']));
  });
});

test("every YAML and JSON file Prettier checks parses (Prettier's --cache can record an unparsable file as formatted)", () => {
  // prettier/prettier#19085: after a run that reports a syntax error, `prettier --check --cache`
  // passes the same file. TypeScript and JavaScript files have tsc and ESLint; these have this test.
  const ignored = fs
    .readFileSync(path.join(ROOT, '.prettierignore'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(ya?ml|json)$/.test(f) && fs.existsSync(path.join(ROOT, f)))
    .filter((f) => !ignored.some((i) => (i.endsWith('/') ? f.startsWith(i) : f === i)));
  expect(files).toContain('config/prod.yaml');
  const unparsable = files.flatMap((f) => {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    if (f.endsWith('.json')) {
      try {
        JSON.parse(text);
        return [];
      } catch (e) {
        return [`${f}: ${(e as Error).message}`];
      }
    }
    return parseAllDocuments(text).flatMap((d) => ('errors' in d ? d.errors : []).map((e) => `${f}: ${e.message}`));
  });
  expect(unparsable).toEqual([]);
});
