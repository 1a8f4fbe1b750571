/**
 * The app's render, reused when nothing it depends on changed. A render is a function of the code
 * that runs (codeKey: the bundle's text, the packages it requires, the Node.js version), the config
 * folder and the embedded scripts: the key is the sha256 of all of them, taken before the render.
 * A render is kept only when what it read, file by file (platform/reads.ts), is exactly what the
 * key was computed from, so a file changed while it ran (even changed back) is never kept. This
 * module loads no chart code: a synth that finds its render skips loading cdk8s altogether.
 */
import * as path from 'path';
import { CACHE_DIR, contentKey, keepEntry, readEntry } from '../platform/cache';
import { Inputs, hashInputs } from '../platform/inputs';
import { SCRIPTS_DIR } from '../platform/paths';
import { withReadLog } from '../platform/reads';
import type { Rendered } from './synth';
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
  return { files: new Map(files), folders: new Map(folders), inputs };
}

export interface RenderMemo {
  /** The kept render of these exact inputs, if there is one. */
  readonly found?: Rendered;
  /** Runs `render` (which reads the config folder) and keeps its result if it read exactly the hashed bytes. */
  render(render: () => Rendered): Rendered;
}

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
  return {
    found,
    render(render) {
      const { result, reads } = withReadLog(render);
      // Every file hashed that a render reads (each *.yaml of the config folder, each script it
      // embeds) must have been read, and with the hashed bytes; the folders unchanged since.
      const hashed = new Map(
        [...Object.entries(config), ...Object.entries(scripts)]
          .filter(([f]) => !f.endsWith('/'))
          .map(([f, sha]) => [path.resolve(f), sha]),
      );
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
