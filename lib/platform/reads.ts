/**
 * What a render read at run time, by content: config files and embedded scripts pass their bytes
 * here as they are read, so that work kept for reuse can be shown to come from exactly the bytes
 * its key was computed from (a file changed and changed back while a render ran cannot go unseen).
 */
import { createHash } from 'crypto';
import * as path from 'path';

let log: Map<string, string> | undefined;

/** What the log says of a file read twice with different contents: no hash is ever equal to it. */
export const READ_CHANGED = 'read with different contents';

function note(into: Map<string, string>, file: string, sha: string): void {
  const before = into.get(file);
  into.set(file, before === undefined || before === sha ? sha : READ_CHANGED);
}

/** Notes that `file` was read with content `text` (kept only inside withReadLog). */
export function noteRead(file: string, text: string): void {
  if (log) note(log, path.resolve(file), createHash('sha256').update(text).digest('hex'));
}

/**
 * Runs `fn` and returns what it read: absolute path -> sha256 of the bytes it got (READ_CHANGED for
 * a file it read twice and got different bytes). An enclosing withReadLog sees these reads too.
 */
export function withReadLog<T>(fn: () => T): { result: T; reads: ReadonlyMap<string, string> } {
  const outer = log;
  const reads = new Map<string, string>();
  log = reads;
  try {
    return { result: fn(), reads };
  } finally {
    log = outer;
    if (outer) for (const [file, sha] of reads) note(outer, file, sha);
  }
}
