import * as fs from 'fs';
import * as path from 'path';
import { noteRead } from './reads';

/**
 * The project root (where schemas/, crds/ and the backup scripts live). scripts/ts-run.js bundles
 * the sources into one module, where `__dirname` would point elsewhere, so it replaces
 * `process.env.EASYFLOW_ROOT` with the root at build time; unbundled (tests, tsx) it is unset.
 * This is the only module that may use `__dirname` (a test checks).
 */
export const ROOT = process.env.EASYFLOW_ROOT ?? path.resolve(__dirname, '..', '..');

/** The backup job's shell scripts, embedded verbatim in the CronJob. */
export const SCRIPTS_DIR = path.join(ROOT, 'lib', 'workloads', 'scripts');

/** One of those scripts, verbatim, to embed in a container's command. */
export function embeddedScript(name: string): string {
  const file = path.join(SCRIPTS_DIR, name);
  const text = fs.readFileSync(file, 'utf8');
  noteRead(file, text);
  return text;
}

/**
 * The project's tracked folders: what only their own tools write (dist/: synth; config/: people and
 * set-image). A command told to write or empty a path inside one refuses (test/project.test.ts
 * checks the list against git).
 */
export const SOURCE_FOLDERS = [
  '.ci',
  '.github',
  '__snapshots__',
  'config',
  'crds',
  'dist',
  'docs',
  'imports',
  'lib',
  'plugins',
  'schemas',
  'scripts',
  'test',
] as const;

/** `p` with every symbolic link resolved, also when its last parts do not exist yet. */
export function realPath(p: string): string {
  const rest: string[] = [];
  for (let at = path.resolve(p); ; at = path.dirname(at)) {
    try {
      return path.join(fs.realpathSync(at), ...rest.reverse());
    } catch {
      if (at === path.dirname(at)) return path.resolve(p);
      rest.push(path.basename(at));
    }
  }
}

/**
 * The one name of the folder `p` however it is reached (a linked home or project folder, a relative
 * path): its parent with every link resolved, then its own name. Locks are keyed by it.
 */
export function canonicalPath(p: string): string {
  const absolute = path.resolve(p);
  return path.join(realPath(path.dirname(absolute)), path.basename(absolute));
}

/** True when `inner` is `outer` or inside it (both real paths). */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The folder of `folders` (tracked ones by default) of the project at `root` that `target` is in,
 * after resolving links (a link into dist/ is dist/), if any.
 */
export function sourceFolderOf(
  root: string,
  target: string,
  folders: readonly string[] = SOURCE_FOLDERS,
): string | undefined {
  const real = realPath(path.resolve(root, target));
  return folders.find((f) => within(real, realPath(path.join(root, f))));
}

/** True when emptying `target` would delete the project at `root`: it is the project or a folder above it. */
export function holdsProject(root: string, target: string): boolean {
  return within(realPath(root), realPath(path.resolve(root, target)));
}
