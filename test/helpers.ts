import * as fs from 'fs';
import * as path from 'path';
import { dump } from 'js-yaml';
import type { Rendered } from '../lib/pipeline/synth';
import { environmentFiles, loadConfig } from '../lib/pipeline/config';
import type { EnvironmentConfig } from '../lib/environment';
import type { Manifest } from '../lib/validation/schema';
import { RENDER_KEY_VARIABLE, renderCached, renderFresh } from './render-cache';

export const ROOT = path.join(__dirname, '..');
export const CONFIG_DIR = path.join(ROOT, 'config');
export const FIXTURES = path.join(__dirname, 'fixtures');

/** The environments config/ defines, by file name: the list follows an environment added or removed. */
export const ENVIRONMENTS = environmentFiles(CONFIG_DIR).map((f) => path.basename(f, '.yaml'));

/**
 * Writes `to` over the first `from` in `file`, both the same length, and puts the modification
 * time back: the edit that size-and-time checks cannot see.
 */
export function sameSizeEdit(file: string, from: string, to: string): void {
  if (to.length !== from.length) throw new Error(`"${from}" and "${to}" differ in length`);
  const { atime, mtime } = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  fs.writeFileSync(file, text.replace(from, to));
  fs.utimesSync(file, atime, mtime);
}

/** One environment's values as config/<env>.yaml states them: what its tests expect to find in dist/. */
export function configOf(env: string): EnvironmentConfig {
  return loadConfig(path.join(CONFIG_DIR, `${env}.yaml`));
}

/**
 * The output folder of the apps tests build charts in. Charts are read with toJson() and never
 * written, and no folder can be made at this path, so a test that wrote one would fail. (cdk8s's
 * Testing.app() makes an empty temporary folder for each app and never removes it.)
 */
export const UNWRITTEN_OUTDIR = '/dev/null/easyflow-test-app';

/**
 * Writes a config folder: each of `environments` as `<name>.yaml` with the text given, and
 * gitops.yaml with the settings of `gitops` (a parsed gitops.yaml) for these environments alone.
 */
export function writeConfig(dir: string, environments: Record<string, string>, gitops: Record<string, any>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(environments)) fs.writeFileSync(path.join(dir, `${name}.yaml`), text);
  const chosen = Object.fromEntries(Object.keys(environments).map((name) => [name, gitops.environments[name]]));
  fs.writeFileSync(path.join(dir, 'gitops.yaml'), dump({ ...gitops, environments: chosen }));
}

/** The text of a fixture file. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

let cache: Rendered | undefined;

/**
 * Everything a synth of the committed config writes, rendered once per content (see render-cache.ts),
 * by the key the run's global setup computed (global-setup.ts) when there is one.
 */
export function rendered(): Rendered {
  cache ??= renderCached(CONFIG_DIR, undefined, process.env[RENDER_KEY_VARIABLE] || undefined);
  return cache;
}

/**
 * What renderProject(configDir) returns, for tests about what is done with a render: the committed
 * config's is the kept one (rendered()); another folder (a scratch copy) is rendered afresh, since
 * its key would never be asked for again.
 */
export function renderConfig(configDir: string): Rendered {
  return path.resolve(configDir) === CONFIG_DIR ? rendered() : renderFresh(configDir);
}

/** The objects of one output folder (`prod`, `gitops/argocd`, ...). */
export function manifestsOf(folder: string): readonly Manifest[] {
  const manifests = rendered().folders.get(folder);
  if (!manifests) throw new Error(`no output folder ${folder}`);
  return manifests;
}

/** The files directly in one output folder, by file name. */
export function filesOf(folder: string): Map<string, string> {
  const prefix = `${folder}/`;
  return new Map(
    [...rendered().files]
      .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map(([p, c]) => [p.slice(prefix.length), c]),
  );
}

/** The one object of `kind` named `name`; fails the test when there is none. */
export function find(manifests: readonly Manifest[], kind: string, name: string): any {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  }
  return found[0];
}

export function allOf(manifests: readonly Manifest[], kind: string): any[] {
  return manifests.filter((m) => m.kind === kind);
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (labels, grouping, functions and numbers left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n.toLowerCase())))].sort();
}
