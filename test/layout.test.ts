/**
 * The layout of lib/ is the architecture: each folder may import only the folders below it. This
 * test reads every import in lib/ and fails on one that points the wrong way, so the layout stays
 * true as the code grows.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

const LIB = path.join(ROOT, 'lib');

/** What each part of lib/ may import from lib/ (besides itself). `top` is lib/'s own files. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  platform: [],
  workloads: ['platform'],
  delivery: ['platform'],
  validation: ['platform'],
  top: ['workloads', 'delivery', 'platform'],
  pipeline: ['top', 'delivery', 'validation', 'platform'],
};
const FOLDERS = Object.keys(MAY_IMPORT).filter((f) => f !== 'top');

/** lib/'s top level: the re-exports, the environment chart and its input. */
const TOP_FILES = ['easyflow-chart.ts', 'environment.ts', 'index.ts'];

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The part of lib/ a file belongs to: its first folder, or `top`. */
function partOf(file: string): string {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length === 1 ? 'top' : rel[0];
}

/** Every relative import of a file, resolved to the file it names. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s+'(\.[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => path.resolve(path.dirname(file), s));
}

test('lib/ has one folder per role and only the chart, its input and the re-exports at the top', () => {
  const entries = fs.readdirSync(LIB, { withFileTypes: true });
  expect(
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(),
  ).toEqual([...FOLDERS].sort());
  expect(
    entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort(),
  ).toEqual(TOP_FILES);
});

/** Each import that points against MAY_IMPORT, as `file (part) imports target (part)`. */
function wrongImports(imports: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, targets] of imports) {
    if (path.relative(LIB, file) === 'index.ts') continue; // re-exports everything
    const from = partOf(file);
    for (const target of targets) {
      if (!target.startsWith(LIB + path.sep)) continue; // imports/, config/ schemas, packages
      const to = partOf(target);
      if (to !== from && !MAY_IMPORT[from].includes(to)) {
        wrong.push(`${path.relative(ROOT, file)} (${from}) imports ${path.relative(ROOT, target)} (${to})`);
      }
    }
  }
  return wrong;
}

test('imports point down only: workloads use the platform, never the reverse; nothing below the chart imports the pipeline', () => {
  const files = sourcesUnder(LIB);
  expect(wrongImports(new Map(files.map((f) => [f, importsOf(f)])))).toEqual([]);
});

test('the direction check catches an import against the layout', () => {
  const lib = (p: string) => path.join(LIB, p);
  expect(
    wrongImports(
      new Map([
        [lib('platform/pod.ts'), [lib('workloads/web-app')]],
        [lib('workloads/redis.ts'), [lib('pipeline/config')]],
        [lib('validation/policy.ts'), [lib('workloads/postgres'), lib('platform/image')]],
        [lib('pipeline/synth.ts'), [lib('easyflow-chart'), lib('delivery/flux')]],
      ]),
    ),
  ).toEqual([
    'lib/platform/pod.ts (platform) imports lib/workloads/web-app (workloads)',
    'lib/workloads/redis.ts (workloads) imports lib/pipeline/config (pipeline)',
    'lib/validation/policy.ts (validation) imports lib/workloads/postgres (workloads)',
  ]);
});

test('each folder opens with a README line saying what lives there and what it may import', () => {
  for (const folder of FOLDERS) {
    const readme = path.join(LIB, folder, 'README.md');
    expect(fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : `${folder}: no README.md`).toMatch(/May import:/);
  }
});

test('every construct has a test at the mirrored path, test/<folder>/<file>.test.ts', () => {
  const missing = sourcesUnder(LIB)
    .filter((f) => partOf(f) !== 'top' && /\bextends Construct\b/.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(LIB, f).replace(/\.ts$/, '.test.ts'))
    .filter((t) => !fs.existsSync(path.join(ROOT, 'test', t)));
  expect(missing).toEqual([]);
});

/** The paths the README's layout tree names: a line per entry, two spaces of indent per level. */
function readmeTree(): { paths: Set<string>; expanded: Set<string> } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout'));
  const block = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  const paths = new Set<string>();
  const expanded = new Set<string>(['']);
  const stack: string[] = [];
  for (const line of block.split('\n').filter((l) => l.trim() !== '')) {
    const depth = (line.length - line.trimStart().length) / 2;
    const name = line.trim().split(/\s+/)[0]!.replace(/\/$/, '');
    stack.length = depth;
    const parent = stack.join('/');
    expanded.add(parent);
    stack.push(name);
    paths.add(stack.join('/'));
  }
  return { paths, expanded };
}

/** What git sees in a folder: tracked files and untracked ones it does not ignore. */
function entriesOf(folder: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', folder || '.'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const names = out
    .split('\n')
    .filter(Boolean)
    .map((f) => path.relative(folder, f).split('/')[0]!);
  return [...new Set(names)].map((n) => (folder ? `${folder}/${n}` : n)).sort();
}

/** `config/<env>.yaml` in the tree stands for every environment file: environments come and go. */
const pattern = (p: string) => new RegExp(`^${p.replace(/\./g, '\\.').replace('<env>', '[a-z0-9-]+')}$`);

test("the README's layout names every file and folder there is, and nothing that is not", () => {
  const { paths, expanded } = readmeTree();
  const patterns = [...paths].filter((p) => p.includes('<env>')).map(pattern);
  const exists = (p: string) =>
    p.includes('<env>')
      ? entriesOf(path.dirname(p)).some((e) => pattern(p).test(e))
      : fs.existsSync(path.join(ROOT, p));
  expect([...paths].filter((p) => !exists(p))).toEqual([]);
  const unlisted = [...expanded].flatMap((folder) =>
    entriesOf(folder).filter((p) => !paths.has(p) && !patterns.some((re) => re.test(p))),
  );
  expect(unlisted).toEqual([]);
});
