/**
 * End to end through the real CLI, the way an engineer runs it: `cdk8s synth` in a copy of the
 * project. A failed synth must exit non-zero with a readable message and leave dist/ untouched.
 */
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { copyProject } from '../../scripts/scratch-copy';
import { ROOT } from '../helpers';

let work: string;

/** sha256 of every file under `dir`, by relative path. */
function treeHash(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function synth(): { status: number | null; output: string } {
  const r = spawnSync(path.join(work, 'node_modules', '.bin', 'cdk8s'), ['synth'], {
    cwd: work,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

beforeAll(() => {
  work = copyProject('easyflow-cli');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('cdk8s synth writes dist/<env>/ byte for byte as committed, twice in a row', () => {
  const committed = treeHash(path.join(ROOT, 'dist'));
  for (let i = 0; i < 2; i++) {
    const r = synth();
    expect(r.status).toBe(0);
    expect(treeHash(path.join(work, 'dist'))).toEqual(committed);
  }
});

test('a policy violation fails the synth with a report naming the object, the field and the rule; dist/ stays', () => {
  const security = path.join(work, 'lib', 'platform', 'security.ts');
  const original = fs.readFileSync(security, 'utf8');
  const before = treeHash(path.join(work, 'dist'));
  try {
    fs.writeFileSync(security, original.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'));
    const r = synth();
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('policy/read-only-root');
    expect(r.output).toContain('prod: Deployment/easyflow-app');
    expect(r.output).toContain('spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem');
    expect(r.output).toContain('Validation failed');
    expect(treeHash(path.join(work, 'dist'))).toEqual(before);
  } finally {
    fs.writeFileSync(security, original);
  }
});

test('an app that crashes fails the synth and leaves dist/ as it was', () => {
  const chart = path.join(work, 'lib', 'easyflow-chart.ts');
  const original = fs.readFileSync(chart, 'utf8');
  const before = treeHash(path.join(work, 'dist'));
  try {
    fs.writeFileSync(
      chart,
      original.replace('applySyncWaves(this);', "applySyncWaves(this);\n    throw new Error('boom');"),
    );
    const r = synth();
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('boom');
    expect(treeHash(path.join(work, 'dist'))).toEqual(before);
  } finally {
    fs.writeFileSync(chart, original);
  }
});

test('an edit to a .ts file takes effect on the next run, without a compile step', () => {
  const run = (): string => {
    const outdir = path.join(work, 'out-edit');
    execFileSync(process.execPath, ['scripts/ts-run.js', 'main.ts'], {
      cwd: work,
      env: { ...process.env, CDK8S_OUTDIR: outdir },
      stdio: 'pipe',
    });
    return fs.readFileSync(path.join(outdir, 'prod', 'clienttrafficpolicy-easyflow-https.yaml'), 'utf8');
  };
  const edge = path.join(work, 'lib', 'workloads', 'edge.ts');
  const original = fs.readFileSync(edge, 'utf8');
  const frameOptions = (value: string) => `- name: X-Frame-Options\n          value: ${value}`;
  try {
    expect(run()).toContain(frameOptions('DENY'));
    fs.writeFileSync(edge, original.replace("'X-Frame-Options': 'DENY'", "'X-Frame-Options': 'SAMEORIGIN'"));
    expect(run()).toContain(frameOptions('SAMEORIGIN'));
  } finally {
    fs.writeFileSync(edge, original);
  }
  expect(run()).toContain(frameOptions('DENY'));
});

test('an edit to a backup script takes effect on the next run', () => {
  const outdir = path.join(work, 'out-script');
  const cronJob = (): string => {
    execFileSync(process.execPath, ['scripts/ts-run.js', 'main.ts'], {
      cwd: work,
      env: { ...process.env, CDK8S_OUTDIR: outdir },
      stdio: 'pipe',
    });
    return fs.readFileSync(path.join(outdir, 'prod', 'cronjob-postgres-backup.yaml'), 'utf8');
  };
  const script = path.join(work, 'lib', 'workloads', 'scripts', 'postgres-backup.sh');
  const original = fs.readFileSync(script, 'utf8');
  try {
    expect(cronJob()).not.toContain('edited-by-test');
    fs.writeFileSync(script, `${original}# edited-by-test\n`);
    expect(cronJob()).toContain('edited-by-test');
  } finally {
    fs.writeFileSync(script, original);
  }
});

describe('a failed synth leaves dist/ exactly as it was', () => {
  const prodFile = (): string => path.join(work, 'config', 'prod.yaml');
  let original: string;
  beforeEach(() => {
    original = fs.readFileSync(prodFile(), 'utf8');
  });
  afterEach(() => fs.writeFileSync(prodFile(), original));

  test.each([
    [
      'min above max',
      (t: string) => t.replace('minReplicas: 3', 'minReplicas: 30'),
      'config/prod.yaml: app.autoscaling.minReplicas is 30 but maxReplicas is 10; minReplicas must be <= maxReplicas',
    ],
    [
      'a YAML syntax error',
      (t: string) => t.replace('  workers: 4\n', '  workers: [4\n'),
      'config/prod.yaml:12:3: YAML syntax error',
    ],
    ['a missing file section', () => 'namespace: easyflow\n', 'config/prod.yaml: image is required but missing'],
  ])('%s', (_case, edit, message) => {
    const before = treeHash(path.join(work, 'dist'));
    fs.writeFileSync(prodFile(), edit(original));
    const r = synth();
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('synth failed: invalid configuration; dist/ was not changed');
    expect(r.output).toContain(message);
    expect(treeHash(path.join(work, 'dist'))).toEqual(before);
  });
});
