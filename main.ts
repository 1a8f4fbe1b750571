import { runSynth } from './lib/pipeline/synth';

process.exitCode = runSynth({
  configDir: 'config',
  outdir: process.env.CDK8S_OUTDIR ?? '.cdk8s.out',
  log: (line) => console.error(line),
});
