/**
 * Runs (or loads) a TypeScript entry point with no compile step. The entry is bundled with the
 * project files it imports (esbuild, in memory, ~0.1 s; packages in node_modules are left to
 * Node's require) and that bundle runs. Bundles are kept under node_modules/.cache/easyflow/bundles/,
 * each named by the sha256 of every byte it was made from: the Node.js version, the project root,
 * the entry, this file's source (the bundling code and its options), esbuild's package.json, every
 * file esbuild read, the names in every folder from the root down to each of those files (a new
 * file can change what an import resolves to) and the package.json, tsconfig.json and jsconfig.json
 * in those folders. The list of files read is taken from the entry's last bundle, but the key is
 * always computed from their bytes as they are now; a run whose key names a bundle runs it without
 * loading esbuild, so what runs is always the code as it is at this moment, whatever was edited,
 * copied or restored, and however. A bundle is stored only when none of its inputs changed since
 * just before it was made (by their status-change time, which no tool sets back: an edit made
 * meanwhile is not stored, even one undone before the bundle was hashed) and, when the last bundle's
 * inputs were known, they hashed the same before and after bundling; written whole (a temporary file renamed
 * into place) and checked against its own sha256 when read; only the newest 16 are kept. A cache
 * that cannot be read or written is bundled around, never an error. Types are not checked here:
 * `npm test` runs `npm run typecheck`.
 *
 * CLI:     node scripts/ts-run.js main.ts  (an entry that exports main(argv) has it called)
 * Library: require('./scripts/ts-run').load('lib/validation/plugin.ts')
 */
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'easyflow', 'bundles');
/** The files esbuild reads as settings in each folder on the way to a file it resolves. */
const SETTINGS = ['package.json', 'tsconfig.json', 'jsconfig.json'];

/** sha256 of the sha256 of each of `parts`, so that no two different lists hash alike. */
function sha256(parts) {
  const hash = crypto.createHash('sha256');
  for (const part of parts) hash.update(crypto.createHash('sha256').update(part).digest());
  return hash.digest('hex');
}

/** What a key of `inputs` reads: every folder from the root down to each input, and the files. */
function keyed(inputs) {
  const folders = new Set(['.']);
  for (const input of inputs) {
    for (let dir = path.dirname(input); !folders.has(dir); dir = path.dirname(dir)) folders.add(dir);
  }
  const listed = [...folders]
    .sort()
    .map((folder) => ({ folder, names: fs.readdirSync(path.join(ROOT, folder)).sort() }));
  const settings = listed.flatMap(({ folder, names }) =>
    SETTINGS.filter((s) => names.includes(s)).map((s) => path.join(folder, s)),
  );
  return { listed, settings };
}

/** The key of a bundle of `entry` made from `inputs` (paths relative to the root, sorted). */
function bundleKey(entry, inputs) {
  const { listed, settings } = keyed(inputs);
  const parts = [process.version, ROOT, entry, fs.readFileSync(__filename)];
  parts.push(fs.readFileSync(require.resolve('esbuild/package.json')));
  for (const input of inputs) parts.push(input, fs.readFileSync(path.join(ROOT, input)));
  for (const { folder, names } of listed) parts.push(folder, JSON.stringify(names));
  for (const file of settings) parts.push(file, fs.readFileSync(path.join(ROOT, file)));
  return sha256(parts);
}

/**
 * Whether anything a key of `inputs` reads changed at or after `since` (ms since the epoch, less
 * the kernel's coarse clock tick): a file changed and changed back while esbuild read it hashes as
 * it did, but its status-change time (ctime), which no tool can set back, tells. This only ever
 * stops a bundle from being stored; it is never part of a key.
 */
function changedSince(inputs, since) {
  const { listed, settings } = keyed(inputs);
  // Not the root folder: every synth changes it (the CLI empties .cdk8s.out/, the publish swaps
  // dist/), and no import names a file there (./lib/x, ./scripts/x resolve inside those folders).
  const folders = listed.map(({ folder }) => folder).filter((f) => f !== '.');
  const paths = [...inputs, ...settings, ...folders];
  return paths.some((p) => fs.statSync(path.join(ROOT, p)).ctimeMs >= since - 50);
}

/** Keeps the `kept` newest files of the cache ending in `suffix`, removing the others. */
function prune(suffix, kept) {
  const entries = fs
    .readdirSync(CACHE)
    .filter((n) => n.endsWith(suffix))
    .map((n) => ({ n, t: fs.statSync(path.join(CACHE, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of entries.slice(kept)) fs.rmSync(path.join(CACHE, n), { force: true });
}

/** Writes `text` to `file` whole: a reader sees either no file or all of it. */
function writeWhole(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Bundles `entry` (relative to the project root): its code and the files esbuild read, sorted. */
function bundle(entry) {
  const result = require('esbuild').buildSync({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    packages: 'external',
    // The bundle has no file of its own: lib/platform/paths.ts reads the project root from this.
    define: { 'process.env.EASYFLOW_ROOT': JSON.stringify(ROOT) },
  });
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs).sort() };
}

/**
 * The code of `entry`: the stored bundle its current key names, else a new bundle, stored for the
 * next run when nothing it was made from changed while bundling.
 */
function code(entry) {
  const manifest = path.join(CACHE, `${sha256([ROOT, entry])}.inputs.json`);
  const started = Date.now();
  let before;
  try {
    before = bundleKey(entry, JSON.parse(fs.readFileSync(manifest, 'utf8')));
    const stored = fs.readFileSync(path.join(CACHE, `${before}.js`), 'utf8');
    const text = stored.slice(stored.indexOf('\n') + 1);
    if (stored.startsWith(`// sha256:${sha256([text])}\n`)) return text;
  } catch {
    // No bundle of this entry yet, a file it was made from is gone, or the cache is unreadable.
  }
  const made = bundle(entry);
  try {
    const after = bundleKey(entry, made.inputs);
    if ((before === undefined || after === before) && !changedSince(made.inputs, started)) {
      writeWhole(path.join(CACHE, `${after}.js`), `// sha256:${sha256([made.code])}\n${made.code}`);
      prune('.js', 16);
    }
    writeWhole(manifest, JSON.stringify(made.inputs));
    prune('.inputs.json', 64);
  } catch {
    // A cache that cannot be written only costs the next run a bundle.
  }
  return made.code;
}

/** Runs the bundle of `entry` (relative to the project root) and returns its exports. */
function load(entry) {
  const file = path.join(ROOT, entry);
  const text = code(path.relative(ROOT, file));
  // What runs, for lib/platform/cache.ts's codeKey(): work reused across runs is keyed by it.
  const bundles = (globalThis[Symbol.for('easyflow.bundles')] ??= {});
  bundles[file] = text;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(text, file);
  mod.loaded = true;
  return mod.exports;
}

module.exports = { load, bundle };

if (require.main === module) {
  const entry = process.argv[2];
  if (!entry) {
    console.error('usage: node scripts/ts-run.js <entry.ts>');
    process.exit(2);
  }
  // An entry that exports main() is a command: it gets the arguments after its own name.
  const exported = load(entry);
  if (typeof exported.main === 'function') exported.main(process.argv.slice(3));
}
