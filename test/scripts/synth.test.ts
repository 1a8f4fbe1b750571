import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SOURCE_FOLDERS } from '../../lib/platform/paths';
import { outputsOf, synthProblem } from '../../scripts/synth';
import { ROOT } from '../helpers';

test('every way yargs takes -o/--output is seen', () => {
  expect(outputsOf(['-o', 'a', '-o=b', '-oc', '--output', 'd', '--output=e', '-p', '--app', 'x'])).toEqual([
    'a',
    'b',
    'c',
    'd',
    'e',
  ]);
});

test.each([
  ['config', 'is inside config/'],
  ['dist', 'is inside dist/'],
  ['./lib/workloads', 'is inside lib/'],
  ['node_modules', 'is inside node_modules/'],
  ['.', 'holds this project'],
  ['..', 'holds this project'],
  ['/', 'holds this project'],
])('-o %s is refused: the CLI would delete it first', (dir, what) => {
  expect(synthProblem(ROOT, ['-o', dir])).toBe(
    `synth: --output ${dir} ${what} (links resolved), and cdk8s synth deletes its output folder with everything in it before the app runs; name a new or scratch folder (e.g. -o out)`,
  );
});

test('a link to a tracked folder is refused as that folder', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-synth-args-'));
  try {
    fs.symlinkSync(path.join(ROOT, 'config'), path.join(tmp, 'out'));
    expect(synthProblem(ROOT, ['--output', path.join(tmp, 'out')])).toContain('is inside config/');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.each([[[]], [['-p']], [['-o', 'out']], [['--output=/tmp/easyflow-out']], [['-o', 'distribution']]])(
  '%j runs',
  (argv) => {
    expect(synthProblem(ROOT, argv)).toBeUndefined();
  },
);

test('the protected folders are exactly the tracked top-level folders', () => {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f.includes('/'))
    .map((f) => f.split('/')[0]!);
  expect([...SOURCE_FOLDERS].sort()).toEqual([...new Set(tracked)].sort());
});
