/**
 * Renders shared by every test file and worker, one per distinct content: a render costs about
 * half a second and most test files need the committed config's. Under
 * node_modules/.cache/easyflow/: a config folder's render (`rendered/`), and one environment's
 * objects from a config text (`rendered-environments/`), for the fixtures and edited configs tests
 * render. Both are keyed by the code key (codeKey: every file under the folders a render reads,
 * RENDER_INPUTS, which test/render-cache.test.ts checks; the package.json of each package that
 * renders or transforms the code; the Jest and project settings; Node.js's versions and the run
 * settings in the environment; the rendering functions here) and what is rendered: the config
 * folder's files, or the file name and text. A render is kept only if the code still hashes to the
 * key it was looked up by once the render is done.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  CACHE_DIR,
  contentKey,
  faithfulJson,
  keepEntry,
  packageManifests,
  readEntry,
  readJson,
  runtimeKeyParts,
} from '../lib/platform/cache';
import { ROOT } from '../lib/platform/paths';
import { renderOf, renderText } from '../lib/pipeline/render-memo';
import type { Rendered } from '../lib/pipeline/synth';
import type { Manifest } from '../lib/validation/schema';

const RENDERED = path.join(CACHE_DIR, 'rendered');
const RENDERED_ENVIRONMENTS = path.join(CACHE_DIR, 'rendered-environments');

/** Folder renders kept at most: the committed config, and a few edits back. */
const KEPT_RENDERS = 8;

/** Environment renders kept at most: every fixture and edited config of a test run, twice over. */
const KEPT_ENVIRONMENTS = 256;

/** The folders whose files a render reads: the code, the generated CRD bindings, the config schemas. */
export const RENDER_INPUTS = ['lib', 'imports', 'config'].map((f) => path.join(ROOT, f));

/** Packages whose code renders (or, for the tests, transforms) the project. */
const PACKAGES = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'yaml', 'js-yaml', 'ajv', '@swc/core', '@swc/jest'];

const SETTINGS = ['package.json', 'jest.config.js', 'tsconfig.json'].map((f) => path.join(ROOT, f));

/** Every file under `dir`, sorted, as [path, bytes]. */
function filesUnder(dir: string): Array<[string, Buffer]> {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e): Array<[string, Buffer]> => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return filesUnder(full);
      return e.isFile() ? [[full, fs.readFileSync(full)]] : [];
    });
}

/**
 * The key of the code a test renders with: every byte of `inputs`, the packages, the settings, the
 * Node.js versions and the run settings in the environment (runtimeKeyParts), and the source of
 * the functions here that render and serialize.
 */
export function codeKey(inputs: readonly string[] = RENDER_INPUTS): string {
  return contentKey([
    ...runtimeKeyParts(),
    ...[renderText, renderOf, renderFresh, renderEnvironment].map(String),
    ...PACKAGES.flatMap((p) => packageManifests(p)),
    ...SETTINGS.map((f) => fs.readFileSync(f)),
    ...inputs.flatMap((d) => [d, ...filesUnder(d).flat()]),
  ]);
}

/** The key of a render of `configDir`: every byte it depends on. */
export function renderKey(configDir: string, code = codeKey()): string {
  const dir = path.resolve(configDir);
  return contentKey([code, dir, ...filesUnder(dir).flat()]);
}

/** Where a test run's global setup puts the code key and the committed config's render key, for the workers. */
export const CODE_KEY_VARIABLE = 'EASYFLOW_TEST_CODE_KEY';
export const RENDER_KEY_VARIABLE = 'EASYFLOW_TEST_RENDER_KEY';

let runCode: string | undefined;

/** The code key the run's global setup computed before any test file loaded the code, or this file's own. */
function currentCode(): string {
  runCode ??= process.env[CODE_KEY_VARIABLE] || codeKey();
  return runCode;
}

let loadedCode: string | undefined;

/**
 * The code key hashed again once per test file, after its first render loaded the code: a render
 * is kept only if this is still the key it was looked up by, so code edited after the key was
 * computed (while a run goes on) is never kept under the key of the code before the edit.
 */
function codeAsLoaded(): string {
  loadedCode ??= codeKey();
  return loadedCode;
}

/**
 * What renderProject(configDir) returns, rendered once per content; `key`, when given, is
 * renderKey(configDir) as computed earlier in this run. A render is kept only if the code and the
 * folder still hash to that key once it is done.
 */
export function renderCached(configDir: string, cacheDir = RENDERED, key?: string): Rendered {
  const name = `${key ?? renderKey(configDir, currentCode())}.json`;
  const kept = readEntry(cacheDir, name);
  if (kept !== undefined) {
    try {
      return renderOf(kept);
    } catch {
      // Not a render: rendered again below.
    }
  }
  const text = renderText(renderFresh(configDir));
  if (`${renderKey(configDir, codeAsLoaded())}.json` === name) keepEntry(cacheDir, name, text, KEPT_RENDERS);
  return renderOf(text);
}

/**
 * The objects of one environment whose config file `file` holds `text`, rendered once per content
 * (by `code`, the key `asLoaded` must still give once the render is done). A config that fails
 * throws, as the render does, and is never kept; so is a render JSON would not give back exactly.
 */
export function environmentCached(
  file: string,
  text: string,
  cacheDir = RENDERED_ENVIRONMENTS,
  code = currentCode(),
  asLoaded: () => string = codeAsLoaded,
): Manifest[] {
  const name = `${contentKey([code, file, text])}.json`;
  const kept = readJson(cacheDir, name);
  if (Array.isArray(kept)) return kept as Manifest[];
  const manifests = renderEnvironment(file, text);
  const json = faithfulJson(manifests);
  if (json !== undefined && asLoaded() === code) keepEntry(cacheDir, name, json, KEPT_ENVIRONMENTS);
  return manifests;
}

/* eslint-disable @typescript-eslint/no-require-imports -- an import would load every construct in every test file */
/** renderProject, loaded only when a render is not kept: a test file that reads it then loads no chart. */
export function renderFresh(configDir: string): Rendered {
  return (require('../lib/pipeline/synth') as typeof import('../lib/pipeline/synth')).renderProject(configDir);
}

/** One environment's objects, rendered with the modules loaded only then. */
function renderEnvironment(file: string, text: string): Manifest[] {
  const { synthEnvironment } = require('../lib/pipeline/synth') as typeof import('../lib/pipeline/synth');
  const { parseConfig } = require('../lib/pipeline/config') as typeof import('../lib/pipeline/config');
  return synthEnvironment(parseConfig(file, text)).toJson() as Manifest[];
}
/* eslint-enable @typescript-eslint/no-require-imports */
