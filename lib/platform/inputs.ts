/**
 * What a render read from config/, as content hashes, so that a publish can refuse a render whose
 * config changed since it was read (an older render must never overwrite a newer one). The inputs
 * are the folder's listing (hidden files aside: editors' and set-image's scratch files) and the
 * bytes of each file in it. Code is not an input here: see README, "What a synth does".
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Path (as the render named it) -> sha256 of its bytes; the folder itself -> sha256 of its listing. */
export type Inputs = Readonly<Record<string, string>>;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The current hashes of the config folder `dir`. A FIFO or socket is hashed by its kind, never read. */
export function hashInputs(dir: string): Inputs {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return { [`${dir}/`]: 'missing' };
  }
  const out: Record<string, string> = { [`${dir}/`]: sha256(names.sort().join('\0')) };
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      out[file] = fs.statSync(file).isFile() ? sha256(fs.readFileSync(file)) : 'not a file';
    } catch {
      out[file] = 'missing';
    }
  }
  return out;
}

/** The inputs of `recorded` that are not what they were, by path (a folder ends in `/`). */
export function changedInputs(recorded: Inputs): string[] {
  const dirs = Object.keys(recorded).filter((p) => p.endsWith('/'));
  const now: Record<string, string> = Object.assign({}, ...dirs.map((d) => hashInputs(d.slice(0, -1))));
  return [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((p) => recorded[p] !== now[p]).sort();
}

/**
 * Runs `render`, which reads the config folder `dir`, and returns its result with the inputs it
 * read: the folder is hashed before and after, and a change in between (an edit, set-image) is an
 * InputsChanged, since what the render read can then not be known.
 */
export function withInputs<T>(dir: string, render: () => T): { result: T; inputs: Inputs } {
  const inputs = hashInputs(dir);
  const result = render();
  const changed = changedInputs(inputs);
  if (changed.length > 0) throw new InputsChanged(changed);
  return { result, inputs };
}

/** Config files that changed while a synth ran. */
export class InputsChanged extends Error {
  constructor(public readonly paths: readonly string[]) {
    super(`${paths.join(', ')} changed while this synth ran`);
  }
}
