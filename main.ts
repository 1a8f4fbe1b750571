import * as fs from 'fs';
import { recoverInterrupted } from './lib/pipeline/release';
import { runSynth } from './lib/pipeline/synth';
import { LockTimeout } from './lib/platform/lock';
import { PublishError, isFsError } from './lib/platform/tree';
import { publishedFor } from './scripts/check-dist';

const outdir = process.env.CDK8S_OUTDIR ?? '.cdk8s.out';
// The cdk8s CLI sets this variable for the app it runs; its validation plugin then takes the output.
const cli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const log = (line: string): void => console.error(line);

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
      published: (environment) => publishedFor('config', 'dist', environment),
      log,
    });
    return runSynth({ configDir: 'config', outdir, cli, log, restored });
  } catch (e) {
    if (!(e instanceof PublishError || e instanceof LockTimeout || isFsError(e))) throw e;
    const dist = restored ? 'dist/ was repaired (see above), nothing else changed' : 'dist/ was not changed';
    log(`synth failed: ${e.message}${isFsError(e) ? `; ${dist}` : ''}`);
    return 1;
  }
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
