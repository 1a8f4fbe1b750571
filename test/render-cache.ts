/**
 * One render of a config folder per distinct content, shared by every test file and worker: a
 * render costs about half a second and most test files need the committed config's. The render is
 * stored under node_modules/.cache/easyflow/rendered/, keyed by the sha256 of every file under the
 * folders a render reads (RENDER_INPUTS, which test/pipeline/synth.test.ts checks), the config
 * folder, the package.json of each package that renders or transforms the code, the Jest and
 * project settings, the Node.js version and this serializer's source.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CACHE_DIR, cachedEntry, contentKey, packageManifests } from '../lib/platform/cache';
import { ROOT } from '../lib/platform/paths';
import { renderOf, renderText } from '../lib/pipeline/render-memo';
import type { Rendered } from '../lib/pipeline/synth';

const RENDERED = path.join(CACHE_DIR, 'rendered');

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

/** The key of a render of `configDir`: every byte it depends on. */
export function renderKey(configDir: string, inputs: readonly string[] = RENDER_INPUTS): string {
  return contentKey([
    process.version,
    String(renderText),
    String(renderOf),
    ...PACKAGES.flatMap((p) => packageManifests(p)),
    ...SETTINGS.map((f) => fs.readFileSync(f)),
    ...[...inputs, path.resolve(configDir)].flatMap((d) => [d, ...filesUnder(d).flat()]),
  ]);
}

/** Where a test run's global setup puts the key of the committed config's render, for the workers. */
export const RENDER_KEY_VARIABLE = 'EASYFLOW_TEST_RENDER_KEY';

/**
 * What renderProject(configDir) returns, rendered once per content; `key`, when given, is
 * renderKey(configDir) as computed earlier in this run.
 */
export function renderCached(configDir: string, cacheDir = RENDERED, key = renderKey(configDir)): Rendered {
  return renderOf(cachedEntry(cacheDir, `${key}.json`, () => renderText(render(configDir))));
}

/* eslint-disable @typescript-eslint/no-require-imports -- an import would load every construct in every test file */
/** renderProject, loaded only when a render is not kept: a test file that reads it then loads no chart. */
const render = (configDir: string): Rendered =>
  (require('../lib/pipeline/synth') as typeof import('../lib/pipeline/synth')).renderProject(configDir);
/* eslint-enable @typescript-eslint/no-require-imports */
