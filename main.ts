import * as fs from 'fs';
import { runSynth } from './lib/pipeline/synth';

const outdir = process.env.CDK8S_OUTDIR ?? '.cdk8s.out';
// The cdk8s CLI sets this variable for the app it runs; its validation plugin then takes the output.
const cli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const code = runSynth({ configDir: 'config', outdir, cli, log: (line) => console.error(line) });
if (code !== 0 && cli) {
  // The message is printed. The CLI answers a failed app with a stack trace of its own, but an app
  // that exits without creating the output folder with `ERROR: synthesis failed` and exit code 1.
  fs.rmSync(outdir, { recursive: true, force: true });
  process.exitCode = 0;
} else {
  process.exitCode = code;
}
