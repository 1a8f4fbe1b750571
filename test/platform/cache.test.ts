import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  bundles,
  cachedEntry,
  codeKey,
  contentKey,
  keepEntry,
  packageManifests,
  readEntry,
  writeEntry,
} from '../../lib/platform/cache';
import { sameSizeEdit } from '../helpers';

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-cache-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a key is the content of its parts: no two different lists hash alike', () => {
  expect(contentKey(['ab', 'c'])).toBe(contentKey(['ab', 'c']));
  expect(contentKey(['ab', 'c'])).not.toBe(contentKey(['a', 'bc']));
  expect(contentKey(['abc'])).not.toBe(contentKey(['abc', '']));
  expect(contentKey([Buffer.from('x')])).toBe(contentKey(['x']));
});

test("a package's version and each of its dependencies' versions are part of the key", () => {
  const pkg = (name: string, version: string, dependencies: Record<string, string> = {}) => {
    fs.mkdirSync(path.join(tmp, 'node_modules', name), { recursive: true });
    fs.writeFileSync(
      path.join(tmp, 'node_modules', name, 'package.json'),
      JSON.stringify({ name, version, dependencies }),
    );
  };
  pkg('top', '1.0.0', { dep: '^2.0.0' });
  pkg('dep', '2.0.0', { leaf: '^3.0.0' });
  pkg('leaf', '3.0.0');
  const key = () => contentKey(packageManifests('top', tmp));
  expect(packageManifests('top', tmp)).toHaveLength(3);
  const before = key();
  sameSizeEdit(path.join(tmp, 'node_modules', 'leaf', 'package.json'), '3.0.0', '3.0.1');
  expect(key()).not.toBe(before);
});

test('an entry is sealed with the sha256 of its text: a changed byte, or no seal, is no entry', () => {
  writeEntry(path.join(tmp, 'k'), 'a.json', '{"replicas": 2}');
  const file = path.join(tmp, 'k', 'a.json');
  expect(readEntry(path.join(tmp, 'k'), 'a.json')).toBe('{"replicas": 2}');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('2', '3'));
  expect(readEntry(path.join(tmp, 'k'), 'a.json')).toBeUndefined();
  fs.writeFileSync(file, '{"replicas": 2}');
  expect(readEntry(path.join(tmp, 'k'), 'a.json')).toBeUndefined();
});

test('an entry that cannot be read is none, and one that cannot be written is made anyway', () => {
  fs.mkdirSync(path.join(tmp, 'k', 'a.js'), { recursive: true });
  expect(readEntry(path.join(tmp, 'k'), 'a.js')).toBeUndefined();
  fs.writeFileSync(path.join(tmp, 'file'), '');
  expect(cachedEntry(path.join(tmp, 'file'), 'b.js', () => 'made')).toBe('made');
});

test('an entry is written whole and read back; a missing one is undefined', () => {
  expect(readEntry(path.join(tmp, 'k'), 'a.js')).toBeUndefined();
  writeEntry(path.join(tmp, 'k'), 'a.js', 'text');
  expect(readEntry(path.join(tmp, 'k'), 'a.js')).toBe('text');
  expect(fs.readdirSync(path.join(tmp, 'k'))).toEqual(['a.js']);
});

describe('the key of the code that runs', () => {
  const entry = '/project/main.ts';
  afterEach(() => Reflect.deleteProperty(bundles(), entry));

  test('is undefined for code not run from a bundle (Jest): nothing is reused then', () => {
    expect(codeKey(entry)).toBeUndefined();
  });

  test("is the bundle's text and the version of each package it requires, with theirs", () => {
    fs.mkdirSync(path.join(tmp, 'node_modules', 'pkg'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'node_modules', 'dep'), { recursive: true });
    const manifest = path.join(tmp, 'node_modules', 'pkg', 'package.json');
    fs.writeFileSync(manifest, JSON.stringify({ name: 'pkg', version: '1.0.0', dependencies: { dep: '1' } }));
    const dependency = path.join(tmp, 'node_modules', 'dep', 'package.json');
    fs.writeFileSync(dependency, JSON.stringify({ name: 'dep', version: '1.0.0' }));
    const code = 'var fs = require("fs"), x = require("pkg/lib/x");\nrun(x);\n';
    bundles()[entry] = code;
    const key = codeKey(entry, tmp);
    expect(codeKey(entry, tmp)).toBe(key);
    bundles()[entry] = code.replace('run(x)', 'run(y)');
    expect(codeKey(entry, tmp)).not.toBe(key);
    bundles()[entry] = code;
    sameSizeEdit(manifest, '1.0.0', '1.0.1');
    const afterPackage = codeKey(entry, tmp);
    expect(afterPackage).not.toBe(key);
    sameSizeEdit(dependency, '1.0.0', '1.0.1');
    expect(codeKey(entry, tmp)).not.toBe(afterPackage);
  });

  test('and the settings in the environment that change what code does, but not the output folder', () => {
    bundles()[entry] = 'run();';
    const key = codeKey(entry, tmp);
    const saved = { ...process.env };
    try {
      for (const [name, value] of [
        ['CDK8S_DISABLE_SORT', '1'],
        ['CDK8S_LEGACY_HASH', '1'],
        ['LC_ALL', 'da_DK.UTF-8'],
        ['LANG', 'xx_XX.UTF-8'],
      ]) {
        process.env = { ...saved, [name!]: value };
        expect(codeKey(entry, tmp)).not.toBe(key);
        process.env = { ...saved };
      }
      process.env = { ...saved, CDK8S_OUTDIR: '/tmp/elsewhere', CDK8S_RECORD_CONSTRUCT_METADATA: 'true' };
      expect(codeKey(entry, tmp)).toBe(key);
    } finally {
      process.env = saved;
    }
  });
});

test('keepEntry keeps the newest entries only, and a cache that cannot be written is left alone', () => {
  const dir = path.join(tmp, 'kept');
  ['a', 'b', 'c', 'd'].forEach((n, i) => {
    keepEntry(dir, `${n}.json`, n, 2);
    fs.utimesSync(path.join(dir, `${n}.json`), 1000 + i, 1000 + i);
  });
  expect(fs.readdirSync(dir).sort()).toEqual(['c.json', 'd.json']);
  fs.writeFileSync(path.join(tmp, 'file'), '');
  expect(() => keepEntry(path.join(tmp, 'file', 'under-a-file'), 'x.json', 'x', 2)).not.toThrow();
});
