/**
 * `npm run check:dist`: synthesizes into a temporary folder, validates, and compares with the
 * committed dist/. Prints each file that differs and exits non-zero on drift, so CI (and the
 * reviewer) knows dist/ is exactly what the code and config produce.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../lib/pipeline/config';
import { renderProject } from '../lib/pipeline/synth';
import type { RunOptions } from '../lib/pipeline/run';
import { recoverInterrupted } from '../lib/pipeline/release';
import { LockTimeout } from '../lib/platform/lock';
import { PublishError, isFsError, readTree, writeTree } from '../lib/platform/tree';
import { formatViolations, validateFolders } from '../lib/validation/validate';

/**
 * 0 when `distDir` holds exactly what `configDir` renders, valid; else 1, each difference logged.
 * `render` renders afresh; the unit tests give it the committed config's kept render.
 */
export function checkDist(
  configDir: string,
  distDir: string,
  log: (line: string) => void,
  render: RunOptions['render'] = renderProject,
): number {
  let rendered;
  try {
    rendered = render(configDir);
  } catch (e) {
    if (e instanceof ConfigError) {
      log(`check:dist: invalid configuration\n${e.message}`);
      return 1;
    }
    throw e;
  }
  const violations = validateFolders(rendered.folders);
  if (violations.size > 0) {
    log(`check:dist: the synthesized manifests are invalid\n${formatViolations(violations)}`);
    return 1;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-check-dist-'));
  try {
    writeTree(tmp, rendered.files);
    const fresh = readTree(tmp);
    const committed = readTree(distDir);
    const drift = [
      ...[...fresh.keys()].filter((f) => !committed.has(f)).map((f) => `missing from ${distDir}/: ${f}`),
      ...[...committed.keys()].filter((f) => !fresh.has(f)).map((f) => `not produced by synth: ${distDir}/${f}`),
      ...[...fresh]
        .filter(([f, c]) => committed.has(f) && committed.get(f) !== c)
        .map(([f]) => `differs: ${distDir}/${f}`),
    ];
    if (drift.length > 0) {
      log(
        `check:dist: ${distDir}/ does not match a fresh synth; run npx cdk8s synth and commit the result\n${drift.join('\n')}`,
      );
      return 1;
    }
    log(`check:dist: ${distDir}/ matches a fresh synth (${fresh.size} files)`);
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Whether `distDir/<environment>/` holds exactly what the config now in `configDir` renders for that
 * environment (the other environments, edited meanwhile or not, do not matter). Anything that stops
 * the render (a config error, a config changing while it is read) is a no.
 */
export function publishedFor(
  configDir: string,
  distDir: string,
  environment: string,
  render: RunOptions['render'] = renderProject,
): boolean {
  try {
    const prefix = `${environment}/`;
    const fresh = [...render(configDir).files].filter(([f]) => f.startsWith(prefix));
    const committed = readTree(path.join(distDir, environment));
    return fresh.length === committed.size && fresh.every(([f, c]) => committed.get(f.slice(prefix.length)) === c);
  } catch {
    return false;
  }
}

/** The command line (`npm run check:dist`): exits 0 when dist/ matches a fresh synth, 1 when not. */
export function main(): void {
  const log = (line: string): void => console.error(line);
  // A killed synth or set-image left something half-done: finish or undo it first, and say so.
  void recoverInterrupted({
    configDir: 'config',
    dist: 'dist',
    published: (environment) => publishedFor('config', 'dist', environment),
    log,
  })
    .then(() => {
      process.exitCode = checkDist('config', 'dist', log);
    })
    .catch((e: unknown) => {
      if (!(e instanceof PublishError || e instanceof LockTimeout || isFsError(e))) throw e;
      log(`check:dist: ${e.message}`);
      process.exitCode = 1;
    });
}
