/**
 * Runs (or loads) a TypeScript entry point with no compile step and no TypeScript loader in the
 * hot path. The first run bundles the entry with everything it imports (esbuild) into
 * node_modules/.cache/easyflow/; later runs reuse the bundle while none of its recorded inputs
 * changed size or modification time, so an edit to any .ts file takes effect on the next run.
 * The bundle is compiled through vm.Script with a V8 code cache beside it, which saves most of the
 * time Node otherwise spends parsing cdk8s and the generated CRD bindings on every synth.
 * Types are not checked here: `npm test` runs `tsc --noEmit`.
 *
 * CLI:     node scripts/ts-run.js main.ts
 * Library: require('./scripts/ts-run').load('lib/validation/plugin.ts')
 */
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.join(__dirname, '..');
// One folder per checkout: copies of the project that share node_modules never thrash each other.
const CACHE = path.join(
  ROOT,
  'node_modules',
  '.cache',
  'easyflow',
  require('crypto').createHash('sha1').update(ROOT).digest('hex').slice(0, 12),
);

function stamp(file) {
  const s = fs.statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

/** True when the bundle recorded in `manifestFile` still matches every input it was built from. */
function upToDate(manifestFile) {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    return Object.entries(manifest.inputs).every(([file, want]) => stamp(path.join(ROOT, file)) === want);
  } catch {
    return false;
  }
}

/** Writes atomically, so a concurrent run never reads half a file. */
function writeAtomic(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** The path of an up-to-date bundle of `entry` (relative to the project root). */
function bundle(entry) {
  const name = entry.replace(/[^A-Za-z0-9]+/g, '_');
  const outfile = path.join(CACHE, `${name}.js`);
  const manifestFile = path.join(CACHE, `${name}.json`);
  if (fs.existsSync(outfile) && upToDate(manifestFile)) return outfile;

  const esbuild = require('esbuild');
  fs.mkdirSync(CACHE, { recursive: true });
  const result = esbuild.buildSync({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    metafile: true,
    write: false,
    logLevel: 'silent',
    external: ['esbuild'],
    // The bundle lives in the cache folder, where __dirname is useless: lib/platform/paths.ts reads this.
    define: { 'process.env.EASYFLOW_ROOT': JSON.stringify(ROOT) },
  });
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = stamp(path.join(ROOT, input));
  writeAtomic(outfile, result.outputFiles[0].text);
  fs.rmSync(`${outfile}.v8cache`, { force: true });
  writeAtomic(manifestFile, JSON.stringify({ entry, inputs }));
  return outfile;
}

/** Requires `file` like Node does, compiling it with (and refreshing) its V8 code cache. */
function requireWithCodeCache(file) {
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const localRequire = (id) => mod.require(id);
  localRequire.resolve = (request) => Module._resolveFilename(request, mod);
  localRequire.main = require.main;
  localRequire.cache = require.cache;
  script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, file, path.dirname(file));
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      writeAtomic(cacheFile, script.createCachedData());
    } catch {
      // A read-only cache only costs speed.
    }
  }
  return mod.exports;
}

/** Loads a TypeScript module through the cache and returns its exports. */
function load(entry) {
  const file = bundle(entry);
  // lib/platform/memo.ts keeps its stores next to the bundles, keyed by this: any change to the bundled
  // code starts them afresh.
  const manifest = fs.readFileSync(file.replace(/\.js$/, '.json'), 'utf8');
  process.env.EASYFLOW_CODE_VERSION = require('crypto').createHash('sha1').update(manifest).digest('hex');
  process.env.EASYFLOW_CACHE_DIR = CACHE;
  return requireWithCodeCache(file);
}

module.exports = { load, bundle };

if (require.main === module) {
  const entry = process.argv[2];
  if (!entry) {
    console.error('usage: node scripts/ts-run.js <entry.ts>');
    process.exit(2);
  }
  load(entry);
}
