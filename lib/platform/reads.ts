/**
 * What a render read at run time, by content: config files and embedded scripts pass their bytes
 * here as they are read, so that work kept for reuse can be shown to come from exactly the bytes
 * its key was computed from (a file changed and changed back while a render ran cannot go unseen).
 */
import { createHash } from 'crypto';
import * as path from 'path';

let log: Map<string, string> | undefined;

/** Notes that `file` was read with content `text` (kept only inside withReadLog). */
export function noteRead(file: string, text: string): void {
  log?.set(path.resolve(file), createHash('sha256').update(text).digest('hex'));
}

/** Runs `fn` and returns what it read: absolute path -> sha256 of the bytes it got. */
export function withReadLog<T>(fn: () => T): { result: T; reads: ReadonlyMap<string, string> } {
  const outer = log;
  const reads = new Map<string, string>();
  log = reads;
  try {
    return { result: fn(), reads };
  } finally {
    log = outer;
  }
}
