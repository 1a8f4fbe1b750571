/**
 * scripts/ts-run.js keeps each bundle under node_modules/.cache/easyflow/bundles/, keyed by every
 * byte it depends on. Each test runs a copy of ts-run.js in a scratch project of its own (a few
 * files, esbuild linked in), each load in a process of its own as a synth runs it: each element of
 * the key, edited at the same size with its modification time put back, runs a new bundle.
 */
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { ROOT, sameSizeEdit } from '../helpers';

const FILES: Record<string, string> = {
  'tsconfig.json': '{ "compilerOptions": { "paths": { "@word": ["./lib/one.ts"] } } }\n',
  'package.json': '{ "imports": { "#word": "./lib/one.ts" } }\n',
  'lib/one.ts': "export const word = 'one';\n",
  'lib/two.ts': "export const word = 'two';\n",
  'lib/greet.ts': "export const greet = 'ts';\n",
  'lib/pick/index.ts': "export const pick = 'folder';\n",
  'main.ts': [
    "import { word as paths } from '@word';",
    "import { word as imports } from '#word';",
    "import { greet } from './lib/greet';",
    "import { pick } from './lib/pick';",
    "export const value = { paths, imports, greet, pick, entry: 'main', root: process.env.EASYFLOW_ROOT };",
    '',
  ].join('\n'),
};

let tmp: string;
let project: string;
let bundles: string;
let template: string;

