/**
 * How the app hands its output to the validation plugin of the same `cdk8s synth`. The CLI empties
 * its output folder at the start of every synth, so a second synth started meanwhile can delete or
 * rewrite the files the first one's plugin is about to check. The app therefore also writes all of
 * its files as one record (atomically: a temporary file renamed into place), naming the processes
 * above it; the plugin runs inside the CLI process and takes the record that names its own process
 * and was written after that process started (a process id can be reused, a start time cannot).
 * It validates and publishes exactly those bytes, so no other synth can change them underneath it.
 */
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './paths';

/** Where the records wait for their plugin (never committed). */
export const HANDOFF_DIR = path.join(ROOT, 'node_modules', '.cache', 'easyflow-handoff');

export interface Handoff {
  /** The folder the app wrote (CDK8S_OUTDIR), absolute. */
  readonly outdir: string;
  /** What the app wrote there, by path relative to it. */
  readonly written: Readonly<Record<string, string>>;
  /** The dist/ tree, by path relative to it. */
  readonly files: Readonly<Record<string, string>>;
  /** The processes above the app, parent first: the CLI runs it through a shell, or a wrapper. */
  readonly ancestors: readonly number[];
  /** When the record was written (ms since the epoch). */
  readonly time: number;
  /** What the app read: hashes of its config, checked again under the publish lock. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The app restored dist/ from a publish a killed synth left half-done. */
  readonly restored: boolean;
}

/** A record nobody took within this long belongs to a synth that is over (--no-validate, a crash). */
const STALE_MS = 3600_000;

/** The parent of process `pid` as /proc says (Linux); throws when /proc cannot tell. */
export function procParent(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function parentOf(pid: number): number | undefined {
  try {
    return procParent(pid);
  } catch {
    try {
      return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim()) || undefined;
    } catch {
      return undefined;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function records(dir: string): Array<{ file: string; handoff?: Handoff }> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((n) => {
    const file = path.join(dir, n);
    try {
      return { file, handoff: JSON.parse(fs.readFileSync(file, 'utf8')) as Handoff };
    } catch {
      return { file };
    }
  });
}

/** The processes above this one, parent first (at most 16). */
export function ancestors(): number[] {
  const out = [process.ppid];
  for (let pid = parentOf(process.ppid); pid !== undefined && pid > 1 && out.length < 16; pid = parentOf(pid)) {
    out.push(pid);
  }
  return out;
}

/** Records the app's output for its CLI's plugin; drops records of synths that are over. */
export function writeHandoff(
  outdir: string,
  written: ReadonlyMap<string, string>,
  files: ReadonlyMap<string, string>,
  about: Pick<Handoff, 'inputs' | 'restored'>,
  dir = HANDOFF_DIR,
): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const r of records(dir)) {
    const over = !r.handoff || !r.handoff.ancestors.some(alive) || Date.now() - r.handoff.time > STALE_MS;
    if (over) fs.rmSync(r.file, { force: true });
  }
  const handoff: Handoff = {
    outdir: path.resolve(outdir),
    written: Object.fromEntries(written),
    files: Object.fromEntries(files),
    ancestors: ancestors(),
    time: Date.now(),
    ...about,
  };
  const id = randomUUID();
  const tmp = path.join(dir, `${id}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(handoff));
  fs.renameSync(tmp, path.join(dir, `${id}.json`));
}

/** Removes and returns the record the app run by process `cli` (started at `since`) left, if any. */
export function takeHandoff(cli: number, since: number, dir = HANDOFF_DIR): Handoff | undefined {
  const mine = records(dir).filter((r) => r.handoff?.ancestors.includes(cli) && r.handoff.time >= since);
  for (const r of mine) fs.rmSync(r.file, { force: true });
  return mine.length === 1 ? mine[0]!.handoff : undefined;
}
