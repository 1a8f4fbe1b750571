import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { publishFolders, publishTree, readTree, recoverPublish, writeTree } from '../../lib/platform/tree';

let tmp: string;
let dist: string;
const OLD = new Map([
  ['prod/a.yaml', 'old'],
  ['prod/b.yaml', 'old b'],
]);
const NEW = new Map([['prod/a.yaml', 'new']]);

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-tree-'));
  dist = path.join(tmp, 'dist');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('publishTree replaces the target as a whole and leaves nothing beside it', () => {
  writeTree(dist, OLD);
  publishTree(NEW, dist);
  expect(readTree(dist)).toEqual(NEW);
  expect(fs.readdirSync(tmp)).toEqual(['dist']);
});

test('publishTree creates the target when there was none', () => {
  publishTree(NEW, dist);
  expect(readTree(dist)).toEqual(NEW);
});

test('the working folders sit beside the target, hidden', () => {
  expect(publishFolders(dist)).toEqual({
    staging: path.join(tmp, '.dist.staging'),
    previous: path.join(tmp, '.dist.previous'),
  });
});

// Each state a publish killed at any instant can leave, and what the next synth makes of it.
describe('recoverPublish', () => {
  const { staging, previous } = {
    staging: () => publishFolders(dist).staging,
    previous: () => publishFolders(dist).previous,
  };

  test('killed while writing the staging folder: the half-written staging goes, dist/ stays', () => {
    writeTree(dist, OLD);
    writeTree(staging(), new Map([['prod/a.yaml', 'ne']]));
    recoverPublish(dist);
    expect(readTree(dist)).toEqual(OLD);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('killed between the two renames: the old tree is put back', () => {
    writeTree(previous(), OLD);
    writeTree(staging(), NEW);
    recoverPublish(dist);
    expect(readTree(dist)).toEqual(OLD);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('killed before removing the old tree: the new tree stays, the old one goes', () => {
    writeTree(dist, NEW);
    writeTree(previous(), OLD);
    recoverPublish(dist);
    expect(readTree(dist)).toEqual(NEW);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('nothing to recover: nothing changes', () => {
    writeTree(dist, OLD);
    recoverPublish(dist);
    expect(readTree(dist)).toEqual(OLD);
  });
});
