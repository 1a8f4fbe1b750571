import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contentKey, packageManifests, readEntry, writeEntry } from '../../lib/platform/cache';
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

test('an entry is written whole and read back; a missing one is undefined', () => {
  expect(readEntry(path.join(tmp, 'k'), 'a.js')).toBeUndefined();
  writeEntry(path.join(tmp, 'k'), 'a.js', 'text');
  expect(readEntry(path.join(tmp, 'k'), 'a.js')).toBe('text');
  expect(fs.readdirSync(path.join(tmp, 'k'))).toEqual(['a.js']);
});
