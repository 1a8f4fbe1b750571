/** Files of a synth on disk: writing, reading, and replacing a folder as a whole. */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LockHolder, describeHolder, withLock } from './lock';
import { canonicalPath } from './paths';

/** Files that are not Kubernetes objects and are never validated as such. */
export const KUSTOMIZATION = 'kustomization.yaml';
export const SUMMARY = 'SUMMARY.md';

/** Writes `files` under `dir`, replacing what was there. */
export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  writeInto(dir, files);
}

/**
 * Writes `files` into the folder `dir`, removing nothing: for a folder others write into too (the
 * CLI's output folder, which concurrent synths share and each CLI empties itself).
 */
export function writeInto(dir: string, files: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  for (const [file, content] of files) {
    const folder = path.dirname(path.join(dir, file));
    if (!made.has(folder)) fs.mkdirSync(folder, { recursive: true });
    made.add(folder);
    fs.writeFileSync(path.join(dir, file), content);
  }
}

/**
 * Whether the folder `dir` holds exactly `files` and nothing else: the same paths, each a regular
 * file with the same bytes (anything else, a link or a FIFO, is a difference and is never opened).
 */
export function holdsExactly(dir: string, files: ReadonlyMap<string, string>): boolean {
  let seen = 0;
  const same = (d: string): boolean => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!same(p)) return false;
        continue;
      }
      const expected = files.get(path.relative(dir, p).split(path.sep).join('/'));
      if (!e.isFile() || expected === undefined || !fs.readFileSync(p).equals(Buffer.from(expected))) return false;
      seen++;
    }
    return true;
  };
  try {
    return fs.lstatSync(dir).isDirectory() && same(dir) && seen === files.size;
  } catch {
    return false;
  }
}

/** Every file under `dir`, by path relative to it (`/`-separated), sorted. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** The folders a publish of `target` works in, next to it (same file system: renames, not copies). */
export function publishFolders(target: string): { staging: string; previous: string } {
  const t = path.resolve(target);
  const base = path.join(path.dirname(t), `.${path.basename(t)}`);
  return { staging: `${base}.staging`, previous: `${base}.previous` };
}

/**
 * A publish that could not be done, or a tree that cannot be repaired: the message says why and
 * what the target folder holds now, for the user to read instead of a stack trace.
 */
export class PublishError extends Error {}

/** True for an error the file system raised (ENOSPC, EACCES, EPERM, EROFS, ...). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && 'syscall' in e;
}

/** `dist`, as a message names a folder: relative to the working folder when it is inside it. */
function shown(dir: string): string {
  const relative = path.relative('.', dir);
  return relative === '' || relative.startsWith('..') ? dir : relative;
}

/**
 * `target` must be a real folder (or missing): a publish renames it as a whole, which would replace
 * a symbolic link with a folder and leave the tree it pointed to behind, stale.
 */
function refuseLink(target: string): void {
  let link: string;
  try {
    link = fs.readlinkSync(target);
  } catch {
    return;
  }
  throw new PublishError(
    `${shown(target)} is a symbolic link (to ${link}); a synth replaces ${shown(target)}/ as a whole and does not ` +
      `follow links: make it a real folder (rm ${shown(target)} && git checkout -- ${shown(target)}); nothing was changed`,
  );
}

/**
 * Deletes `dir`; when that fails (a file that cannot be removed: permissions, `chattr +i`), moves it
 * aside so that no later publish trips over it, and says where it went.
 */
function discard(dir: string): string[] {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return [];
  } catch (e) {
    if (!isFsError(e)) throw e;
    const aside = `${dir}-stuck-${randomUUID().slice(0, 8)}`;
    try {
      fs.renameSync(dir, aside);
    } catch (again) {
      if (!isFsError(again)) throw again;
      throw new PublishError(
        `${shown(dir)}/ is left from an earlier publish and can be neither deleted (${e.message}) nor moved ` +
          `(${again.message}); fix its permissions and delete it, then run this again`,
      );
    }
    return [`${shown(dir)}/ could not be deleted (${e.message}); it was moved to ${shown(aside)}/: delete it by hand`];
  }
}

