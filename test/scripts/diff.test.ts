import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump } from 'js-yaml';
import { main, review, reviewLines } from '../../scripts/diff';

const deployment = (image: string, extra: Record<string, unknown> = {}) =>
  dump({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'easyflow-app' },
    spec: { template: { spec: { containers: [{ name: 'app', image }], ...extra } } },
  });
const kustomization = (resources: string[], extra: Record<string, unknown> = {}) =>
  dump({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra, resources });
const configMap = (data: Record<string, string>) =>
  dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'easyflow-config' }, data });

test('per folder: objects added, removed and changed, with field paths old → new', () => {
  const before = new Map([
    ['prod/deployment-easyflow-app.yaml', deployment('app:1.0.0')],
    ['prod/configmap-easyflow-config.yaml', configMap({ LOG_LEVEL: 'INFO' })],
    ['prod/SUMMARY.md', 'before'],
    ['prod/kustomization.yaml', kustomization(['configmap-easyflow-config.yaml', 'deployment-easyflow-app.yaml'])],
    ['dev/configmap-easyflow-config.yaml', configMap({ LOG_LEVEL: 'DEBUG' })],
  ]);
  const after = new Map([
    ['prod/deployment-easyflow-app.yaml', deployment('app:1.1.0', { priorityClassName: 'high' })],
    ['prod/service-easyflow-app.yaml', dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'easyflow-app' } })],
    ['prod/SUMMARY.md', 'after'],
    ['prod/kustomization.yaml', kustomization(['deployment-easyflow-app.yaml', 'service-easyflow-app.yaml'])],
    ['qa/configmap-easyflow-config.yaml', configMap({ LOG_LEVEL: 'INFO' })],
  ]);
  expect(reviewLines(before, after)).toEqual([
    'dev: removed, 1 objects (1 ConfigMap)',
    'prod: 1 added, 1 removed, 1 changed',
    '  - ConfigMap/easyflow-config',
    '  ~ Deployment/easyflow-app',
    '      ~ spec.template.spec.containers[app].image: app:1.0.0 → app:1.1.0',
    '      + spec.template.spec.priorityClassName: high',
    '  + Service/easyflow-app',
    'qa: added, 1 objects (1 ConfigMap)',
  ]);
});

test('a changed multi-line text shows the lines that changed; unchanged trees say nothing', () => {
  const rules = (expr: string) =>
    configMap({ 'alerts.yml': `groups:\n- alert: PostgresDown\n  expr: ${expr}\n  for: 1m\n` });
  const before = new Map([['prod/configmap-easyflow-config.yaml', rules('pg_up == 0')]]);
  const after = new Map([['prod/configmap-easyflow-config.yaml', rules('pg_up < 1')]]);
  expect(reviewLines(before, after)).toEqual([
    'prod: 1 changed',
    '  ~ ConfigMap/easyflow-config',
    '      ~ data.alerts.yml:',
    '          -   expr: pg_up == 0',
    '          +   expr: pg_up < 1',
  ]);
  expect(reviewLines(before, before)).toEqual([]);
});

test('a reordered env list shows: $(VAR) sees only the variables before it', () => {
  const env = (...names: string[]) => ({
    containers: [{ name: 'app', image: 'app:1', env: names.map((name) => ({ name, value: `$(${name}_X)` })) }],
  });
  const withEnv = (...names: string[]) =>
    dump({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'easyflow-app' },
      spec: { template: { spec: env(...names) } },
    });
  const before = new Map([['prod/deployment-easyflow-app.yaml', withEnv('DATABASE_PASSWORD', 'DATABASE_URL', 'A')]]);
  const after = new Map([['prod/deployment-easyflow-app.yaml', withEnv('DATABASE_URL', 'DATABASE_PASSWORD', 'B')]]);
  expect(reviewLines(before, after)).toEqual([
    'prod: 1 changed',
    '  ~ Deployment/easyflow-app',
    '      - spec.template.spec.containers[app].env[A]: {"name":"A","value":"$(A_X)"}',
    '      + spec.template.spec.containers[app].env[B]: {"name":"B","value":"$(B_X)"}',
    '      ~ spec.template.spec.containers[app].env order: DATABASE_PASSWORD, DATABASE_URL → DATABASE_URL, DATABASE_PASSWORD',
  ]);
  // An item added at the end moves no other item: no order line.
  const added = new Map([
    ['prod/deployment-easyflow-app.yaml', withEnv('DATABASE_PASSWORD', 'DATABASE_URL', 'A', 'C')],
  ]);
  expect(reviewLines(before, added)).not.toContainEqual(expect.stringContaining('order'));
});

