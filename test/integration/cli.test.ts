/**
 * End to end through the real CLI, the way an engineer runs it: `cdk8s synth` in a copy of the
 * project, with every synth flag cdk8s documents, concurrent synths, synths killed at random
 * instants, and edits of every kind of input. dist/ must always be exactly the old or exactly the
 * new validated tree.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { withPublishLock } from '../../lib/platform/tree';
import { copyProject } from '../../scripts/scratch-copy';
import { ROOT, rendered } from '../helpers';

/** Every object a synth of the committed config writes, and its folders in the order a synth lists them. */
const OBJECTS = [...rendered().folders.values()].flat().length;
const FOLDERS = [...rendered().folders.keys()];

let work: string;
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

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

const dist = (): Record<string, string> => treeHash(path.join(work, 'dist'));

function synth(...args: string[]): { status: number | null; stdout: string; stderr: string; output: string } {
  const r = spawnSync(path.join(work, 'node_modules', '.bin', 'cdk8s'), ['synth', ...args], {
    cwd: work,
    env: ENV,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}

/** A synth in its own process group, so a test can kill the CLI together with its app. */
function startSynth(): ChildProcess {
  return spawn(path.join(work, 'node_modules', '.bin', 'cdk8s'), ['synth'], {
    cwd: work,
    env: ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `condition` holds, polling; fails after a deadline generous for a busy machine. */
async function until(condition: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A child's output so far, and its end. */
function watch(child: ChildProcess): { output: () => string; done: Promise<{ code: number | null; output: string }> } {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, output })),
  );
  return { output: () => output, done };
}

/** `npm run set-image -- <args>` in the copy, in its own process group. */
function startSetImage(...args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(work, 'scripts', 'ts-run.js'), 'scripts/set-image.ts', ...args], {
    cwd: work,
    env: ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `npm run check:dist` in the copy. */
function checkDist(): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [path.join(work, 'scripts', 'ts-run.js'), 'scripts/check-dist.ts'], {
    cwd: work,
    env: ENV,
    encoding: 'utf8',
  });
}

/** The line number (from 1) of the committed config/prod.yaml's line `text`. */
const lineOf = (text: string): number =>
  fs
    .readFileSync(path.join(ROOT, 'config', 'prod.yaml'), 'utf8')
    .split(/(?<=\n)/)
    .indexOf(text) + 1;

/** Replaces `from` by `to` in the copy's `file` for the duration of `fn`. */
async function withEdit<T>(file: string, from: string, to: string, fn: () => T | Promise<T>): Promise<T> {
  const full = path.join(work, file);
  const original = fs.readFileSync(full, 'utf8');
  if (!original.includes(from)) throw new Error(`${file} has no "${from}"`);
  fs.writeFileSync(full, original.replace(from, to));
  try {
    return await fn();
  } finally {
    fs.writeFileSync(full, original);
  }
}

/** The hidden folders a publish works in: none may be left after a synth that finished. */
const leftovers = (): string[] => fs.readdirSync(work).filter((n) => n.startsWith('.dist.'));

/**
 * True when dist/ holds one synth's complete output: the committed files, and one app image tag
 * throughout dist/prod/ (the tests vary prod's tag between synths, so a mix would show two).
 */
function consistent(tree: Record<string, string>): boolean {
  if (Object.keys(tree).sort().join() !== Object.keys(committed).sort().join()) return false;
  const tags = new Set<string>();
  for (const f of Object.keys(tree).filter((f) => f.startsWith('prod/'))) {
    const text = fs.readFileSync(path.join(work, 'dist', f), 'utf8');
    for (const m of text.matchAll(/\/easyflow:([\w.-]+)/g)) tags.add(m[1]!);
  }
  return tags.size === 1;
}

let committed: Record<string, string>;

beforeAll(() => {
  work = copyProject('easyflow-cli');
  committed = treeHash(path.join(ROOT, 'dist'));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('a plain synth', () => {
  test('writes dist/<env>/ byte for byte as committed, twice in a row, and prints a short summary', () => {
    for (let i = 0; i < 2; i++) {
      const r = synth();
      expect(r.status).toBe(0);
      expect(dist()).toEqual(committed);
      expect(r.stdout.trimEnd().split('\n')).toEqual([
        'Synthesizing application',
        '  - .cdk8s.out/all.k8s.yaml',
        ...FOLDERS.map((f) => expect.stringMatching(new RegExp(`^${f.replace(/\//g, '\\/')} +\\d+ objects$`))),
        `validated ${OBJECTS} objects; published ${Object.keys(committed).length} files to dist/`,
      ]);
      expect(r.stderr).toBe('');
      expect(leftovers()).toEqual([]);
    }
  });

  test('a policy violation fails with a report naming the object, the field and the rule; dist/ stays', async () => {
    const before = dist();
    await withEdit('lib/platform/security.ts', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false', () => {
      const r = synth();
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('policy/read-only-root');
      expect(r.output).toContain('prod: Deployment/easyflow-app');
      expect(r.output).toContain('spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem');
      expect(r.output).toContain('Validation failed');
    });
    expect(dist()).toEqual(before);
  });

  test('an app that crashes fails the synth and leaves dist/ as it was', async () => {
    const before = dist();
    await withEdit(
      'lib/easyflow-chart.ts',
      'applySyncWaves(this);',
      "applySyncWaves(this);\n    throw new Error('boom');",
      () => {
        const r = synth();
        expect(r.status).not.toBe(0);
        expect(r.output).toContain('boom');
      },
    );
    expect(dist()).toEqual(before);
  });

  test.each([
    [
      'min above max',
      'minReplicas: 3',
      'minReplicas: 30',
      'config/prod.yaml: app.autoscaling.minReplicas is 30 but maxReplicas is 10; minReplicas must be <= maxReplicas',
    ],
    // The parser reports the unclosed `[` where the next line begins.
    [
      'a YAML syntax error',
      '  workers: 4\n',
      '  workers: [4\n',
      `config/prod.yaml:${lineOf('  workers: 4\n') + 1}:3: YAML syntax error`,
    ],
    [
      'a reserved setting',
      'app:\n',
      "app:\n  settings: { WORKERS: '2' }\n",
      'settings.WORKERS is set by this construct',
    ],
  ])('bad config (%s) fails with the message and no stack trace; dist/ stays', async (_case, from, to, message) => {
    const before = dist();
    await withEdit('config/prod.yaml', from, to, () => {
      const r = synth();
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('synth failed: invalid configuration; dist/ was not changed');
      expect(r.output).toContain(message);
      expect(r.output).not.toMatch(/\n\s+at /);
    });
    expect(dist()).toEqual(before);
  });
});

describe('a synth after one killed between its two renames', () => {
  test.each([
    ['bad config', 'config/prod.yaml', 'minReplicas: 3', 'minReplicas: 30', 'synth failed: invalid configuration'],
    [
      'an app crash',
      'lib/easyflow-chart.ts',
      'applySyncWaves(this);',
      "applySyncWaves(this);\n    throw new Error('boom');",
      'boom',
    ],
    [
      'a policy violation',
      'lib/platform/security.ts',
      'readOnlyRootFilesystem: true',
      'readOnlyRootFilesystem: false',
      'policy/read-only-root',
    ],
  ])('fails on %s, yet restores dist/ first and says so', async (_case, file, from, to, failure) => {
    expect(synth().status).toBe(0);
    const before = dist();
    fs.renameSync(path.join(work, 'dist'), path.join(work, '.dist.previous'));
    await withEdit(file, from, to, () => {
      const r = synth();
      expect(r.status).not.toBe(0);
      expect(r.output).toContain(failure);
      expect(r.output).toContain(
        'dist/ was restored: a synth killed while publishing had left the last published tree in .dist.previous/',
      );
      expect(r.output).not.toContain('dist/ was not changed');
    });
    expect(dist()).toEqual(before);
    expect(leftovers()).toEqual([]);
  });
});

describe('every cdk8s synth flag keeps dist/ as it was', () => {
  let before: Record<string, string>;
  beforeAll(() => {
    expect(synth().status).toBe(0);
    before = dist();
  });
  afterEach(() => {
    expect(dist()).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  test('-p / --stdout prints only manifests, every validated object once', () => {
    for (const flag of ['-p', '--stdout']) {
      const r = synth(flag);
      expect(r.status).toBe(0);
      const objects = loadAll(r.stdout) as Array<{ apiVersion: string }>;
      expect(objects).toHaveLength(OBJECTS);
      // kustomization.yaml files are dist/'s index, not objects for a cluster.
      expect(objects.map((o) => o.apiVersion)).not.toContain('kustomize.config.k8s.io/v1beta1');
      expect(r.stderr).toContain(`validated ${OBJECTS} objects written to standard output; dist/ was not changed`);
    }
  });

  test('-o / --output writes the validated objects there', () => {
    for (const [flag, dir] of [
      ['-o', 'out-o'],
      ['--output', 'out-output'],
    ]) {
      const r = synth(flag!, dir!);
      expect(r.status).toBe(0);
      expect(loadAll(fs.readFileSync(path.join(work, dir!, 'all.k8s.yaml'), 'utf8'))).toHaveLength(OBJECTS);
      expect(r.stdout).toContain(`validated ${OBJECTS} objects written to ${dir}/; dist/ was not changed`);
    }
  });

  test('--no-validate writes .cdk8s.out/ only, and a later -o never publishes its stale output', async () => {
    await withEdit('config/prod.yaml', "tag: '1.0.0'", "tag: '6.6.6'", () => {
      expect(synth('--no-validate').status).toBe(0);
      expect(fs.readFileSync(path.join(work, '.cdk8s.out', 'all.k8s.yaml'), 'utf8')).toContain(':6.6.6');
    });
    expect(synth('-o', 'after-no-validate').status).toBe(0);
  });

  test('a failing synth with -o leaves dist/ alone too', async () => {
    await withEdit('lib/platform/security.ts', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false', () => {
      expect(synth('-o', 'failing').status).not.toBe(0);
    });
  });

  test('--format helm --chart-version writes a chart into the output folder', () => {
    const r = synth('--format', 'helm', '--chart-version', '1.2.3', '-o', 'chart');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'chart', 'Chart.yaml'), 'utf8')).toMatch(/^version: "?1\.2\.3"?$/m);
    expect(loadAll(fs.readFileSync(path.join(work, 'chart', 'templates', 'all.k8s.yaml'), 'utf8'))).toHaveLength(
      OBJECTS,
    );
  });

  test('--validation-reports-output-file writes the report; an existing file fails before any publish', async () => {
    const reports = path.join(work, 'reports.json');
    fs.rmSync(reports, { force: true });
    expect(synth('--validation-reports-output-file', reports).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(reports, 'utf8')).reports[0].summary.status).toBe('success');
    await withEdit('config/prod.yaml', "tag: '1.0.0'", "tag: '6.6.7'", () => {
      const r = synth(`--validation-reports-output-file=${reports}`);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain(`the validation reports file ${reports} already exists`);
    });
  });
});

