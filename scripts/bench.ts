/**
 * `npm run bench`: how long the everyday commands take on this machine, measured in one run so the
 * figures compare, printed as the table of issue #18 with each goal. Every figure is the median of
 * BENCH_RUNS runs (default 5; `npm test` BENCH_TEST_RUNS, default 3) after one warm-up run, as wall
 * time and as CPU time (user + sys of the command and every process it waited for, from GNU time),
 * which a busy machine inflates far less than wall time. Synth ratios are against
 * `npx cdk8s --version` measured in the same run. Synths run in a scratch copy of the project, so
 * dist/ of this checkout is never touched; `npm test` runs in this checkout (its caches warm, as in
 * the edit-test loop). It prints figures and asserts nothing.
 *
 * BENCH_PARTS (comma-separated, default `commands,tests,ci`): `commands` the synths, `tests`
 * `npm test`, `ci` `bash .ci/run` in a fresh clone of HEAD (once: a fresh clone is cold by
 * definition; it runs the integration tests and needs their Debian packages), `scaling` the app
 * with 10 to 500 generated environments.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump, load } from 'js-yaml';
import { copyProject } from './scratch-copy';

const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 3);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

interface Figure {
  /** Median wall time, s. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Median CPU time (user + sys, every process the command waited for), s, if measurable. */
  readonly cpu?: number;
  /** Largest resident set of any process of the command, in MiB (GNU time), if measurable. */
  readonly peakRssMiB?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a shell command `runs` times after `warmups` warm-ups (`before` each, untimed), failing loudly if it fails. */