describe('kustomization.yaml: whatever changes what the cluster gets', () => {
  const files = (k: string, ...objects: string[]) =>
    new Map([['prod/kustomization.yaml', k], ...objects.map((o): [string, string] => [`prod/${o}`, configMap({ o })])]);
  const A = 'configmap-a.yaml';
  const B = 'configmap-b.yaml';

  test('a resource no longer listed while its file stays (the cluster stops applying it)', () => {
    expect(reviewLines(files(kustomization([A, B]), A, B), files(kustomization([A]), A, B))).toEqual([
      'prod: 1 changed',
      '  ~ kustomization.yaml',
      `      - resources[${B}]: listed`,
    ]);
  });

  test('an added namePrefix (every object renamed in the cluster)', () => {
    expect(reviewLines(files(kustomization([A]), A), files(kustomization([A], { namePrefix: 'x-' }), A))).toEqual([
      'prod: 1 changed',
      '  ~ kustomization.yaml',
      '      + namePrefix: x-',
    ]);
  });

  test('an object added with its file and its entry shows once, as the object', () => {
    expect(reviewLines(files(kustomization([A]), A), files(kustomization([A, B]), A, B))).toEqual([
      'prod: 1 added',
      '  + ConfigMap/easyflow-config',
    ]);
  });
});

test("after the objects, SUMMARY.md's capacity cells that moved and the flows added or removed", () => {
  const summary = (cpu: string, claims: string[], flows: string[]) =>
    [
      '# prod',
      '## Capacity',
      '',
      '| Total | At HPA minimum | At HPA maximum |',
      '| --- | --- | --- |',
      `| CPU requests (cores) | 3.9 | ${cpu} |`,
      '',
      '| Storage claimed | Size | Count | Total |',
      '| --- | --- | --- | --- |',
      ...claims,
      '## Traffic',
      '',
      '```mermaid',
      'flowchart LR',
      '  p_a -- "TCP 1" --> p_b',
      '```',
      '',
      ...flows.map((f) => `- ${f}`),
    ].join('\n');
  const object: [string, string] = ['prod/configmap-easyflow-config.yaml', configMap({ LOG_LEVEL: 'INFO' })];
  const before = new Map([
    object,
    ['prod/SUMMARY.md', summary('7.4', ['| PersistentVolumeClaim/backup-pvc | 100Gi | 1 | 100Gi |'], ['a → b: TCP 1'])],
  ]);
  const after = new Map([
    object,
    [
      'prod/SUMMARY.md',
      summary(
        '8.4',
        ['| PersistentVolumeClaim/backup-pvc | 100Gi | 1 | 100Gi |', '| StatefulSet/redis data | 5Gi | 1 | 5Gi |'],
        ['a → c: TCP 2'],
      ),
    ],
  ]);
  expect(reviewLines(before, after)).toEqual([
    'prod: no object changed; SUMMARY.md did',
    '  capacity:',
    '      ~ CPU requests (cores), At HPA maximum: 7.4 → 8.4',
    '      + StatefulSet/redis data: Size 5Gi, Count 1, Total 5Gi',
    '  flows:',
    '      - a → b: TCP 1',
    '      + a → c: TCP 2',
  ]);
});

describe('against a git ref', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-diff-'));
    fs.mkdirSync(path.join(repo, 'dist', 'prod'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'dist', 'prod', 'deployment-easyflow-app.yaml'), deployment('app:1.0.0'));
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'empty');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'base');
    fs.writeFileSync(path.join(repo, 'dist', 'prod', 'deployment-easyflow-app.yaml'), deployment('app:2.0.0'));
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('by default the merge base with main; the working dist/ is what is reviewed', () => {
    expect(review(repo, undefined)).toMatch(
      /^Cluster changes against the merge base with main \([0-9a-f]{7}\):\n\nprod: 1 changed\n {2}~ Deployment\/easyflow-app\n {6}~ spec\.template\.spec\.containers\[app\]\.image: app:1\.0\.0 → app:2\.0\.0\n$/,
    );
  });

  test('a named ref, with everything added since an empty tree', () => {
    expect(review(repo, 'HEAD~1')).toContain('prod: added, 1 objects (1 Deployment)');
  });

  test('a ref that names no commit is a clear error', () => {
    expect(() => review(repo, 'nope')).toThrow('diff: "nope" is not a commit in this repository');
  });

  test('npm run diff -- <ref> prints that error alone, no stack trace, and exits 2', () => {
    const exitCode = process.exitCode;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      main(['no-such-ref-anywhere']);
      expect(process.exitCode).toBe(2);
      expect(errors.mock.calls).toEqual([['diff: "no-such-ref-anywhere" is not a commit in this repository']]);
      expect(out).not.toHaveBeenCalled();
    } finally {
      process.exitCode = exitCode;
      errors.mockRestore();
      out.mockRestore();
    }
  });
});
