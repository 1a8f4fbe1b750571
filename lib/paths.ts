import * as path from 'path';

/**
 * The project root (where schemas/, crds/ and lib/scripts/ live). scripts/ts-run.js bundles the
 * sources into node_modules/.cache, where `__dirname` would point elsewhere, so it replaces
 * `process.env.EASYFLOW_LIB_DIR` with this folder at build time; unbundled (tests, tsx) it is unset.
 * This is the only module that may use `__dirname` (a test checks).
 */
export const ROOT = path.resolve(process.env.EASYFLOW_LIB_DIR ?? __dirname, '..');
