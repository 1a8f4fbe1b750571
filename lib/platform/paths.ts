import * as fs from 'fs';
import * as path from 'path';

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
  return fs.readFileSync(path.join(SCRIPTS_DIR, name), 'utf8');
}
