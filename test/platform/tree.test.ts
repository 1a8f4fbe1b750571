import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  PublishError,
  holdsExactly,
  needsRecovery,
  publishFolders,
  publishTree,
  readTree,
  recoverPublish,
  repairPublish,
  withPublishLock,
  writeTree,
} from '../../lib/platform/tree';
import { tryLock } from '../../lib/platform/lock';
import { canonicalPath } from '../../lib/platform/paths';

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

test('publishTree leaves a target that already holds exactly the files as it is', () => {
  writeTree(dist, OLD);
  const before = fs.statSync(dist).ino;
  expect(publishTree(OLD, dist)).toEqual([]);
  expect(fs.statSync(dist).ino).toBe(before);
  expect(readTree(dist)).toEqual(OLD);
  expect(fs.readdirSync(tmp)).toEqual(['dist']);
});

test('holdsExactly: the same paths, each a regular file with the same bytes, and nothing else', () => {
  writeTree(dist, OLD);
  expect(holdsExactly(dist, OLD)).toBe(true);
  expect(holdsExactly(dist, new Map([...OLD, ['prod/c.yaml', 'c']]))).toBe(false);
  expect(holdsExactly(dist, new Map([['prod/a.yaml', 'old']]))).toBe(false);
  expect(holdsExactly(dist, new Map([...OLD, ['prod/a.yaml', 'olx']]))).toBe(false);
  expect(holdsExactly(path.join(tmp, 'missing'), OLD)).toBe(false);
  fs.writeFileSync(path.join(dist, 'prod', 'b.yaml'), Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0xff]));
  expect(holdsExactly(dist, new Map([...OLD, ['prod/b.yaml', 'old \ufffd']]))).toBe(false);
  // A FIFO or a link where a file should be is a difference, never opened.
  fs.rmSync(path.join(dist, 'prod', 'b.yaml'));
  execFileSync('mkfifo', [path.join(dist, 'prod', 'b.yaml')]);
  expect(holdsExactly(dist, OLD)).toBe(false);
  fs.rmSync(path.join(dist, 'prod', 'b.yaml'));
  fs.writeFileSync(path.join(tmp, 'b.yaml'), 'old b');
  fs.symlinkSync(path.join(tmp, 'b.yaml'), path.join(dist, 'prod', 'b.yaml'));
  expect(holdsExactly(dist, OLD)).toBe(false);
  publishTree(OLD, dist);
  expect(fs.lstatSync(path.join(dist, 'prod', 'b.yaml')).isFile()).toBe(true);
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

/** Makes the next fs calls fail as a full disk or an undeletable file would (errors as Node raises them). */
const mockFaults: { write?: string; rm?: string } = {};
jest.mock('fs', () => {
  const actual = jest.requireActual('fs');
  const fault = (code: string, syscall: string, file: string): Error =>
    Object.assign(new Error(`${code}: injected, ${syscall} '${file}'`), { code, syscall, path: file });
  return {
    ...actual,
    writeFileSync: (file: string, ...rest: unknown[]) => {
      if (mockFaults.write && String(file).includes(mockFaults.write)) throw fault('ENOSPC', 'write', String(file));
      return actual.writeFileSync(file, ...rest);
    },
    rmSync: (file: string, ...rest: unknown[]) => {
      if (mockFaults.rm && String(file).endsWith(mockFaults.rm)) throw fault('EPERM', 'unlink', `${file}/prod/a.yaml`);
      return actual.rmSync(file, ...rest);
    },
  };
});

describe('file system errors are messages, and never wedge the next publish', () => {
  afterEach(() => {
    delete mockFaults.write;
    delete mockFaults.rm;
  });

  test('a full disk while writing the new tree: dist/ stays, nothing is left beside it', () => {
    writeTree(dist, OLD);
    mockFaults.write = '.dist.staging';
    expect(() => publishTree(NEW, dist)).toThrow(
      new PublishError(
        `cannot write ${tmp}/.dist.staging/ (ENOSPC: injected, write '${tmp}/.dist.staging/prod/a.yaml'); ${dist}/ was not changed`,
      ),
    );
    expect(readTree(dist)).toEqual(OLD);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('an old tree that cannot be deleted (EPERM, chattr +i) is moved aside; the next publish works', () => {
    writeTree(dist, OLD);
    mockFaults.rm = '.dist.previous';
    const notes = publishTree(NEW, dist);
    expect(readTree(dist)).toEqual(NEW);
    expect(notes).toEqual([
      expect.stringMatching(
        /^.*\.dist\.previous\/ could not be deleted \(EPERM: injected, unlink '.*\.dist\.previous\/prod\/a\.yaml'\); it was moved to .*\.dist\.previous-stuck-[0-9a-f]{8}\/: delete it by hand$/,
      ),
    ]);
    delete mockFaults.rm;
    expect(publishTree(OLD, dist)).toEqual([]);
    expect(readTree(dist)).toEqual(OLD);
    expect(fs.readdirSync(tmp).filter((n) => !n.includes('stuck'))).toEqual(['dist']);
  });

  test('a leftover old tree the previous publish could not delete does not block the next one', () => {
    writeTree(dist, NEW);
    writeTree(publishFolders(dist).previous, OLD);
    mockFaults.rm = '.dist.previous';
    expect(publishTree(OLD, dist)).toHaveLength(2);
    expect(readTree(dist)).toEqual(OLD);
    expect(fs.existsSync(publishFolders(dist).previous)).toBe(false);
  });
});

describe('a symbolic link as the target', () => {
  test('is refused with its name and where it points; nothing changes', () => {
    const real = path.join(tmp, 'elsewhere');
    writeTree(real, OLD);
    fs.symlinkSync(real, dist);
    expect(() => publishTree(NEW, dist)).toThrow(`${dist} is a symbolic link (to ${real}); a synth replaces`);
    expect(fs.lstatSync(dist).isSymbolicLink()).toBe(true);
    expect(readTree(real)).toEqual(OLD);
  });
});

describe('repairPublish, which every synth runs first', () => {
  test('says that it restored the old tree, and takes no lock when there is nothing to repair', async () => {
    writeTree(publishFolders(dist).previous, OLD);
    expect(await repairPublish(dist)).toEqual([
      `${dist}/ was restored: a synth killed while publishing had left the last published tree in ${tmp}/.dist.previous/`,
    ]);
    expect(readTree(dist)).toEqual(OLD);
    expect(needsRecovery(dist)).toBe(false);
    expect(await repairPublish(dist)).toEqual([]);
  });
});

test('the publish lock is one lock however the folder is reached (through a linked parent, relatively)', async () => {
  const real = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-lock-real-'));
  const alias = `${real}-alias`;
  fs.symlinkSync(real, alias);
  try {
    const viaAlias = await withPublishLock(path.join(alias, 'dist'), () =>
      tryLock(`publish ${canonicalPath(path.join(real, 'dist'))}`, () => 'entered'),
    );
    expect(viaAlias).toBeUndefined();
    expect(canonicalPath(path.relative(process.cwd(), path.join(alias, 'dist')))).toBe(
      path.join(fs.realpathSync(real), 'dist'),
    );
  } finally {
    fs.rmSync(alias, { force: true });
    fs.rmSync(real, { recursive: true, force: true });
  }
});
