/**
 * The render shared by the test files (render-cache.ts) is keyed by every byte a render reads: each
 * kind of input, edited at the same size with its modification time put back, is a new key.
 */
import { execFileSync } from 'child_process';
import { load } from 'js-yaml';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CODE_KEY_VARIABLE,
  RENDER_INPUTS,
  RENDER_KEY_VARIABLE,
  codeKey,
  environmentCached,
  renderCached,
  renderKey,
} from './render-cache';
import { CONFIG_DIR, ROOT, fixture, sameSizeEdit, writeConfig } from './helpers';
import { ConfigError, parseConfig } from '../lib/pipeline/config';
import { synthEnvironment } from '../lib/pipeline/synth';

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-render-cache-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a render reads no file of the project outside the folders the key covers', () => {
  // In a process of its own, every file read of renderProject (the code as a synth runs it) is recorded.
  const probe = `
    const fs = require('fs');
    const { renderProject } = require('./scripts/ts-run').load('lib/pipeline/synth.ts');
    const read = [];
    for (const name of ['readFileSync', 'readdirSync', 'statSync', 'existsSync', 'openSync', 'readFile']) {
      const original = fs[name];
      fs[name] = function (p, ...rest) { read.push(String(p)); return original.call(this, p, ...rest); };
    }
    renderProject(${JSON.stringify(CONFIG_DIR)});
    console.log(JSON.stringify(read));`;
  const out = execFileSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' });
  const read = (JSON.parse(out) as string[]).map((p) => path.resolve(ROOT, p));
  expect(read).toContain(path.join(CONFIG_DIR, 'prod.yaml'));
  // Packages are covered by their versions; each is read where its folder is (in a scratch copy,
  // node_modules/ holds links to another checkout's packages).
  const modules = path.join(ROOT, 'node_modules');
  const packages = [modules, ...fs.readdirSync(modules).map((e) => fs.realpathSync(path.join(modules, e)))];
  const covered = [...RENDER_INPUTS, ...packages];
  expect(read.filter((p) => !covered.some((d) => p.startsWith(`${d}${path.sep}`) || p === d))).toEqual([]);
});

test('a config file edited at the same size is a new render', () => {
  // A project of one environment (the minimal config) and the fixture's GitOps settings.
  const config = path.join(tmp, 'config');
  writeConfig(config, { alpha: fixture('minimal.yaml') }, load(fixture('gitops.yaml')) as any);
  const cache = path.join(tmp, 'cache');
  const before = renderCached(config, cache);
  expect(renderCached(config, cache)).toEqual(before);
  sameSizeEdit(path.join(config, 'alpha.yaml'), "tag: '9.9.9'", "tag: '9.9.8'");
  const after = renderCached(config, cache);
  expect([...after.files.values()].join('\n')).toContain(':9.9.8');
  expect(after.files).not.toEqual(before.files);
  expect(fs.readdirSync(cache)).toHaveLength(2);
});

test('a source file edited at the same size is a new key', () => {
  const lib = path.join(tmp, 'lib');
  fs.cpSync(path.join(ROOT, 'lib', 'platform'), lib, { recursive: true });
  const before = codeKey([lib]);
  expect(codeKey([lib])).toBe(before);
  sameSizeEdit(path.join(lib, 'labels.ts'), 'easyflow', 'easyflox');
  expect(codeKey([lib])).not.toBe(before);
  expect(renderKey(CONFIG_DIR, codeKey([lib]))).not.toBe(renderKey(CONFIG_DIR, before));
});

test('a run setting cdk8s reads (CDK8S_DISABLE_SORT) is a new code key', () => {
  const before = codeKey();
  const saved = process.env.CDK8S_DISABLE_SORT;
  process.env.CDK8S_DISABLE_SORT = `${saved ?? ''}1`;
  try {
    expect(codeKey()).not.toBe(before);
  } finally {
    if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
    else process.env.CDK8S_DISABLE_SORT = saved;
  }
  expect(codeKey()).toBe(before);
});

test("the run's global setup hands the workers the code key and the committed config's key as they are", () => {
  expect(process.env[CODE_KEY_VARIABLE]).toBe(codeKey());
  expect(process.env[RENDER_KEY_VARIABLE]).toBe(renderKey(CONFIG_DIR));
});

describe("an environment's objects, kept by the code, the file name and the text", () => {
  const text = fixture('minimal.yaml');
  const file = 'config/min.yaml';
  const fresh = (f: string, t: string) => synthEnvironment(parseConfig(f, t)).toJson();
  const cache = () => path.join(tmp, 'cache');

  test('kept, they are what a render gives', () => {
    expect(environmentCached(file, text, cache())).toEqual(fresh(file, text));
    expect(fs.readdirSync(cache())).toHaveLength(1);
    expect(environmentCached(file, text, cache())).toEqual(fresh(file, text));
  });

  test('a text edited at the same size is a new render', () => {
    const edited = text.replace('replicas: 1', 'replicas: 2');
    expect([edited === text, edited.length]).toEqual([false, text.length]);
    environmentCached(file, text, cache());
    expect(environmentCached(file, edited, cache())).toEqual(fresh(file, edited));
    expect(fs.readdirSync(cache())).toHaveLength(2);
  });

  test('another file name is a new render: the name is the environment', () => {
    environmentCached(file, text, cache());
    const qa = environmentCached('config/qa.yaml', text, cache());
    expect(qa).toEqual(fresh('config/qa.yaml', text));
    expect(qa).not.toEqual(fresh(file, text));
  });

  test('other code is a new render', () => {
    environmentCached(file, text, cache(), 'one', () => 'one');
    environmentCached(file, text, cache(), 'two', () => 'two');
    expect(fs.readdirSync(cache())).toHaveLength(2);
  });

  test('a render whose code changed after its key was computed is not kept', () => {
    expect(environmentCached(file, text, cache(), 'before', () => 'after')).toEqual(fresh(file, text));
    expect(fs.existsSync(cache()) ? fs.readdirSync(cache()) : []).toEqual([]);
  });

  test('a config that fails throws as the render does, and is never kept', () => {
    expect(() => environmentCached(file, `${text}\nunknownKey: 1\n`, cache())).toThrow(ConfigError);
    expect(fs.existsSync(cache()) ? fs.readdirSync(cache()) : []).toEqual([]);
  });

  test('an entry that is not a render is rendered anew', () => {
    environmentCached(file, text, cache());
    const [entry] = fs.readdirSync(cache());
    fs.writeFileSync(path.join(cache(), entry!), 'damaged');
    expect(environmentCached(file, text, cache())).toEqual(fresh(file, text));
  });
});
