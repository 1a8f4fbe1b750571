/**
 * The README's everyday tasks, performed on a scratch copy of the project with the commands the
 * README gives (each must still be written there), each ending with `npm test` green: a change a
 * reviewer makes the documented way never needs a step the README does not name.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { copyProject } from '../../scripts/scratch-copy';
import { ROOT } from '../helpers';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** Several full `npm test` runs in a cold copy on 2 shared cores. */
const MINUTES = 60_000;

let work: string;

/** The environment of a person at a shell: no variable this test runner set for itself. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('EASYFLOW_') && !k.startsWith('JEST_')),
  );
  return {
    ...env,
    NODE_ENV: '',
    CDK8S_CHECK_UPGRADE: 'false',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

function sh(command: string, env: Record<string, string> = {}): { status: number | null; output: string } {
  const r = spawnSync('bash', ['-c', command], { cwd: work, env: shellEnv(env), encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Runs a command as the README writes it; fails when the README no longer says it, or the command fails. */
function step(command: string): string {
  expect(README).toContain(command);
  const r = sh(command);
  if (r.status !== 0) throw new Error(`\`${command}\` exited ${r.status}:\n${r.output}`);
  return r.output;
}

const file = (f: string) => path.join(work, f);
const read = (f: string) => fs.readFileSync(file(f), 'utf8');
/** Edits a file of the copy; fails when the edit changes nothing. */
function edit(f: string, change: (text: string) => string): void {
  const before = read(f);
  const after = change(before);
  if (after === before) throw new Error(`the edit changed nothing in ${f}`);
  fs.writeFileSync(file(f), after);
}

beforeAll(() => {
  work = copyProject('easyflow-workflows', os.tmpdir(), true);
  for (const command of ['git init -q -b main', 'git add -A', 'git commit -q -m base']) {
    expect(sh(command)).toMatchObject({ status: 0 });
  }
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Each task starts from the committed project. */
beforeEach(() => {
  expect(sh('git reset -q --hard && git clean -qfd')).toMatchObject({ status: 0 });
});

test(
  'changing a value: edit config, synth, review, test',
  () => {
    const max = Number(/maxReplicas: (\d+)/.exec(read('config/prod.yaml'))![1]);
    edit('config/prod.yaml', (t) => t.replace(`maxReplicas: ${max}`, `maxReplicas: ${max + 2}`));
    step('npx cdk8s synth');
    expect(step('npm run diff')).toContain(
      `prod: 1 changed\n  ~ HorizontalPodAutoscaler/easyflow-app-hpa\n      ~ spec.maxReplicas: ${max} → ${max + 2}\n`,
    );
    step('npm test');
  },
  15 * MINUTES,
);

test(
  'releasing with set-image, then promoting with the promote workflow',
  () => {
    const release = /npm run set-image -- staging (1\.1\.0@sha256:[a-f0-9]{64})/.exec(README)![1]!;
    step(`npm run set-image -- staging ${release}`);
    expect(step('npm run diff')).toMatch(/spec\.template\.spec\.containers\[app\]\.image: \S+:\S+ → \S+:1\.1\.0/);

    // promote.yml for prod with an empty tag: its own shell steps, in order, with the inputs in env.
    // Its `npm test` step is the README's `npm test` for both releases: it runs on the tree that
    // holds the staging release above and the prod one.
    const steps: Array<{ run?: string; env?: Record<string, string> }> = (
      load(read('.github/workflows/promote.yml')) as any
    ).jobs['set-image'].steps;
    expect(steps.map((x) => x.run)).toContain('npm test');
    const runner = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-promote-'));
    const outputs = path.join(runner, 'github-output');
    fs.writeFileSync(outputs, '');
    const inputs = { TARGET: 'prod', INPUT_TAG: '', GITHUB_OUTPUT: outputs };
    for (const s of steps.filter((x) => x.run && !x.run.includes('PROMOTE_APP_ID') && x.run !== 'npm ci')) {
      const tag = /^tag=(.*)$/m.exec(fs.readFileSync(outputs, 'utf8'))?.[1] ?? '';
      const r = sh(s.run!, { ...inputs, TAG: tag });
      if (r.status !== 0) throw new Error(`promote step \`${s.run}\` exited ${r.status}:\n${r.output}`);
    }
    fs.rmSync(runner, { recursive: true, force: true });
    expect(read('config/prod.yaml')).toContain("tag: '1.1.0'");
    expect(read('config/prod.yaml')).toContain(`digest: '${release.split('@')[1]}'`);
  },
  15 * MINUTES,
);

test(
  'adding an environment: a copy of staging gets its own secrets and issuer, and a shared namespace blames the copy',
  () => {
    step('cp config/staging.yaml config/qa.yaml');
    const destination = 'qa: { server: https://qa.k8s.easyflow.dev }';
    expect(README).toContain(destination);
    edit('config/gitops.yaml', (t) => t.replace(/^environments:\n/m, `environments:\n  ${destination}\n`));

    const refused = sh('npx cdk8s synth');
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain(
      'config/qa.yaml: namespace is "easyflow-staging", already used by config/staging.yaml; each environment needs its own',
    );
    expect(fs.existsSync(file('dist/qa'))).toBe(false);

    edit('config/qa.yaml', (t) =>
      t.replace(/^namespace: .*$/m, 'namespace: easyflow-qa').replace(/^ {2}host: .*$/m, '  host: api.qa.easyflow.dev'),
    );
    step('npx cdk8s synth');
    expect(read('dist/qa/externalsecret-easyflow-secrets.yaml')).toContain('key: easyflow/qa\n');
    expect(read('dist/qa/gateway-easyflow-gateway.yaml')).toContain(
      'cert-manager.io/cluster-issuer: letsencrypt-staging',
    );
    expect(step('npm run diff')).toContain('\nqa: added, ');
    step('npm test');
  },
  15 * MINUTES,
);

test(
  'removing an environment removes its folder and its GitOps objects',
  () => {
    step('git rm config/dev.yaml');
    edit('config/gitops.yaml', (t) => t.replace(/^ {2}dev:\n(?: {4}.*\n)+/m, ''));
    step('npx cdk8s synth');
    for (const gone of ['dist/dev', 'dist/gitops/flux/dev', 'dist/gitops/argocd/application-easyflow-dev.yaml']) {
      expect([gone, fs.existsSync(file(gone))]).toEqual([gone, false]);
    }
    const review = step('npm run diff');
    expect(review).toContain('\ndev: removed, ');
    expect(review).toContain('gitops/flux/dev: removed, ');
    expect(review).toContain('  - Application/easyflow-dev\n');
    step('npm test');
  },
  15 * MINUTES,
);

test(
  "changing a construct's code reaches every environment",
  () => {
    edit('lib/platform/deployment.ts', (t) => t.replace(/revisionHistoryLimit: (\d+)/, 'revisionHistoryLimit: 7'));
    step('npx cdk8s synth');
    expect(step('npm run diff')).toMatch(
      /~ Deployment\/easyflow-app\n(?: {6}.*\n)*? {6}~ spec\.revisionHistoryLimit: \d+ → 7\n/,
    );
    step('npx jest -u test/scenarios');
    expect(sh('git diff -U0 -- __snapshots__/').output).toContain('+  revisionHistoryLimit: 7');
    step('npm run format');
    step('npm test');
  },
  15 * MINUTES,
);