/** The scratch project, its bundle of main.ts stored: a copy of it put back at the same path is warm. */
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-ts-run-')));
  project = path.join(tmp, 'project');
  bundles = path.join(project, 'node_modules', '.cache', 'easyflow', 'bundles');
  template = path.join(tmp, 'template');
  for (const [name, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    fs.writeFileSync(path.join(project, name), text);
  }
  fs.mkdirSync(path.join(project, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'ts-run.js'), path.join(project, 'scripts', 'ts-run.js'));
  // esbuild's own package.json, so that a test can edit its version; its code is the real one.
  const esbuild = path.join(project, 'node_modules', 'esbuild');
  fs.mkdirSync(esbuild, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'node_modules', 'esbuild', 'package.json'), path.join(esbuild, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'esbuild', 'lib'), path.join(esbuild, 'lib'));
  warm();
  fs.cpSync(project, template, { recursive: true });
});
beforeEach(() => {
  fs.rmSync(project, { recursive: true, force: true });
  fs.cpSync(template, project, { recursive: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What main.ts exports when nothing was edited. */
const expected = () => ({ paths: 'one', imports: 'one', greet: 'ts', pick: 'folder', entry: 'main', root: project });

/** The script a process of its own runs: loads `entry` and prints its value and whether esbuild was loaded. */
function script(entry: string, preamble: string): string {
  return `${preamble}
    const { value } = require('./scripts/ts-run').load(${JSON.stringify(entry)});
    const bundled = Object.keys(require.cache).some((f) => f.includes(${JSON.stringify(`${path.sep}esbuild${path.sep}`)}));
    console.log(JSON.stringify({ value, bundled }));`;
}

/** Loads `entry` of the project `dir` in a process of its own, as a synth does. */
function run(entry = 'main.ts', preamble = '', dir = project): { value: unknown; bundled: boolean } {
  return JSON.parse(execFileSync(process.execPath, ['-e', script(entry, preamble)], { cwd: dir, encoding: 'utf8' }));
}

/**
 * Runs `entry` until its bundle is stored, expecting `value` each time: the first run bundles; a
 * run that finds other files read than the last bundle did stores nothing, so the next bundles
 * again, and the third finds its bundle.
 */
function runs(value: unknown, entry = 'main.ts', dir = project): void {
  expect(run(entry, '', dir)).toEqual({ value, bundled: true });
  expect(run(entry, '', dir).value).toEqual(value);
  expect(run(entry, '', dir)).toEqual({ value, bundled: false });
}

const warm = (entry = 'main.ts') => runs(expected(), entry);

/** The stored bundles, by file name. */
function stored(): Map<string, string> {
  const names = fs.readdirSync(bundles).filter((f) => f.endsWith('.js'));
  return new Map(names.map((f) => [f, fs.readFileSync(path.join(bundles, f), 'utf8')]));
}

test('a run with nothing edited does not load esbuild and runs exactly the code a fresh bundle gives', () => {
  expect(run()).toEqual({ value: expected(), bundled: false });
  const fresh = execFileSync(
    process.execPath,
    ['-e', "process.stdout.write(require('./scripts/ts-run').bundle('main.ts').code)"],
    { cwd: project, encoding: 'utf8' },
  );
  const [entry] = [...stored().values()];
  expect(stored().size).toBe(1);
  expect(entry.slice(entry.indexOf('\n') + 1)).toBe(fresh);
});

test.each([
  ['the entry', 'main.ts', "entry: 'main'", "entry: 'MAIN'", { entry: 'MAIN' }],
  ['a file it imports', 'lib/greet.ts', "'ts'", "'TS'", { greet: 'TS' }],
  ['tsconfig.json (the paths it maps)', 'tsconfig.json', 'one', 'two', { paths: 'two' }],
  ['package.json (the imports it maps)', 'package.json', 'one', 'two', { imports: 'two' }],
])('%s edited at the same size runs the new code', (_what, file, from, to, changed) => {
  sameSizeEdit(path.join(project, file), from, to);
  expect(run()).toEqual({ value: { ...expected(), ...changed }, bundled: true });
});

test('with no cache at all, the first run stores its bundle and the second runs it', () => {
  fs.rmSync(bundles, { recursive: true });
  expect(run()).toEqual({ value: expected(), bundled: true });
  expect(run()).toEqual({ value: expected(), bundled: false });
});

test('a bundle made while a file it reads was changed and changed back is not stored', () => {
  for (const name of stored().keys()) fs.rmSync(path.join(bundles, name));
  // In the run's own process, just before it bundles: the bytes and the time stamp are as they were.
  const touch = `const fs = require('fs');
    const f = 'lib/greet.ts', text = fs.readFileSync(f), { atime, mtime } = fs.statSync(f);
    fs.writeFileSync(f, 'export const greet = 0;\\n');
    fs.writeFileSync(f, text);
    fs.utimesSync(f, atime, mtime);`;
  expect(run('main.ts', touch)).toEqual({ value: expected(), bundled: true });
  expect(stored().size).toBe(0);
  expect(run().value).toEqual(expected());
  expect(stored().size).toBe(1);
  expect(run()).toEqual({ value: expected(), bundled: false });
});

test('a new file that changes what an import resolves to runs the new code', () => {
  fs.writeFileSync(path.join(project, 'lib', 'greet.tsx'), "export const greet = 'tsx';\n");
  expect(run()).toEqual({ value: { ...expected(), greet: 'tsx' }, bundled: true });
  fs.writeFileSync(path.join(project, 'lib', 'pick.ts'), "export const pick = 'file';\n");
  expect(run()).toEqual({ value: { ...expected(), greet: 'tsx', pick: 'file' }, bundled: true });
  fs.rmSync(path.join(project, 'lib', 'pick.ts'));
  fs.rmSync(path.join(project, 'lib', 'greet.tsx'));
  runs(expected());
});

test.each([
  ["esbuild's version", 'node_modules/esbuild/package.json', '"version": "0.', '"version": "9.'],
  ["ts-run.js's own source", 'scripts/ts-run.js', "target: 'node20'", "target: 'node21'"],
])('%s edited at the same size is a new bundle', (_what, file, from, to) => {
  sameSizeEdit(path.join(project, file), from, to);
  expect(run()).toEqual({ value: expected(), bundled: true });
  expect(stored().size).toBe(2);
  expect(run().bundled).toBe(false);
});

test('another Node.js version is a new bundle', () => {
  const otherNode = "Object.defineProperty(process, 'version', { value: 'v0.0.0' });";
  expect(run('main.ts', otherNode)).toEqual({ value: expected(), bundled: true });
  expect(stored().size).toBe(2);
  expect(run().bundled).toBe(false);
});

test('each entry, and each copy of the project, has a bundle of its own', () => {
  fs.copyFileSync(path.join(project, 'main.ts'), path.join(project, 'copy.ts'));
  warm('copy.ts');
  // copy.ts is a new name in the folder main.ts is in: main.ts is bundled again too.
  warm();
  expect([...stored().values()].map((code) => code.includes('// copy.ts'))).toEqual(
    expect.arrayContaining([true, false]),
  );
  // A copy whose node_modules (and so whose cache) is this project's: the bundle names its own root.
  const copy = fs.mkdtempSync(path.join(tmp, 'copy-'));
  fs.cpSync(project, copy, { recursive: true, filter: (f) => f !== path.join(project, 'node_modules') });
  fs.symlinkSync(path.join(project, 'node_modules'), path.join(copy, 'node_modules'));
  runs({ ...expected(), root: copy }, 'main.ts', copy);
  expect(run()).toEqual({ value: expected(), bundled: false });
});

test('a corrupt, unreadable or unwritable cache is bundled around', () => {
  const [name, code] = [...stored()][0];
  fs.writeFileSync(path.join(bundles, name), code.slice(0, -10));
  expect(run()).toEqual({ value: expected(), bundled: true });
  expect(run().bundled).toBe(false);
  for (const manifest of fs.readdirSync(bundles).filter((f) => f.endsWith('.inputs.json'))) {
    fs.writeFileSync(path.join(bundles, manifest), '["lib/gone.ts"');
  }
  expect(run()).toEqual({ value: expected(), bundled: true });
  fs.rmSync(bundles, { recursive: true });
  fs.writeFileSync(bundles, 'not a folder');
  expect(run()).toEqual({ value: expected(), bundled: true });
  expect(run()).toEqual({ value: expected(), bundled: true });
});

test('the first runs of an entry bundle; runs at once on a cold cache each run the code and leave only whole bundles', async () => {
  fs.rmSync(bundles, { recursive: true });
  warm();
  fs.rmSync(bundles, { recursive: true });
  const started = Array.from({ length: 4 }, () =>
    promisify(execFile)(process.execPath, ['-e', script('main.ts', '')], { cwd: project, encoding: 'utf8' }),
  );
  for (const { stdout } of await Promise.all(started)) expect(JSON.parse(stdout).value).toEqual(expected());
  run();
  expect(run()).toEqual({ value: expected(), bundled: false });
  expect(fs.readdirSync(bundles).filter((f) => f.startsWith('.'))).toEqual([]);
});
