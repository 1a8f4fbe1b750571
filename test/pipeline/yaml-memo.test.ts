import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runInNewContext } from 'vm';
import { Yaml } from 'cdk8s';
import { yamlMemo } from '../../lib/pipeline/yaml-memo';
import { identity, readEntry, writeEntry } from '../../lib/platform/cache';
import { rendered } from '../helpers';

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-yaml-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('identity tells apart every two values YAML writes differently', () => {
  const pairs: Array<[unknown, unknown]> = [
    [{ a: undefined }, {}],
    [[undefined], [null]],
    [0, -0],
    [NaN, null],
    [Infinity, null],
    ['1', 1],
    ['u', undefined],
    ['true', true],
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    ['s', 'ss'],
  ];
  for (const [a, b] of pairs) expect(identity(a)).not.toBe(identity(b));
  expect(identity({ a: [1, 'x', { b: null }] })).toBe(identity({ a: [1, 'x', { b: null }] }));
});

test('a value that is not plain data has no identity, and is never reused', () => {
  expect(identity({ at: new Date(0) })).toBeUndefined();
  expect(
    identity({
      x: new (class Point {
        x = 1;
      })(),
    }),
  ).toBeUndefined();
  // Plain data made in another realm (Jest runs each test file in a context of its own) is plain.
  expect(identity(runInNewContext('({ a: [1, { b: "c" }] })'))).toBe(identity({ a: [1, { b: 'c' }] }));
  expect(identity(Object.assign(Object.create(null), { a: 1 }))).toBe(identity({ a: 1 }));
  expect(identity({ f: () => 1 })).toBeUndefined();
  expect(identity({ n: 1n })).toBeUndefined();
  const memo = yamlMemo(tmp);
  expect(memo.stringify({ at: new Date(0) })).toBe(Yaml.stringify({ at: new Date(0) }));
});

test('every object of a render is written exactly as cdk8s writes it, kept or not', () => {
  const objects = [...rendered().folders.values()].flat();
  const first = yamlMemo(tmp);
  expect(objects.map((m) => first.stringify(m))).toEqual(objects.map((m) => Yaml.stringify(m)));
  first.keep();
  const second = yamlMemo(tmp);
  expect(objects.map((m) => second.stringify(m))).toEqual(objects.map((m) => Yaml.stringify(m)));
});

test('a kept text stands for its value only: an edited object is written anew', () => {
  const object = { kind: 'ConfigMap', data: { a: '1' } };
  const memo = yamlMemo(tmp);
  memo.stringify(object);
  memo.keep();
  const [table] = fs.readdirSync(tmp);
  const kept = JSON.parse(readEntry(tmp, table!)!) as Record<string, string>;
  // A forged text under the value's key, sealed, is believed (so the table is what answers)...
  writeEntry(tmp, table!, JSON.stringify(Object.fromEntries(Object.keys(kept).map((k) => [k, 'forged']))));
  expect(yamlMemo(tmp).stringify(object)).toBe('forged');
  // ...for that value only.
  const edited = { kind: 'ConfigMap', data: { a: '2' } };
  expect(yamlMemo(tmp).stringify(edited)).toBe(Yaml.stringify(edited));
});

test('an unreadable table is no table', () => {
  const memo = yamlMemo(tmp);
  memo.stringify({ a: 1 });
  memo.keep();
  const [table] = fs.readdirSync(tmp);
  for (const text of ['{', '[1]', '{"k": 1}', 'null']) {
    fs.writeFileSync(path.join(tmp, table!), text);
    expect(yamlMemo(tmp).stringify({ a: 1 })).toBe(Yaml.stringify({ a: 1 }));
  }
});
