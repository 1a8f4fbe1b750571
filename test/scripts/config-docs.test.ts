import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configDocs, propDefaults } from '../../scripts/config-docs';
import { writeInto } from '../../lib/platform/tree';
import { ROOT, sameSizeEdit } from '../helpers';

test('config/README.md documents every key and is up to date (npm run docs:config)', () => {
  const docs = configDocs();
  expect(fs.readFileSync(path.join(ROOT, 'config', 'README.md'), 'utf8')).toBe(docs);
  const undocumented = docs
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .filter((l) => l.split('|')[4]!.trim() === '');
  expect(undocumented).toEqual([]);
});

describe('propDefaults: the table is kept by the bytes of the sources it reads', () => {
  let tmp: string;
  let lib: string;
  let cache: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-defaults-'));
    lib = path.join(tmp, 'lib');
    cache = path.join(tmp, 'cache');
    writeInto(
      lib,
      new Map([['workloads/a.ts', 'export interface AProps {\n  /** @default 10 */\n  readonly size?: number;\n}\n']]),
    );
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('the real sources read the same kept and fresh', () => {
    const fresh = propDefaults(undefined, cache);
    expect(fs.readdirSync(cache)).toHaveLength(1);
    expect(propDefaults(undefined, cache)).toEqual(fresh);
    expect(fresh.get('WebAppProps.targetCPUUtilizationPercent')).toMatch(/^\d+$/);
  });

  test('a source edited at the same size, its time stamp put back, is read anew', () => {
    expect(propDefaults(lib, cache)).toEqual(new Map([['AProps.size', '10']]));
    sameSizeEdit(path.join(lib, 'workloads', 'a.ts'), '@default 10', '@default 20');
    expect(propDefaults(lib, cache)).toEqual(new Map([['AProps.size', '20']]));
  });

  test('a source added is read', () => {
    propDefaults(lib, cache);
    fs.writeFileSync(
      path.join(lib, 'b.ts'),
      "export interface BProps {\n  /** @default 'x' */\n  readonly y?: string;\n}\n",
    );
    expect(propDefaults(lib, cache)).toEqual(
      new Map([
        ['BProps.y', "'x'"],
        ['AProps.size', '10'],
      ]),
    );
  });

  test("typescript's version edited at the same size is a new table", () => {
    const packages = path.join(tmp, 'packages');
    const manifest = path.join(packages, 'node_modules', 'typescript', 'package.json');
    fs.mkdirSync(path.dirname(manifest), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'node_modules', 'typescript', 'package.json'), manifest);
    propDefaults(lib, cache, packages);
    const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
    sameSizeEdit(
      manifest,
      `"version": "${version}"`,
      `"version": "${version.replace(/\d$/, (d) => String((+d + 1) % 10))}"`,
    );
    expect(propDefaults(lib, cache, packages)).toEqual(new Map([['AProps.size', '10']]));
    expect(fs.readdirSync(cache)).toHaveLength(2);
  });

  test('a run setting in the environment is a new table', () => {
    propDefaults(lib, cache);
    const saved = process.env.LC_ALL;
    process.env.LC_ALL = `${saved ?? ''}.other`;
    try {
      propDefaults(lib, cache);
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
    expect(fs.readdirSync(cache)).toHaveLength(2);
  });

  test('an entry that is not a table is read anew', () => {
    propDefaults(lib, cache);
    const [entry] = fs.readdirSync(cache);
    fs.writeFileSync(path.join(cache, entry!), 'damaged');
    expect(propDefaults(lib, cache)).toEqual(new Map([['AProps.size', '10']]));
  });
});
