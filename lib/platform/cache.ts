/**
 * Reuse of earlier work, keyed by content. A key is the sha256 of every byte the work depends on
 * (input files, the package.json of each package that shapes the result, the source of the code
 * that produced it), never a time stamp or a size: an entry found under a key is exactly what
 * the work would produce again. Entries live under node_modules/.cache/easyflow/ (never in dist/
 * or git), are written whole (a temporary file renamed into place, so a killed or concurrent run
 * never leaves half an entry) and sealed (their first line is the sha256 of the rest, checked on
 * every read), and are never updated: a changed input is a new key.
 */
import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import { ROOT } from './paths';

/** Where entries live unless a caller names another folder (the tests do). */
export const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'easyflow');

/** sha256 of `parts`, each length-prefixed so that no two different lists hash alike. */
export function contentKey(parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest('hex');
}

/**
 * An injective text of a JSON-like value (strings, numbers including -0, NaN and the infinities,
 * booleans, null, undefined, arrays and plain objects), or undefined for anything else, which is
 * then never reused.
 */
export function identity(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      if (typeof original === 'object' && original !== null) {
        // Plain: an array, or an object whose prototype is Object.prototype of any realm (Jest runs
        // modules in contexts of their own) or none.
        const proto = Object.getPrototypeOf(original) as object | null;
        if (!Array.isArray(original) && proto !== null && Object.getPrototypeOf(proto) !== null) {
          throw new Error('not plain');
        }
      }
      switch (typeof v) {
        case 'string':
          return `s${v}`;
        case 'number':
          return `n${Object.is(v, -0) ? '-0' : String(v)}`;
        case 'undefined':
          return 'u';
        case 'boolean':
        case 'object':
          return v;
        default:
          throw new Error(`not JSON: ${typeof v}`);
      }
    });
  } catch {
    return undefined;
  }
}

/** The package.json of package `name` as Node finds it from the folder `from`, if installed. */
function packageJsonOf(name: string, from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The package.json bytes of `name` as Node finds it from `from`, and of its dependencies
 * (optional ones included), recursively: a changed version of any of them changes the key, and
 * so does one installed or removed.
 */
export function packageManifests(name: string, from: string = ROOT, seen = new Set<string>()): string[] {
  const file = packageJsonOf(name, from);
  if (file === undefined) return [`${name}: not installed`];
  if (seen.has(file)) return [];
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  const manifest = JSON.parse(text) as { dependencies?: object; optionalDependencies?: object };
  const dependencies = [
    ...new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]),
  ].sort();
  return [text, ...dependencies.flatMap((d) => packageManifests(d, path.dirname(file), seen))];
}

/**
 * Environment variables code may read while it renders or judges: cdk8s's own (`CDK8S_DISABLE_SORT`
 * orders keys, `CDK8S_LEGACY_HASH` names objects) but the output folder the CLI names, and the
 * locale, which `localeCompare` sorts by.
 */
const RUN_SETTINGS = /^(CDK8S_(?!OUTDIR$|CHECK_UPGRADE$|RECORD_CONSTRUCT_METADATA$)|LANG$|LANGUAGE$|LC_)/;

/**
 * What the running process adds to any code's behaviour: Node.js's versions (V8, ICU, tz data among
 * them) and the settings in the environment that change what code does (RUN_SETTINGS).
 */
export function runtimeKeyParts(): string[] {
  return [
    JSON.stringify(process.versions),
    JSON.stringify(
      Object.entries(process.env)
        .filter(([name]) => RUN_SETTINGS.test(name))
        .sort(),
    ),
  ];
}

/** Where scripts/ts-run.js leaves the text of each bundle it ran, by the entry's absolute path. */
export const BUNDLES = Symbol.for('easyflow.bundles');

/** The text of each bundle scripts/ts-run.js ran in this process, by the entry's absolute path. */
export function bundles(): Record<string, string> {
  return ((globalThis as { [BUNDLES]?: Record<string, string> })[BUNDLES] ??= {});
}

/** The package a `require()` names (`ajv/dist/x` -> `ajv`, `@scope/p/x` -> `@scope/p`), or undefined for Node's own. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The key of the code running from `entry` (an absolute path) when scripts/ts-run.js bundled it:
 * the sha256 of the bundle's text, which is every line of the project's code it runs (the bundle
 * is what runs, so an edit made after it was built cannot slip in), of the package.json of every
 * package it requires and of theirs, recursively, and of runtimeKeyParts(). Undefined for code
 * not run from a bundle (Jest): nothing is then reused. Packages are looked up from `from`.
 */
export function codeKey(entry: string, from: string = ROOT): string | undefined {
  const text = bundles()[entry];
  if (text === undefined) return undefined;
  const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => packageOf(m[1]!));
  const packages = [...new Set(required.filter((p): p is string => p !== undefined))].sort();
  return contentKey([...runtimeKeyParts(), text, ...packages.flatMap((p) => [p, ...packageManifests(p, from)])]);
}

/** The first line of every entry: the sha256 of the rest, checked on every read. */
const SEAL = '// sha256:';

