/** Files of a synth on disk: writing, reading, and replacing a folder as a whole. */
import * as fs from 'fs';
import * as path from 'path';
import { withLock } from './lock';

/** Files that are not Kubernetes objects and are never validated as such. */
export const KUSTOMIZATION = 'kustomization.yaml';
export const SUMMARY = 'SUMMARY.md';

/** Writes `files` under `dir`, replacing what was there. */
export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
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
 * Finishes or undoes a publish of `target` that was killed part-way, so `target` is again exactly
 * the old or exactly the new tree: a left-over `.previous` is the old tree, put back if `target` is
 * missing (killed between the two renames) and deleted otherwise; a left-over `.staging` is deleted.
 * Call it holding the publish lock.
 */
export function recoverPublish(target: string): void {
  const { staging, previous } = publishFolders(target);
  if (fs.existsSync(previous)) {
    if (fs.existsSync(target)) fs.rmSync(previous, { recursive: true, force: true });
    else fs.renameSync(previous, target);
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

/** Runs `fn` holding the lock every publish of `target` takes. */
export function withPublishLock<T>(target: string, fn: () => T, onWait?: () => void): Promise<T> {
  return withLock(`publish ${path.resolve(target)}`, fn, { onWait });
}

/**
 * Replaces the folder `target` with exactly `files`. Call it holding the publish lock. A crash at
 * any instant leaves the old tree, the new tree, or (killed between the two renames, a window of
 * microseconds) `.previous` beside a missing `target`, which recoverPublish puts back.
 */
export function publishTree(files: ReadonlyMap<string, string>, target: string): void {
  const { staging, previous } = publishFolders(target);
  recoverPublish(target);
  writeTree(staging, files);
  if (fs.existsSync(target)) fs.renameSync(target, previous);
  fs.renameSync(staging, target);
  fs.rmSync(previous, { recursive: true, force: true });
}
