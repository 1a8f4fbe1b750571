import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Memo } from '../../lib/platform/memo';
import { ROOT } from '../helpers';

let dir: string;
const saved = { code: process.env.EASYFLOW_CODE_VERSION, cache: process.env.EASYFLOW_CACHE_DIR };
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-memo-'));
  process.env.EASYFLOW_CODE_VERSION = 'v1';
  process.env.EASYFLOW_CACHE_DIR = dir;
});
afterEach(() => {
  process.env.EASYFLOW_CODE_VERSION = saved.code;
  process.env.EASYFLOW_CACHE_DIR = saved.cache;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a value is computed once, remembered across processes, and forgotten when the code changes', () => {
  let calls = 0;
  const compute = () => ++calls;
  const first = new Memo<number>('t');
  expect(first.get('input', compute)).toBe(1);
  expect(first.get('input', compute)).toBe(1);
  first.flush();
  expect(new Memo<number>('t').get('input', compute)).toBe(1);
  expect(new Memo<number>('t', 'other data').get('input', compute)).toBe(2);
  process.env.EASYFLOW_CODE_VERSION = 'v2';
  expect(new Memo<number>('t').get('input', compute)).toBe(3);
});

test('without a code fingerprint nothing is remembered', () => {
  delete process.env.EASYFLOW_CODE_VERSION;
  let calls = 0;
  const memo = new Memo<number>('t');
  memo.get('x', () => ++calls);
  memo.get('x', () => ++calls);
  expect(calls).toBe(2);
});

test('EASYFLOW_MEMO=off recomputes everything', () => {
  process.env.EASYFLOW_MEMO = 'off';
  try {
    let calls = 0;
    const memo = new Memo<number>('t');
    memo.get('x', () => ++calls);
    memo.get('x', () => ++calls);
    expect(calls).toBe(2);
  } finally {
    delete process.env.EASYFLOW_MEMO;
  }
});

test('a throwing computation is not remembered', () => {
  const memo = new Memo<number>('t');
  expect(() =>
    memo.get('x', () => {
      throw new Error('bad input');
    }),
  ).toThrow('bad input');
  expect(memo.get('x', () => 7)).toBe(7);
});

test('only lib/platform/paths.ts uses __dirname, which the bundled app would get wrong', () => {
  const offenders: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && fs.readFileSync(p, 'utf8').includes('__dirname'))
        offenders.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, 'lib'));
  expect(offenders).toEqual(['lib/platform/paths.ts']);
});
