/**
 * A release by set-image, written down (a journal in config/, hidden and git-ignored) before it
 * changes config/<env>.yaml and deleted once config/ and dist/ agree. A release killed in between
 * (SIGKILL, a machine that stopped) is found by the next set-image, synth or check:dist, which
 * finishes it (config/ and dist/ already agree) or rolls it back, and says which.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tryLock, withLock } from '../platform/lock';
import { canonicalPath } from '../platform/paths';
import { PublishWait, repairPublish, waitingLine, withPublishLock } from '../platform/tree';

export interface Release {
  readonly environment: string;
  readonly tag: string;
  /** The config file, as set-image named it. */
  readonly file: string;
  /** Its content before and after the release. */
  readonly before: string;
  readonly after: string;
}

/** The journal of a release in `configDir` (hidden, so no synth reads it as an environment). */
export function journalOf(configDir: string): string {
  return path.join(configDir, '.set-image.json');
}

/** Replaces `file` in one rename, so a kill never leaves half a file. The scratch file is hidden. */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function writeJournal(configDir: string, release: Release): void {
  writeAtomic(journalOf(configDir), JSON.stringify(release));
}

export function removeJournal(configDir: string): void {
  fs.rmSync(journalOf(configDir), { force: true });
}

/** Runs `fn` as the one release of `configDir` (set-image holds this lock from start to end). */
export function withRelease<T>(configDir: string, fn: () => Promise<T>, onWait?: PublishWait): Promise<T> {
  return withLock(`release ${canonicalPath(configDir)}`, fn, { onWait });
}

export interface RecoverOptions {
  readonly configDir: string;
  /** The folder synth publishes (repaired first, and locked while the release is finished). */
  readonly dist: string;
  /** Whether dist/<environment>/ holds exactly the output of the config now on disk. */
  readonly published: (environment: string) => boolean;
  readonly log: (line: string) => void;
}

/**
 * Finishes the release a killed set-image left in `configDir`, if any: keeps the new config when
 * dist/ already holds its output, puts the old one back otherwise, and leaves a config edited since
 * as it is. Call it holding the release lock and the publish lock.
 */
export function finishRelease(o: RecoverOptions): void {
  const journal = journalOf(o.configDir);
  if (!fs.existsSync(journal)) return;
  let r: Release;
  try {
    r = JSON.parse(fs.readFileSync(journal, 'utf8')) as Release;
  } catch {
    removeJournal(o.configDir);
    o.log(`set-image: removed ${journal}, which a killed set-image left unreadable`);
    return;
  }
  let now: string | undefined;
  try {
    now = fs.readFileSync(r.file, 'utf8');
  } catch {
    now = undefined;
  }
  const found = `set-image: found an interrupted release of ${r.environment} ${r.tag}`;
  if (now === r.after && o.published(r.environment)) {
    o.log(`${found}: ${r.file} and dist/ already agree, so it is complete`);
  } else if (now === r.after) {
    writeAtomic(r.file, r.before);
    o.log(
      `${found}: dist/ does not hold it, so ${r.file} was put back as it was; run npm run set-image -- ${r.environment} ${r.tag} again`,
    );
  } else if (now === r.before) {
    o.log(`${found}: it was stopped before it changed ${r.file}; nothing to undo`);
  } else {
    o.log(`${found}: ${r.file} was changed since, so it was left as it is`);
  }
  removeJournal(o.configDir);
}

/**
 * What every set-image, synth and check:dist does first: repair a publish a killed synth left
 * half-done, then finish a release a killed set-image left (unless that set-image is still
 * running). Returns true when dist/ was restored.
 */
export async function recoverInterrupted(o: RecoverOptions): Promise<boolean> {
  const onWait: PublishWait = (ms, holder) => o.log(waitingLine(o.dist, ms, holder));
  const notes = await repairPublish(o.dist, onWait);
  notes.forEach(o.log);
  if (fs.existsSync(journalOf(o.configDir))) {
    await tryLock(`release ${canonicalPath(o.configDir)}`, () =>
      withPublishLock(o.dist, () => finishRelease(o), onWait),
    );
  }
  return notes.length > 0;
}
