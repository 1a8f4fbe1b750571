/**
 * `npm run bench`: how long the everyday commands take on this machine, measured in one run so the
 * figures compare. Every figure is the median of BENCH_RUNS runs (default 5) after one warm-up run;
 * peak RSS is the largest seen. Synths run in scratch copies of the project, so dist/ and the caches
 * of this checkout are never touched. It prints figures and asserts nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump, load } from 'js-yaml';
import { copyProject } from './scratch-copy';

const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Largest resident set of any process of the command, in MiB (GNU time), if measurable. */
  readonly peakRssMiB?: number;
}

/** Runs a shell command RUNS times after a warm-up (`before` each run, untimed), failing loudly if it fails. */
function measure(command: string, cwd: string, before: () => void = () => undefined): Figure {
  const env = ENV;
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i <= RUNS; i++) {
    before();
    const rssFile = path.join(os.tmpdir(), `easyflow-bench-rss-${process.pid}`);
    const argv = TIME ? [TIME, '-f', '%M', '-o', rssFile, 'sh', '-c', command] : ['sh', '-c', command];
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`bench: "${command}" failed in ${cwd}:\n${r.stderr}`);
    if (TIME) peak = Math.max(peak, Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024);
    if (i > 0) times.push(seconds);
  }
  times.sort((a, b) => a - b);
  return {
    median: times[Math.floor(times.length / 2)]!,
    min: times[0]!,
    max: times[times.length - 1]!,
    peakRssMiB: TIME ? peak : undefined,
  };
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

function rss(f: Figure): string {
  return f.peakRssMiB === undefined ? 'n/a' : `${Math.round(f.peakRssMiB)} MiB`;
}

/** BENCH_PARTS=commands or BENCH_PARTS=scaling runs one half. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'commands,scaling').split(','));

function main(): void {
  const cpus = os.cpus();
  console.log(
    `easyflow-deploy bench: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model ?? '?'}), median of ${RUNS} runs`,
  );
  console.log('');
  if (PARTS.has('commands')) commands();
  if (PARTS.has('scaling')) scalingFigures();
}

/** Flips one value of `file` in `dir` between `a` and `b`: an edit every run. */
function toggler(dir: string, file: string, a: string, b: string): () => void {
  return () => {
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf8');
    if (!text.includes(a) && !text.includes(b)) throw new Error(`bench: ${file} has neither "${a}" nor "${b}"`);
    fs.writeFileSync(full, text.includes(a) ? text.replace(a, b) : text.replace(b, a));
  };
}

function commands(): void {
  const project = copyProject('easyflow-bench-project');
  const floor = measure('npx cdk8s --version', project);
  const synth = measure('npx cdk8s synth', project);
  const configEdit = measure(
    'npx cdk8s synth',
    project,
    toggler(project, 'config/dev.yaml', 'workers: 2', 'workers: 3'),
  );
  const codeEdit = measure(
    'npx cdk8s synth',
    project,
    toggler(project, 'lib/workloads/ingress.ts', "'X-Frame-Options': 'DENY'", "'X-Frame-Options': 'SAMEORIGIN'"),
  );
  const app = measure(`CDK8S_OUTDIR=${path.join(project, '.bench-out')} node scripts/ts-run.js main.ts`, project);
  const tests = measure('npm test', ROOT);

  const stock = copyProject('easyflow-bench-stock');
  fs.writeFileSync(path.join(stock, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\noutput: dist\n');
  const stockSynth = measure('npx cdk8s synth', stock);

  const ratio = (f: Figure): string => `${(f.median / floor.median).toFixed(2)}x floor`;
  const rows: Array<[string, Figure, string]> = [
    ['npx cdk8s --version (CLI floor)', floor, ''],
    ['npx cdk8s synth, nothing changed (validation plugin included)', synth, ratio(synth)],
    ['npx cdk8s synth after a one-value config edit', configEdit, ratio(configEdit)],
    ['npx cdk8s synth after a code edit', codeEdit, ratio(codeEdit)],
    ["cdk8s.yaml's app alone (all environments)", app, ''],
    ['npm test (typecheck, lint, jest)', tests, ''],
    ['stock synth: app "npx ts-node main.ts", no plugin', stockSynth, ratio(stockSynth)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, f, note] of rows) {
    console.log(`${label.padEnd(width)}  ${seconds(f).padEnd(22)} peak RSS ${rss(f).padEnd(8)} ${note}`);
  }
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(stock, { recursive: true, force: true });
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