describe('flags that still publish', () => {
  test.each([
    ['--app', 'node scripts/ts-run.js main.ts'],
    ['-a', 'node scripts/ts-run.js main.ts'],
    ['--plugins-dir', 'plugins-cache'],
  ])('%s %s publishes the validated output', (flag, value) => {
    fs.rmSync(path.join(work, 'dist'), { recursive: true, force: true });
    const r = synth(flag, value);
    expect(r.status).toBe(0);
    expect(dist()).toEqual(committed);
  });
});

describe('concurrent and interrupted synths', () => {
  test('synths started at any offsets all publish a complete tree; a later one waits', async () => {
    const results = [];
    for (const offsets of [
      [0, 0, 0],
      [0, 150, 400, 900],
    ]) {
      const runs = offsets.map(async (ms) => {
        await sleep(ms);
        return exited(startSynth());
      });
      results.push(...(await Promise.all(runs)));
      expect(dist()).toEqual(committed);
      expect(leftovers()).toEqual([]);
    }
    for (const r of results) {
      expect(r.output).toContain('published');
      expect(r.code).toBe(0);
    }
  });

  test('synths of changing configs at once leave the newest complete tree, never a mix or an older one', async () => {
    const file = path.join(work, 'config', 'prod.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const runs: Array<Promise<{ code: number | null; output: string }>> = [];
      for (let i = 0; i < 4; i++) {
        fs.writeFileSync(file, original.replace("tag: '1.0.0'", `tag: '1.0.${i}'`));
        runs.push(exited(startSynth()));
        await sleep(250);
      }
      // A synth whose config changed after it read it refuses to publish, and says so.
      for (const r of await Promise.all(runs)) {
        if (r.code !== 0) expect(r.output).toContain('config/prod.yaml changed while this synth ran');
      }
      expect(consistent(dist())).toBe(true);
      // The last synth read the last config, and no older render can overwrite what it published.
      expect(fs.readFileSync(path.join(work, 'dist', 'prod', 'deployment-easyflow-app.yaml'), 'utf8')).toContain(
        '/easyflow:1.0.3',
      );
      expect(leftovers()).toEqual([]);
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(synth().status).toBe(0);
    expect(dist()).toEqual(committed);
  });

  test('kill -9 at any instant leaves the old or the new tree, or a state the next synth repairs', async () => {
    const file = path.join(work, 'config', 'prod.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      for (let i = 0; i < 10; i++) {
        fs.writeFileSync(file, original.replace("tag: '1.0.0'", `tag: '2.0.${i}'`));
        const child = startSynth();
        const done = exited(child);
        await sleep(400 + i * 250);
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already finished: then it published.
        }
        await done;
        const here = fs.existsSync(path.join(work, 'dist'));
        if (here) {
          expect(consistent(dist())).toBe(true);
        } else {
          // Killed between the two renames: the old tree waits beside it.
          expect(fs.existsSync(path.join(work, '.dist.previous'))).toBe(true);
        }
      }
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(synth().status).toBe(0);
    expect(dist()).toEqual(committed);
    expect(leftovers()).toEqual([]);
  });
});