/**
 * Finishes or undoes a publish of `target` that was killed part-way, so `target` is again exactly
 * the old or exactly the new tree: a left-over `.previous` is the old tree, put back if `target` is
 * missing (killed between the two renames) and deleted otherwise; a left-over `.staging` is deleted.
 * Returns what it did, for the user (nothing when there was nothing to do). Call it holding the
 * publish lock.
 */
export function recoverPublish(target: string): string[] {
  const { staging, previous } = publishFolders(target);
  refuseLink(target);
  const notes: string[] = [];
  if (fs.existsSync(previous)) {
    if (fs.existsSync(target)) notes.push(...discard(previous));
    else {
      fs.renameSync(previous, target);
      notes.push(
        `${shown(target)}/ was restored: a synth killed while publishing had left the last published tree in ${shown(previous)}/`,
      );
    }
  }
  notes.push(...discard(staging));
  return notes;
}

/** True when a killed publish left something for recoverPublish to do. */
export function needsRecovery(target: string): boolean {
  const { staging, previous } = publishFolders(target);
  return fs.existsSync(previous) || fs.existsSync(staging);
}

/** `onWait` of a publish lock: says who holds it and how long this one has waited. */
export type PublishWait = (waitedMs: number, holder: LockHolder | undefined) => void;

/** The line a process waiting for the publish lock of `target` prints. */
export function waitingLine(target: string, waitedMs: number, holder: LockHolder | undefined): string {
  return `waiting for ${describeHolder(holder)} to finish with ${shown(path.resolve(target))}/ (waited ${Math.round(waitedMs / 1000)} s)`;
}

/** Runs `fn` holding the lock every publish of `target` takes. */
export function withPublishLock<T>(target: string, fn: () => T | Promise<T>, onWait?: PublishWait): Promise<T> {
  return withLock(`publish ${canonicalPath(target)}`, fn, { onWait });
}

/**
 * Repairs what a killed publish of `target` left, taking the publish lock only when there is
 * something to repair. Every command that reads or writes `target` calls it first, whatever it
 * goes on to do (a synth that then fails included). Returns what it did.
 */
export async function repairPublish(target: string, onWait?: PublishWait): Promise<string[]> {
  if (!needsRecovery(target)) return [];
  return withPublishLock(target, () => recoverPublish(target), onWait);
}

/**
 * Replaces the folder `target` with exactly `files`. Call it holding the publish lock. A crash at
 * any instant leaves the old tree, the new tree, or (killed between the two renames, a window of
 * microseconds) `.previous` beside a missing `target`, which recoverPublish puts back. A file
 * system error (a full disk, a file that cannot be replaced) is a PublishError saying what
 * `target` holds; returns what else the user should know.
 */
export function publishTree(files: ReadonlyMap<string, string>, target: string): string[] {
  const { staging, previous } = publishFolders(target);
  const notes = recoverPublish(target);
  // Already exactly these files (a synth of what was synthesized before): nothing to replace.
  if (holdsExactly(target, files)) return notes;
  const unchanged = `${shown(target)}/ was not changed`;
  try {
    writeTree(staging, files);
  } catch (e) {
    if (!isFsError(e)) throw e;
    discard(staging);
    throw new PublishError(`cannot write ${shown(staging)}/ (${e.message}); ${unchanged}`);
  }
  if (fs.existsSync(target)) {
    try {
      fs.renameSync(target, previous);
    } catch (e) {
      if (!isFsError(e)) throw e;
      discard(staging);
      throw new PublishError(`cannot move ${shown(target)}/ aside (${e.message}); ${unchanged}`);
    }
  }
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    if (!isFsError(e)) throw e;
    if (fs.existsSync(previous)) fs.renameSync(previous, target);
    discard(staging);
    throw new PublishError(`cannot move ${shown(staging)}/ to ${shown(target)}/ (${e.message}); ${unchanged}`);
  }
  return [...notes, ...discard(previous)];
}
