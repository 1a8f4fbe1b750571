/**
 * Renders shared by every test file and worker, one per distinct content: a render costs about
 * half a second and most test files need the committed config's. Under
 * node_modules/.cache/easyflow/: a config folder's render (`rendered/`), and one environment's
 * objects from a config text (`rendered-environments/`), for the fixtures and edited configs tests
 * render. Both are keyed by the code key (the sha256 of every file under the folders a render reads,
 * RENDER_INPUTS, which test/render-cache.test.ts checks; the package.json of each package that
 * renders or transforms the code; the Jest and project settings; the Node.js version; this
 * serializer's source) and what is rendered: the config folder's files, or the file name and text.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  CACHE_DIR,
  cachedEntry,
  contentKey,
  faithfulJson,
  keepEntry,
  packageManifests,
  readJson,
} from '../lib/platform/cache';
import { ROOT } from '../lib/platform/paths';
import { renderOf, renderText } from '../lib/pipeline/render-memo';
import type { Rendered } from '../lib/pipeline/synth';
import type { Manifest } from '../lib/validation/schema';

const RENDERED = path.join(CACHE_DIR, 'rendered');
const RENDERED_ENVIRONMENTS = path.join(CACHE_DIR, 'rendered-environments');

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

/** The key of the code a test renders with: every byte of `inputs`, the packages, the settings. */
export function codeKey(inputs: readonly string[] = RENDER_INPUTS): string {
  return contentKey([
    process.version,
    String(renderText),
    String(renderOf),
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

/** The code key the run's global setup computed, or this file's own. */
function currentCode(): string {
  runCode ??= process.env[CODE_KEY_VARIABLE] || codeKey();
  return runCode;
}

/**
 * What renderProject(configDir) returns, rendered once per content; `key`, when given, is
 * renderKey(configDir) as computed earlier in this run.
 */
export function renderCached(configDir: string, cacheDir = RENDERED, key?: string): Rendered {
  const name = `${key ?? renderKey(configDir, currentCode())}.json`;
  return renderOf(cachedEntry(cacheDir, name, () => renderText(render(configDir))));
}

/**
 * The objects of one environment whose config file `file` holds `text`, rendered once per content
 * (by `code`). A config that fails throws, as the render does, and is never kept; so is a render
 * JSON would not give back exactly.
 */
export function environmentCached(
  file: string,
  text: string,
  cacheDir = RENDERED_ENVIRONMENTS,
  code = currentCode(),
): Manifest[] {
  const name = `${contentKey([code, String(renderEnvironment), file, text])}.json`;
  const kept = readJson(cacheDir, name);
  if (Array.isArray(kept)) return kept as Manifest[];
  const manifests = renderEnvironment(file, text);
  const json = faithfulJson(manifests);
  if (json !== undefined) keepEntry(cacheDir, name, json, KEPT_ENVIRONMENTS);
  return manifests;
}

/* eslint-disable @typescript-eslint/no-require-imports -- an import would load every construct in every test file */
/** renderProject, loaded only when a render is not kept: a test file that reads it then loads no chart. */
const render = (configDir: string): Rendered =>
  (require('../lib/pipeline/synth') as typeof import('../lib/pipeline/synth')).renderProject(configDir);

/** One environment's objects, rendered with the modules loaded only then. */
function renderEnvironment(file: string, text: string): Manifest[] {
  const { synthEnvironment } = require('../lib/pipeline/synth') as typeof import('../lib/pipeline/synth');
  const { parseConfig } = require('../lib/pipeline/config') as typeof import('../lib/pipeline/config');
  return synthEnvironment(parseConfig(file, text)).toJson() as Manifest[];
}
/* eslint-enable @typescript-eslint/no-require-imports */
