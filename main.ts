import * as fs from 'fs';
import * as path from 'path';
import { recoverInterrupted } from './lib/pipeline/release';
import { renderMemo } from './lib/pipeline/render-memo';
import { runWith } from './lib/pipeline/run';
import type { Rendered } from './lib/pipeline/synth';
import { codeKey } from './lib/platform/cache';
import { ancestors } from './lib/platform/handoff';
import { LockTimeout } from './lib/platform/lock';
import { ROOT } from './lib/platform/paths';
import { untilOthersRanTheirApp } from './lib/platform/synths';
import { PublishError, isFsError, writeInto } from './lib/platform/tree';

const outdir = process.env.CDK8S_OUTDIR ?? '.cdk8s.out';
// The cdk8s CLI sets this variable for the app it runs; its validation plugin then takes the output.
const cli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const log = (line: string): void => console.error(line);

/* eslint-disable @typescript-eslint/no-require-imports -- an import would load them on start-up */
/** What renders: cdk8s and the charts, most of a synth's time, loaded only when a render is needed. */
const charts = (): typeof import('./lib/pipeline/synth') &
  typeof import('./lib/pipeline/yaml-memo') &
  typeof import('./lib/pipeline/config') => ({
  ...require('./lib/pipeline/synth'),
  ...require('./lib/pipeline/yaml-memo'),
  ...require('./lib/pipeline/config'),
});
/** What judges a release a killed set-image left (it renders and validates), loaded only then. */
const checks = (): typeof import('./scripts/check-dist') => require('./scripts/check-dist');
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Every synth passes here before anything can fail: a publish a killed synth left half-done is
 * repaired first, and a release a killed set-image left is finished or undone, so a synth that then
 * fails (bad config, an app crash, a policy violation) still leaves dist/ whole, and says so.
 */
async function synth(): Promise<number> {
  let restored = false;
  try {
    restored = await recoverInterrupted({
      configDir: 'config',
      dist: 'dist',
      published: (environment) => checks().publishedFor('config', 'dist', environment),
      log,
    });
    let written: ReadonlyMap<string, string> | undefined;
    const code = runWith({
      configDir: 'config',
      outdir,
      cli,
      log,
      restored,
      render: renderer('config'),
      wrote: (w) => (written = w),
    });
    if (written) await keepForTheCli(written);
    return code;
  } catch (e) {
    if (!(e instanceof PublishError || e instanceof LockTimeout || isFsError(e))) throw e;
    const dist = restored ? 'dist/ was repaired (see above), nothing else changed' : 'dist/ was not changed';
    log(`synth failed: ${e.message}${isFsError(e) ? `; ${dist}` : ''}`);
    return 1;
  }
}

/**
 * Writes `written` into the CLI's output folder again once every other synth of this folder that
 * had not run its app has (each emptied the shared folder first: see lib/platform/synths.ts), so
 * that this synth's CLI finds what its app wrote.
 */
async function keepForTheCli(written: ReadonlyMap<string, string>): Promise<void> {
  await untilOthersRanTheirApp(fs.realpathSync(process.cwd()), [process.pid, ...ancestors()]);
  writeInto(outdir, written);
}

/**
 * The render of `configDir`: the one an earlier synth of this same code kept for these same inputs
 * (lib/pipeline/render-memo.ts), or a new one, kept for the next synth. Only a miss loads the charts.
 */
function renderer(configDir: string): (dir: string) => Rendered {
  const code = codeKey(path.join(ROOT, 'main.ts'));
  const memo = code === undefined ? undefined : renderMemo(configDir, code);
  const found = memo?.found;
  if (found) return () => found;
  const { renderProject, yamlMemo, parseConfig } = charts();
  if (!memo) return renderProject;
  return (dir) => {
    const yaml = yamlMemo();
    const rendered = memo.render(() =>
      renderProject(dir, {
        toYaml: yaml.stringify,
        environment: memo.environment,
        parse: (file, text) => memo.config(file, text, parseConfig),
      }),
    );
    yaml.keep();
    return rendered;
  };
}

void synth().then((code) => {
  if (code !== 0 && cli) {
    // The message is printed. The CLI answers a failed app with a stack trace of its own, but an app
    // that exits without creating the output folder with `ERROR: synthesis failed` and exit code 1.
    fs.rmSync(outdir, { recursive: true, force: true });
    process.exitCode = 0;
  } else {
    process.exitCode = code;
  }
});
