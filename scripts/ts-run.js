/**
 * Runs (or loads) a TypeScript entry point with no compile step. Every run bundles the entry with
 * the project files it imports (esbuild, in memory, ~0.1 s; packages in node_modules are left to
 * Node's require) and runs that bundle: there is no cache on disk, so what runs is always the code
 * as it is at this moment, whatever was edited, copied or restored, and however. Types are not
 * checked here: `npm test` runs `tsc --noEmit`.
 *
 * CLI:     node scripts/ts-run.js main.ts  (an entry that exports main(argv) has it called)
 * Library: require('./scripts/ts-run').load('lib/validation/plugin.ts')
 */
const Module = require('module');
const path = require('path');

const ROOT = path.join(__dirname, '..');

/** Bundles `entry` (relative to the project root) and returns its exports. */
function load(entry) {
  const file = path.join(ROOT, entry);
  const result = require('esbuild').buildSync({
    entryPoints: [file],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    packages: 'external',
    // The bundle has no file of its own: lib/platform/paths.ts reads the project root from this.
    define: { 'process.env.EASYFLOW_ROOT': JSON.stringify(ROOT) },
  });
  // What runs, for lib/platform/cache.ts's codeKey(): work reused across runs is keyed by it.
  const bundles = (globalThis[Symbol.for('easyflow.bundles')] ??= {});
  bundles[file] = result.outputFiles[0].text;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(result.outputFiles[0].text, file);
  mod.loaded = true;
  return mod.exports;
}

module.exports = { load };

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