function measure(command: string, cwd: string, before: () => void = () => undefined, runs = RUNS, warmups = 1): Figure {
  const times: number[] = [];
  const cpus: number[] = [];
  let peak = 0;
  const statsFile = path.join(os.tmpdir(), `easyflow-bench-time-${process.pid}`);
  try {
    for (let i = 0; i < runs + warmups; i++) {
      before();
      const argv = TIME ? [TIME, '-f', '%U %S %M', '-o', statsFile, 'sh', '-c', command] : ['sh', '-c', command];
      const start = process.hrtime.bigint();
      const r = spawnSync(argv[0]!, argv.slice(1), {
        cwd,
        env: ENV,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (r.status !== 0) throw new Error(`bench: "${command}" failed in ${cwd}:\n${r.stderr}`);
      if (i < warmups) continue;
      times.push(seconds);
      if (TIME) {
        const [user, sys, rss] = fs.readFileSync(statsFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpus.push(user! + sys!);
        peak = Math.max(peak, rss! / 1024);
      }
    }
  } finally {
    fs.rmSync(statsFile, { force: true });
  }
  const figure = {
    median: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    cpu: TIME ? median(cpus) : undefined,
    peakRssMiB: TIME ? peak : undefined,
  };
  // Each figure as soon as it is known, so a later failure loses none.
  console.log(`measured ${command}: ${seconds(figure)} wall, CPU ${cpu(figure)}`);
  return figure;
}

/**
 * Where the environment-scaling copies go: tmpfs when there is one. Writing tens of thousands of
 * small files is throttled by this VM's disk (IOPS), which would hide the synth's own cost.
 */
const SCALING_DIR = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** Replaces the copy's config with `count` environments generated from dev.yaml. */
function generateEnvironments(dir: string, count: number): void {
  const configDir = path.join(dir, 'config');
  const dev = fs.readFileSync(path.join(configDir, 'dev.yaml'), 'utf8');
  const gitops = load(fs.readFileSync(path.join(configDir, 'gitops.yaml'), 'utf8')) as { environments: object };
  for (const f of fs.readdirSync(configDir).filter((f) => f.endsWith('.yaml') && f !== 'gitops.yaml')) {
    fs.rmSync(path.join(configDir, f));
  }
  const environments: Record<string, { server: string }> = {};
  for (let i = 0; i < count; i++) {
    const name = `env-${String(i).padStart(3, '0')}`;
    fs.writeFileSync(
      path.join(configDir, `${name}.yaml`),
      dev
        .replace('namespace: easyflow-dev', `namespace: easyflow-${name}`)
        .replace('api.dev.easyflow.dev', `api.${name}.easyflow.dev`),
    );
    environments[name] = { server: 'https://kubernetes.default.svc' };
  }
  fs.writeFileSync(path.join(configDir, 'gitops.yaml'), dump({ ...gitops, environments }));
}

function seconds(f: Figure): string {
  return `${f.median.toFixed(2)} s (${f.min.toFixed(2)}..${f.max.toFixed(2)})`;
}

function cpu(f: Figure): string {
  return f.cpu === undefined ? 'n/a' : `${f.cpu.toFixed(2)} s`;
}

function rss(f: Figure): string {
  return f.peakRssMiB === undefined ? 'n/a' : `${Math.round(f.peakRssMiB)} MiB`;
}

const PARTS = new Set((process.env.BENCH_PARTS ?? 'commands,tests,ci').split(','));

function main(): void {
  const cpus = os.cpus();
  console.log(
    `easyflow-deploy bench: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model ?? '?'}), ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${new Date().toISOString()}`,
  );
  console.log(`median of ${RUNS} runs (npm test: ${TEST_RUNS}) after one warm-up; CPU = user + sys\n`);
  const rows: Row[] = [];
  if (PARTS.has('commands')) rows.push(...commands());
  if (PARTS.has('tests')) rows.push(tests());
  if (PARTS.has('ci')) rows.push(ci());
  printTable(rows);
  console.log(
    `\nload average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (PARTS.has('scaling')) scalingFigures();
}

interface Row {
  readonly label: string;
  readonly figure: Figure;
  /** The floor this row is a multiple of (the CLI's --version), if it is a ratio. */
  readonly floor?: Figure;
  readonly goal: string;
  /** Whether the goal is met, if the row has one. */
  readonly met?: boolean;
}

function printTable(rows: readonly Row[]): void {
  const table = [
    ['command', 'wall, median (min..max)', 'CPU', 'wall vs --version', 'CPU vs --version', 'peak RSS', 'goal', ''],
    ...rows.map((r) => [
      r.label,
      seconds(r.figure),
      cpu(r.figure),
      r.floor ? `${(r.figure.median / r.floor.median).toFixed(2)}x` : '',
      r.floor?.cpu && r.figure.cpu ? `${(r.figure.cpu / r.floor.cpu).toFixed(2)}x` : '',
      rss(r.figure),
      r.goal,
      r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(table[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table.slice(1)) console.log(line(row));
}

/**
 * Writes a value into `file` in `dir` that no run before has seen (`value(1)`, `value(2)`, ...,
 * replacing `first` the first time): an edit every run, which no kept render or verdict can answer.
 */
function freshEdit(dir: string, file: string, first: string, value: (n: number) => string): () => void {
  let current = first;
  let n = 0;
  return () => {
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf8');
    if (!text.includes(current)) throw new Error(`bench: ${file} has no "${current}"`);
    const next = value(++n);
    fs.writeFileSync(full, text.replace(current, next));
    current = next;
  };
}

/** The synths, each a ratio of the wall time of `npx cdk8s --version` in the same run. */
function commands(): Row[] {
  const project = copyProject('easyflow-bench-project', os.tmpdir(), true);
  try {
    const floor = measure('npx cdk8s --version', project);
    const synth = measure('npx cdk8s synth', project);
    const configEdit = measure(
      'npx cdk8s synth',
      project,
      freshEdit(project, 'config/dev.yaml', "tag: '1.0.0'", (n) => `tag: '1.0.${n}'`),
    );
    const codeEdit = measure(
      'npx cdk8s synth',
      project,
      freshEdit(project, 'lib/workloads/celery-beat.ts', 'periodSeconds: 60', (n) => `periodSeconds: ${60 + n}`),
    );
    const app = measure(`CDK8S_OUTDIR=${path.join(project, '.bench-out')} node scripts/ts-run.js main.ts`, project);
    const ratio = (f: Figure): number => f.median / floor.median;
    return [
      { label: 'npx cdk8s --version (the CLI floor)', figure: floor, goal: '' },
      { label: 'npx cdk8s synth, warm', figure: synth, floor, goal: '<= 1.4x', met: ratio(synth) <= 1.4 },
      {
        label: 'npx cdk8s synth after a one-value config edit',
        figure: configEdit,
        floor,
        goal: '<= 1.6x',
        met: ratio(configEdit) <= 1.6,
      },
      {
        label: 'npx cdk8s synth after a code edit',
        figure: codeEdit,
        floor,
        goal: '<= 2.0x',
        met: ratio(codeEdit) <= 2.0,
      },
      { label: "cdk8s.yaml's app alone (all environments)", figure: app, floor, goal: '' },
    ];
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/** `npm test` in this checkout, caches warm: the edit-test loop. */
function tests(): Row {
  const figure = measure('npm test', ROOT, () => undefined, TEST_RUNS);
  return {
    label: 'npm test (typecheck, lint, jest), warm',
    figure,
    goal: '<= 20 s wall, <= 40 s CPU (quiet machine)',
    met: figure.median <= 20 && (figure.cpu ?? Infinity) <= 40,
  };
}

/** `bash .ci/run` in a fresh clone of HEAD (node_modules installed by it, every cache cold), once. */
function ci(): Row {
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-bench-ci-'));
  try {
    const r = spawnSync('git', ['clone', '-q', ROOT, clone], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench: git clone failed:\n${r.stderr}`);
    const figure = measure('bash .ci/run', clone, () => undefined, 1, 0);
    return { label: 'bash .ci/run, fresh clone (once)', figure, goal: '<= 240 s', met: figure.median <= 240 };
  } finally {
    fs.rmSync(clone, { recursive: true, force: true });
  }
}

function scalingFigures(): void {
  console.log('');
  console.log(`synth cost per environment (cdk8s.yaml's app, generated copies of dev, in ${SCALING_DIR}):`);
  const scaling = new Map<number, Figure>();
  for (const count of [10, 50, 100, 500]) {
    const dir = copyProject(`easyflow-bench-envs-${count}`, SCALING_DIR);
    generateEnvironments(dir, count);
    const f = measure(`CDK8S_OUTDIR=${path.join(dir, '.bench-out')} node scripts/ts-run.js main.ts`, dir);
    scaling.set(count, f);
    console.log(
      `  ${String(count).padStart(3)} environments  ${seconds(f).padEnd(22)} ${((f.median / count) * 1000).toFixed(1)} ms per environment, peak RSS ${rss(f)}`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ratio = scaling.get(500)!.median / scaling.get(50)!.median;
  console.log(`  500 / 50 environments: ${ratio.toFixed(1)}x the time for 10x the environments`);
}

main();
