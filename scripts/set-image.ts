/**
 * `npm run set-image -- <env> <tag>[@sha256:<digest>]`: sets `image.tag` (and `image.digest`) in
 * config/<env>.yaml and re-synthesizes. Only those values change (comments, order and layout stay),
 * an invalid tag or digest or a config that would no longer validate is refused before anything is
 * written, and a failed synth puts the old file back. Ctrl-C (SIGINT), SIGTERM or a closed terminal
 * (SIGHUP) does not stop it half-way: it finishes the step it is in, and when the synth did not
 * succeed it keeps the new tag only if dist/ already holds it (a synth interrupted after its publish),
 * so config/ and dist/ always agree when it exits. A SIGKILL cannot be deferred: the release is
 * written down first (lib/pipeline/release.ts), and the next set-image, synth or check:dist finishes
 * or undoes it.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Scalar, isMap, isScalar, parseDocument } from 'yaml';
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
import { digestProblem, tagProblem } from '../lib/platform/image';
import { LockTimeout, describeHolder } from '../lib/platform/lock';
import { PublishError, isFsError, repairPublish, withPublishLock } from '../lib/platform/tree';
import { publishedFor } from './check-dist';

/** `<tag>` or `<tag>@sha256:<64 hex>`, as `npm run set-image` takes a release. */
function parseRelease(release: string): { tag: string; digest?: string } {
  const at = release.indexOf('@');
  const tag = at === -1 ? release : release.slice(0, at);
  const digest = at === -1 ? undefined : release.slice(at + 1);
  const problem = tagProblem(tag) ?? (digest === undefined ? undefined : digestProblem(digest));
  if (problem) throw new ConfigError([`set-image: "${release}" cannot be deployed: ${problem}`]);
  return { tag, digest };
}

/** A key of `image:` as written: where its line starts, its value's range and quote, its indentation. */
interface Written {
  readonly lineStart: number;
  readonly value: Scalar;
  readonly range: readonly [number, number];
  readonly indent: string;
}

function written(file: string, text: string, key: string): Written | undefined {
  const image = parseDocument(text).get('image', true);
  const pair =
    isMap(image) && !image.flow ? image.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
  if (pair === undefined) return undefined;
  const at = (pair.key as Scalar).range?.[0];
  if (!isScalar(pair.value) || !pair.value.range || at === undefined) {
    throw new ConfigError([`${file}: image.${key} is not a plain value`]);
  }
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const [start, end] = pair.value.range;
  return { lineStart, value: pair.value, range: [start, end], indent: text.slice(lineStart, at) };
}

/**
 * The config text with `image.tag` replaced by the release's tag and `image.digest` set to its digest
 * (added under the tag when missing), or removed when the release has none: a digest left from the
 * previous release would pull that build under the new tag. Everything else stays byte for byte.
 */
export function withImageTag(file: string, text: string, release: string): string {
  const { tag, digest } = parseRelease(release);
  const tagAt = written(file, text, 'tag');
  if (tagAt === undefined)
    throw new ConfigError([`${file}: image.tag is missing, or image is not a block mapping (one key per line)`]);
  const digestAt = written(file, text, 'digest');
  const quoted = (w: Written, value: string): string => {
    const quote = w.value.type === Scalar.QUOTE_DOUBLE ? '"' : "'";
    return `${quote}${value}${quote}`;
  };
  const nextLine = (at: number): number => {
    const newline = text.indexOf('\n', at);
    return newline === -1 ? text.length : newline + 1;
  };
  const edits: Array<[number, number, string]> = [[tagAt.range[0], tagAt.range[1], quoted(tagAt, tag)]];
  if (digestAt && digest !== undefined) edits.push([digestAt.range[0], digestAt.range[1], quoted(digestAt, digest)]);
  if (digestAt && digest === undefined) edits.push([digestAt.lineStart, nextLine(digestAt.range[1]), '']);
  if (!digestAt && digest !== undefined) {
    const at = nextLine(tagAt.range[1]);
    const newline = text.slice(0, at).endsWith('\n') ? '' : '\n';
    edits.push([at, at, `${newline}${tagAt.indent}digest: '${digest}'\n`]);
  }
  const updated = edits
    .sort((x, y) => y[0] - x[0])
    .reduce((t, [start, end, replacement]) => `${t.slice(0, start)}${replacement}${t.slice(end)}`, text);
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
  /** Whether dist/<environment>/ holds exactly the output of the config now on disk (asked after a failed synth). */
  readonly published: (environment: string) => boolean;
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
        // A synth killed between its two renames leaves dist/ missing: put the last tree back first.
        if (code !== 0) (await repairPublish(o.dist)).forEach(o.log);
        const restored =
          code !== 0 &&
          (await withPublishLock(o.dist, () => {
            if (o.published(o.environment)) return false;
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
    console.error('usage: npm run set-image -- <env> <tag>[@sha256:<digest>]');
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
    published: (env) => publishedFor('config', 'dist', env),
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
