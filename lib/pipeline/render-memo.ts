/**
 * The app's render, reused when nothing it depends on changed. A render is a function of the code
 * that runs (codeKey: the bundle's text, the packages it requires, the Node.js version), the config
 * folder and the embedded scripts: the key is the sha256 of all of them, taken before the render.
 * A render is kept only when what it read, file by file (platform/reads.ts), is exactly what the
 * key was computed from, so a file changed while it ran (even changed back) is never kept. A
 * render that is not found is made from parts kept the same way: each environment file's config
 * and each environment's render. This module loads no chart code: a synth that finds its render
 * skips loading cdk8s altogether.
 */
import * as path from 'path';
import { CACHE_DIR, contentKey, faithfulJson, identity, keepEntry, readEntry, readJson } from '../platform/cache';
import { Inputs, hashInputs } from '../platform/inputs';
import { SCRIPTS_DIR } from '../platform/paths';
import { withReadLog } from '../platform/reads';
import type { EnvironmentRender, RenderEnvironment, Rendered } from './synth';
import type { ParseConfig } from './config';
import type { EnvironmentConfig } from '../environment';
import type { Manifest } from '../validation/schema';

/** Renders kept at most: each is a few MB, and a new key comes with every edit. */
const KEPT = 8;

/** A render as the text kept for it. */
export function renderText(r: Rendered): string {
  return JSON.stringify({ files: [...r.files], folders: [...r.folders], inputs: r.inputs });
}

/** The render a text holds. */
export function renderOf(text: string): Rendered {
  const { files, folders, inputs } = JSON.parse(text) as {
    files: Array<[string, string]>;
    folders: Array<[string, Manifest[]]>;
    inputs: Inputs;
  };
  if (!Array.isArray(files) || files.length === 0 || !Array.isArray(folders)) throw new Error('not a render');
  return { files: new Map(files), folders: new Map(folders), inputs };
}

export interface RenderMemo {
  /** The kept render of these exact inputs, if there is one. */
  readonly found?: Rendered;
  /** Runs `render` (which reads the config folder) and keeps its result if it read exactly the hashed bytes. */
  render(render: () => Rendered): Rendered;
  /**
   * Each environment's part of a render: the one kept for the same code, the same environment
   * config (its value, as loaded) and the same embedded scripts, or rendered and kept, so that an
   * edit of one environment's file renders that environment only.
   */
  readonly environment: RenderEnvironment;
  /**
   * An environment file's config: the one kept for the same code, file name and text, or parsed
   * and checked by `parse` and kept (a file that fails is never kept), so that an edit of one file
   * parses that file only.
   */
  config(file: string, text: string, parse: ParseConfig): EnvironmentConfig;
}

/** Environment configs kept at most. */
const KEPT_CONFIGS = 16;

/** Environment renders kept at most (three environments, a few edits back). */
const KEPT_ENVIRONMENTS = 12;

/**
 * The memo of `configDir`'s render by the code keyed `code` (see codeKey in platform/cache.ts),
 * under `cacheDir`.
 */
export function renderMemo(
  configDir: string,
  code: string,
  cacheDir = path.join(CACHE_DIR, 'renders'),
  scriptsDir = SCRIPTS_DIR,
): RenderMemo {
  const config = hashInputs(configDir);
  const scripts = hashInputs(scriptsDir);
  const name = `${contentKey([code, String(renderText), String(renderOf), JSON.stringify([config, scripts])])}.json`;
  const text = readEntry(cacheDir, name);
  let found: Rendered | undefined;
  try {
    found = text === undefined ? undefined : { ...renderOf(text), inputs: config };
  } catch {
    found = undefined;
  }
  const environments = path.join(cacheDir, 'environments');
  const files = (inputs: Inputs): Array<[string, string]> =>
    Object.entries(inputs)
      .filter(([f]) => !f.endsWith('/'))
      .map(([f, sha]) => [path.resolve(f), sha]);
  const hashedScripts = new Map(files(scripts));
  const configs = path.join(cacheDir, 'configs');
  return {
    found,
    config(file, text, parse) {
      const entry = `${contentKey([code, file, text])}.json`;
      const kept = readJson(configs, entry);
      if (kept !== undefined) return kept as EnvironmentConfig;
      const parsed = parse(file, text);
      const json = faithfulJson(parsed);
      if (json !== undefined) keepEntry(configs, entry, json, KEPT_CONFIGS);
      return parsed;
    },
    environment(env, render) {
      const value = identity(env);
      if (value === undefined) return render();
      const entry = `${contentKey([code, value, JSON.stringify(scripts)])}.json`;
      const kept = environmentOf(readJson(environments, entry));
      if (kept) return kept;
      const { result, reads } = withReadLog(render);
      // Only the embedded scripts are read while an environment renders, each as hashed; and JSON
      // must give the render back exactly.
      const text = faithfulJson(result);
      if (text !== undefined && [...reads].every(([f, sha]) => hashedScripts.get(f) === sha)) {
        keepEntry(environments, entry, text, KEPT_ENVIRONMENTS);
      }
      return result;
    },
    render(render) {
      const { result, reads } = withReadLog(render);
      // Every file hashed that a render reads (each *.yaml of the config folder, each script it
      // embeds) must have been read, and with the hashed bytes; the folders unchanged since.
      const hashed = new Map([...files(config), ...files(scripts)]);
      const expected = [...hashed.keys()].filter(
        (f) => f.endsWith('.yaml') && path.dirname(f) === path.resolve(configDir),
      );
      const exact =
        [...reads].every(([f, sha]) => hashed.get(f) === sha) &&
        expected.every((f) => reads.has(f)) &&
        JSON.stringify([hashInputs(configDir), hashInputs(scriptsDir)]) === JSON.stringify([config, scripts]);
      if (exact) keepEntry(cacheDir, name, renderText(result), KEPT);
      return result;
    },
  };
}

/** The environment render a kept value is, if it is one. */
function environmentOf(value: unknown): EnvironmentRender | undefined {
  const v = value as Partial<EnvironmentRender> | undefined;
  return [v?.manifests, v?.files, v?.healthChecks].every(Array.isArray) ? (v as EnvironmentRender) : undefined;
}
