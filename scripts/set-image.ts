/**
 * `npm run set-image -- <env> <tag>`: sets `image.tag` in config/<env>.yaml and re-synthesizes.
 * Only the tag's characters change (comments, order and layout stay), an invalid tag or a config
 * that would no longer validate is refused before anything is written, and a failed synth puts
 * the old file back. Ctrl-C (SIGINT), SIGTERM or a closed terminal (SIGHUP) does not stop it
 * half-way: it finishes the step it is in, and when the synth did not succeed it keeps the new tag
 * only if dist/ already holds it (a synth interrupted after its publish), so config/ and dist/
 * always agree when it exits. A SIGKILL cannot be deferred: the release is written down first
 * (lib/pipeline/release.ts), and the next set-image, synth or check:dist finishes or undoes it.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Scalar, isScalar, parseDocument } from 'yaml';
import { isDnsLabel } from '../lib/platform/checks';
import { ConfigError, parseConfig } from '../lib/pipeline/config';
import {
  finishRelease,
  recoverInterrupted,
  removeJournal,
  withRelease,
  writeAtomic,
  writeJournal,
} from '../lib/pipeline/release';
import { tagProblem } from '../lib/platform/image';
import { LockTimeout, describeHolder } from '../lib/platform/lock';
import { PublishError, isFsError, withPublishLock } from '../lib/platform/tree';
import { checkDist } from './check-dist';

/** The config text with `image.tag` replaced by `tag`, everything else byte for byte the same. */
export function withImageTag(file: string, text: string, tag: string): string {
  const problem = tagProblem(tag);
  if (problem) throw new ConfigError([`set-image: "${tag}" cannot be deployed: ${problem}`]);
  const node = parseDocument(text).getIn(['image', 'tag'], true);
  if (!isScalar(node) || !node.range) throw new ConfigError([`${file}: image.tag is missing or not a plain value`]);
  const [start, end] = node.range as [number, number, number];
  const quote = (node as Scalar).type === Scalar.QUOTE_DOUBLE ? '"' : "'";
  const updated = `${text.slice(0, start)}${quote}${tag}${quote}${text.slice(end)}`;
  parseConfig(file, updated);
  return updated;
}

export interface SetImageOptions {
  readonly configDir: string;
  readonly environment: string;
  readonly tag: string;
  /** The folder synth publishes: config writes take its publish lock, so no synth publishes in between. */
  readonly dist: string;
  /** Re-synthesizes; resolves to the exit code. */
  readonly synth: () => Promise<number>;
  /** Whether dist/ holds exactly the output of the config now on disk (asked after a failed synth). */
  readonly published: () => boolean;
  readonly log: (line: string) => void;
}

/** Exit code of a run stopped by SIGINT, as shells report it. */
export const INTERRUPTED = 130;

/** The signals deferred until config/ and dist/ agree: Ctrl-C, a polite kill, a closed terminal. */
const DEFERRED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `fn` with SIGINT, SIGTERM and SIGHUP deferred: `fn` learns whether one came through `interrupted()`. */
async function deferringSignals<T>(
  log: (line: string) => void,
  fn: (interrupted: () => boolean) => Promise<T>,
): Promise<T> {
  let count = 0;
  const onSignal = (): void => {
    if (count++ === 0) log('set-image: interrupted; finishing so that config/ and dist/ agree');
  };
  for (const signal of DEFERRED) process.on(signal, onSignal);
  try {
    return await fn(() => count > 0);
  } finally {
    for (const signal of DEFERRED) process.off(signal, onSignal);
  }
}

export async function setImage(o: SetImageOptions): Promise<number> {
  const file = path.join(o.configDir, `${o.environment}.yaml`);
  if (!isDnsLabel(o.environment) || !fs.existsSync(file)) {
    o.log(`set-image: no environment "${o.environment}" (expected ${file})`);
    return 1;
  }
  const recover = { configDir: o.configDir, dist: o.dist, published: o.published, log: o.log };
  await recoverInterrupted(recover);
  const onWait = (ms: number, holder: Parameters<typeof describeHolder>[0]): void =>
    o.log(`set-image: waiting for ${describeHolder(holder)} to finish its release (waited ${Math.round(ms / 1000)} s)`);
  return withRelease(
    o.configDir,
    async () => {
      // Holding the release lock: a journal now is one another set-image left when it was killed.
      await withPublishLock(o.dist, () => finishRelease(recover));
      const before = fs.readFileSync(file, 'utf8');
      let after: string;
      try {
        after = withImageTag(file, before, o.tag);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        o.log(e.message);
        return 1;
      }
      return deferringSignals(o.log, async (interrupted) => {
        if (interrupted()) return INTERRUPTED;
        writeJournal(o.configDir, { environment: o.environment, tag: o.tag, file, before, after });
        await withPublishLock(o.dist, () => writeAtomic(file, after));
        const code = await o.synth();
        const restored =
          code !== 0 &&
          (await withPublishLock(o.dist, () => {
            if (o.published()) return false;
            writeAtomic(file, before);
            return true;
          }));
        removeJournal(o.configDir);
        if (restored) {
          o.log(`set-image: the synth failed; ${file} was restored`);
          return interrupted() ? INTERRUPTED : code;
        }
        o.log(
          `set-image: ${o.environment} now deploys ${o.tag}; review it with npm run diff, then commit ${file} and dist/`,
        );
        return interrupted() ? INTERRUPTED : 0;
      });
    },
    onWait,
  );
}

/** Runs `npx cdk8s synth` and resolves to its exit code (1 when a signal ended it). */
function cdk8sSynth(): Promise<number> {
  const child = spawn(path.join('node_modules', '.bin', 'cdk8s'), ['synth'], {
    stdio: 'inherit',
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

/**
 * The command line: `node scripts/ts-run.js scripts/set-image.ts <env> <tag>` (`npm run set-image`).
 * Not under tsx: on Ctrl-C tsx gives its child 30 ms to acknowledge the signal and then SIGKILLs it,
 * which on a loaded machine killed set-image between writing the config and restoring it.
 */
export function main(argv: readonly string[]): void {
  const [environment, tag] = argv;
  if (environment === undefined || tag === undefined) {
    console.error('usage: npm run set-image -- <env> <tag>');
    process.exitCode = 2;
    return;
  }
  // After SIGHUP the terminal is gone and writing to it fails (EIO): the release must still finish.
  process.stderr.on('error', () => undefined);
  void setImage({
    configDir: 'config',
    dist: 'dist',
    environment,
    tag,
    log: (line) => console.error(line),
    // A publish killed between its renames leaves dist/ missing: not published, and the next
    // synth puts the old tree back, which matches the restored config.
    published: () => checkDist('config', 'dist', () => undefined) === 0,
    synth: cdk8sSynth,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // A lock held too long or a file system error: the message, and the journal (if one was
      // written) for the next command to finish the release.
      if (!(e instanceof LockTimeout || e instanceof PublishError || isFsError(e))) throw e;
      console.error(`set-image: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