/**
 * Every input is read by every synth, and what is reused (the compiled validators) is keyed by its
 * content. Each kind is edited the way that fooled the old size-and-mtime checks: same size,
 * modification time put back, after a synth that filled the cache.
 */
describe('an edit of any input, of any kind, is seen by the next synth', () => {
  /** Writes `to` over `from` (same length) in `file` and restores the modification time. */
  async function sameSizeEdit<T>(file: string, from: string, to: string, fn: () => T): Promise<T> {
    expect(to).toHaveLength(from.length);
    const full = path.join(work, file);
    const { atime, mtime } = fs.statSync(full);
    return withEdit(file, from, to, () => {
      fs.utimesSync(full, atime, mtime);
      return fn();
    });
  }

  test.each([
    ['lib/*.ts', 'lib/workloads/edge.ts', "'X-Frame-Options': 'DENY'", "'X-Frame-Options': 'DENX'", 'DENX'],
    ['a backup script', 'lib/workloads/scripts/postgres-backup.sh', 'umask 077', 'umask 027', 'umask 027'],
    ['config', 'config/prod.yaml', "tag: '1.0.0'", "tag: '1.0.9'", ':1.0.9'],
  ])('%s: the output changes', async (_kind, file, from, to, seen) => {
    await sameSizeEdit(file, from, to, () => {
      const r = synth('-p');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(seen);
    });
    expect(synth('-p').stdout).not.toContain(seen);
  });

  test.each([
    ['crds/', 'crds/monitoring.coreos.com_servicemonitors.yaml', 'endpoints:', 'endpointz:'],
    ['schemas/', 'schemas/k8s/v1.27.0.json', '"readOnlyRootFilesystem": {', '"readOnlyRootFilesysten": {'],
    ["the validators' compiler", 'lib/validation/schema.ts', 'meta.v1.ObjectMeta', 'meta.v1.WatchEvent'],
  ])('%s: the validation verdict changes', async (_kind, file, from, to) => {
    expect(synth('-p').status).toBe(0);
    await sameSizeEdit(file, from, to, () => {
      expect(synth('-p').status).not.toBe(0);
    });
    expect(synth('-p').status).toBe(0);
  });

  /**
   * A synth whose processes each record the packages they loaded; by process: the app and the CLI,
   * and the app's files of those packages (node_modules/<package>/...).
   */
  function probedSynth(): { app: string[]; cli: string[]; appFiles: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-loaded-'));
    try {
      const probe = path.join(dir, 'probe.js');
      fs.writeFileSync(
        probe,
        `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(dir)} + '/' + process.pid + '.json',
          JSON.stringify({ argv: process.argv, files: Object.keys(require.cache) })));`,
      );
      const r = spawnSync(path.join(work, 'node_modules', '.bin', 'cdk8s'), ['synth'], {
        cwd: work,
        env: { ...ENV, NODE_OPTIONS: `--require ${probe}` },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      const runs = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { argv: string[]; files: string[] });
      const files = (argv: (a: string[]) => boolean): string[] => {
        const run = runs.find((x) => argv(x.argv));
        expect(run).toBeDefined();
        return run!.files.flatMap((f) => /node_modules\/(.*)$/.exec(f)?.[1] ?? []);
      };
      const packages = (loaded: string[]): string[] => [
        ...new Set(loaded.map((f) => /^((@[^/]+\/)?[^/]+)\//.exec(f)![1]!)),
      ];
      const appFiles = files((a) => a.includes('main.ts'));
      return { app: packages(appFiles), cli: packages(files((a) => a[2] === 'synth')), appFiles };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('a synth of what was synthesized before neither bundles, renders nor judges: no esbuild, cdk8s, Ajv or CEL is loaded', async () => {
    const rendering = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'ajv', 'yaml'];
    expect(synth().status).toBe(0);
    const warm = probedSynth();
    expect(warm.app.filter((p) => [...rendering, 'esbuild'].includes(p))).toEqual([]);
    expect(warm.cli.filter((p) => ['@bufbuild/cel', 'esbuild'].includes(p))).toEqual([]);
    expect(dist()).toEqual(committed);
    // The probe sees them when there is work: a value no synth has rendered, in custom resources.
    await sameSizeEdit('config/prod.yaml', 'scrapeInterval: 15s', 'scrapeInterval: 16s', () => {
      const edited = probedSynth();
      expect(edited.app).toEqual(expect.arrayContaining(rendering));
      expect(edited.cli).toContain('@bufbuild/cel');
      // The edited file is checked with the kept config validator (Ajv's runtime only), never compiled again.
      expect(edited.appFiles).toContain('ajv/dist/runtime/ucs2length.js');
      expect(edited.appFiles).not.toContain('ajv/dist/ajv.js');
    });
    expect(synth().status).toBe(0);
    expect(dist()).toEqual(committed);
  });

  test('an edit made while a synth runs is seen by the next one', async () => {
    const file = path.join(work, 'lib', 'workloads', 'edge.ts');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const running = exited(startSynth());
      await sleep(100);
      fs.writeFileSync(file, original.replace("'X-Frame-Options': 'DENY'", "'X-Frame-Options': 'SAMEORIGIN'"));
      await running;
      expect(synth('-p').stdout).toMatch(/- name: X-Frame-Options\n +value: SAMEORIGIN/);
    } finally {
      fs.writeFileSync(file, original);
      // Put dist/ back even when an expectation failed, so the next tests start from the committed tree.
      expect(synth().status).toBe(0);
    }
    expect(dist()).toEqual(committed);
  });
});

describe('npm run set-image', () => {
  test('SIGINT at any moment leaves config/ and dist/ agreeing (check:dist passes)', async () => {
    const file = path.join(work, 'config', 'prod.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      for (const [i, ms] of [300, 1200, 2000, 2800, 3600].entries()) {
        const child = spawn(
          process.execPath,
          [
            path.join(work, 'scripts', 'ts-run.js'),
            'scripts/set-image.ts',
            'prod',
            `3.0.${i}@sha256:${'0'.repeat(63)}${i}`,
          ],
          { cwd: work, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const done = exited(child);
        await sleep(ms);
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          // Already finished.
        }
        await done;
        const check = checkDist();
        expect(`${ms} ms: ${check.stderr}`).toMatch(/check:dist: dist\/ matches a fresh synth/);
      }
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(synth().status).toBe(0);
  });
});

describe('an older render never overwrites a newer one', () => {
  test('a synth whose config changed before it could publish fails, names the file, and leaves dist/', async () => {
    expect(synth().status).toBe(0);
    const before = dist();
    let release = (): void => undefined;
    let acquired = false;
    // Another synth holds the publish lock while this one renders and validates config A.
    const held = withPublishLock(path.join(work, 'dist'), () => {
      acquired = true;
      return new Promise<void>((r) => (release = r));
    });
    await until(() => acquired, 'the publish lock');
    const run = watch(startSynth());
    await until(() => run.output().includes('to finish with dist/'), 'the synth to wait for the publish lock');
    await withEdit('config/prod.yaml', "tag: '1.0.0'", "tag: '5.0.0'", async () => {
      release();
      await held;
      const r = await run.done;
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('config/prod.yaml changed while this synth ran; dist/ was not changed; run it again');
    });
    expect(dist()).toEqual(before);
    expect(leftovers()).toEqual([]);
  });
});

describe('set-image killed or hung up', () => {
  const journal = (): string => path.join(work, 'config', '.set-image.json');

  test.each(['SIGKILL', 'SIGHUP'] as const)(
    '%s once the release is written down: check:dist finds it, says so, and config/ and dist/ agree',
    async (signal) => {
      const file = path.join(work, 'config', 'prod.yaml');
      const original = fs.readFileSync(file, 'utf8');
      try {
        // prod is tier: production, so the release names its digest.
        const child = startSetImage('prod', `4.0.0@sha256:${'4'.repeat(64)}`);
        const run = watch(child);
        await until(() => fs.existsSync(journal()) || run.output().includes('now deploys'), 'the journal');
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // Already finished.
        }
        await run.done;
        const check = checkDist();
        expect(check.stderr).toMatch(/check:dist: dist\/ matches a fresh synth/);
        if (signal === 'SIGKILL')
          expect(check.stderr).toContain('set-image: found an interrupted release of prod 4.0.0');
        expect(fs.existsSync(journal())).toBe(false);
      } finally {
        fs.writeFileSync(file, original);
      }
      expect(synth().status).toBe(0);
    },
  );
});

describe('npm run synth', () => {
  const wrapper = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(work, 'scripts', 'ts-run.js'), 'scripts/synth.ts', ...args], {
      cwd: work,
      env: ENV,
      encoding: 'utf8',
    });

  test('refuses an output folder the CLI would delete before the app runs; config/ stays', () => {
    const config = treeHash(path.join(work, 'config'));
    const r = wrapper('-o', 'config');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('synth: --output config is inside config/ (links resolved), and cdk8s synth deletes');
    expect(treeHash(path.join(work, 'config'))).toEqual(config);
  });

  test('runs the CLI with every other flag', () => {
    const r = wrapper('-o', 'out-wrapper');
    expect(r.status).toBe(0);
    expect(loadAll(fs.readFileSync(path.join(work, 'out-wrapper', 'all.k8s.yaml'), 'utf8'))).toHaveLength(OBJECTS);
  });
});
