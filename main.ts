import * as fs from 'fs';
import { runSynth } from './lib/pipeline/synth';
import { LockTimeout } from './lib/platform/lock';
import { PublishError, isFsError, repairPublish, waitingLine } from './lib/platform/tree';

const outdir = process.env.CDK8S_OUTDIR ?? '.cdk8s.out';
// The cdk8s CLI sets this variable for the app it runs; its validation plugin then takes the output.
const cli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const log = (line: string): void => console.error(line);

/**
 * Every synth passes here before anything can fail: a publish a killed synth left half-done is
 * repaired first, so a synth that then fails (bad config, an app crash, a policy violation) still
 * leaves dist/ whole, and says it restored it.
 */
async function synth(): Promise<number> {
  let restored = false;
  try {
    const notes = await repairPublish('dist', (ms, holder) => log(waitingLine('dist', ms, holder)));
    notes.forEach(log);
    restored = notes.length > 0;
    return runSynth({ configDir: 'config', outdir, cli, log, restored });
  } catch (e) {
    if (!(e instanceof PublishError || e instanceof LockTimeout || isFsError(e))) throw e;
    const dist = restored ? 'dist/ was restored (see above), nothing else changed' : 'dist/ was not changed';
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