const sealOf = (text: string): string => `${SEAL}${createHash('sha256').update(text).digest('hex')}\n`;

/**
 * The entry `name` under `dir`, or undefined when there is none yet, or none that can be trusted:
 * unreadable (a folder where an entry should be, no permission) or not what was written (its seal,
 * the sha256 of its text, does not match: a damaged disk, a hand edit), so the work is redone.
 */
export function readEntry(dir: string, name: string): string | undefined {
  let stored: string;
  try {
    stored = fs.readFileSync(path.join(dir, name), 'utf8');
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string') return undefined;
    throw e;
  }
  const text = stored.slice(stored.indexOf('\n') + 1);
  return stored.startsWith(sealOf(text)) ? text : undefined;
}

/** The JSON value of the entry `name` under `dir`, or undefined when there is none to trust or parse. */
export function readJson(dir: string, name: string): unknown {
  const text = readEntry(dir, name);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** `value` as JSON, when JSON gives it back exactly (no NaN, infinity, -0 or undefined lost). */
export function faithfulJson(value: unknown): string | undefined {
  const text = JSON.stringify(value);
  return text !== undefined && identity(JSON.parse(text)) === identity(value) ? text : undefined;
}

/** A table of values by key, kept as one entry: what was found, and what this run used. */
export interface KeptTable<T> {
  /** The value kept under `key` by an earlier run, if it is one. */
  get(key: string): T | undefined;
  /** Records `value` as used by this run; keep() writes every value recorded, and only those. */
  set(key: string, value: T): void;
  /** Writes the table for the next run (the newest `kept` tables of `dir` stay). */
  keep(): void;
}

/**
 * A table of texts the code of package `name` makes (its package.json and its dependencies', with
 * Node.js's version, in the table's name), under `dir`: the newest two tables stay.
 */
export function packageTexts(dir: string, name: string): KeptTable<string> {
  const table = `${contentKey([process.version, ...packageManifests(name), String(identity)])}.json`;
  return keptTable(dir, table, (v): v is string => typeof v === 'string', 2);
}

/**
 * `make(value)`, or what `table` kept for the same value (by an injective text of it, after
 * `prefix`); either way recorded as used. A value with no such text (not plain JSON-like data) is
 * made every time.
 */
export function byIdentity<V, T>(table: KeptTable<T>, prefix: readonly string[], value: V, make: (v: V) => T): T {
  const id = identity(value);
  if (id === undefined) return make(value);
  const key = contentKey([...prefix, id]);
  const made = table.get(key) ?? make(value);
  table.set(key, made);
  return made;
}

/** The table `name` under `dir`; a value `isValue` refuses is no value. */
export function keptTable<T>(dir: string, name: string, isValue: (v: unknown) => v is T, kept: number): KeptTable<T> {
  const stored = readJson(dir, name);
  const known = new Map<string, T>();
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
    for (const [key, value] of Object.entries(stored)) if (isValue(value)) known.set(key, value);
  }
  const used = new Map<string, T>();
  return {
    get: (key) => known.get(key),
    set: (key, value) => void used.set(key, value),
    keep: () => keepEntry(dir, name, JSON.stringify(Object.fromEntries(used)), kept),
  };
}

/** Writes the entry `name` under `dir` whole: a reader sees either no entry or all of it. */
export function writeEntry(dir: string, name: string, text: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const temporary = path.join(dir, `.${name}.${process.pid}.${randomUUID()}.tmp`);
  fs.writeFileSync(temporary, sealOf(text) + text);
  fs.renameSync(temporary, path.join(dir, name));
}

/**
 * Writes the entry `name` under `dir` and removes all but the `kept` newest others (by time of
 * writing: which entries stay decides only what can be found, never what an entry holds). Reuse
 * is an optimization: a cache that cannot be written (full disk, read-only node_modules) is left
 * as it is, and the work is simply done again next time.
 */
export function keepEntry(dir: string, name: string, text: string, kept: number): void {
  try {
    writeEntry(dir, name, text);
    const others = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== name && !e.name.startsWith('.'))
      .map((e) => e.name)
      .map((n) => ({ n, t: fs.statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t);
    for (const { n } of others.slice(kept - 1)) fs.rmSync(path.join(dir, n), { force: true });
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
  }
}

/** The entry `name` under `dir`; on a miss, `make`'s result, stored for the next caller. */
export function cachedEntry(dir: string, name: string, make: () => string): string {
  const found = readEntry(dir, name);
  if (found !== undefined) return found;
  const made = make();
  try {
    writeEntry(dir, name, made);
  } catch (e) {
    // A cache that cannot be written only costs the next run the same work.
    if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
  }
  return made;
}

/**
 * The exports of a generated CommonJS module (an entry), run with Node's `require` and
 * `bindings` as its free variables (the values generated code refers to by name).
 */
export function runModule(code: string, bindings: Readonly<Record<string, unknown>> = {}): unknown {
  const module = { exports: {} };
  const names = Object.keys(bindings);
  new Function('require', 'module', 'exports', ...names, code)(
    require,
    module,
    module.exports,
    ...names.map((n) => bindings[n]),
  );
  return module.exports;
}
