/**
 * A small persistent memo for the synth's pure, repeated work (YAML text of an object, the schema
 * verdict on an object, a parsed config file), kept in node_modules/.cache/easyflow/. Entries are
 * keyed by a hash of their input and the whole store by a fingerprint of the code and data that
 * produce them, so an edit to any source, schema or CRD starts an empty store. Outside
 * scripts/ts-run.js (tests, tsx) there is no code fingerprint and nothing is memoized. The store's
 * folder (EASYFLOW_CACHE_DIR) and the code fingerprint (EASYFLOW_CODE_VERSION) come from ts-run.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Size and modification time of every file in `dirs`: cheap change detection for data files. */
export function filesFingerprint(dirs: readonly string[]): string {
  const parts: string[] = [];
  for (const dir of dirs) {
    for (const name of fs.readdirSync(dir).sort()) {
      const s = fs.statSync(path.join(dir, name));
      parts.push(`${dir}/${name}:${s.size}:${s.mtimeMs}`);
    }
  }
  return sha1(parts.join('\n'));
}

export class Memo<T> {
  private entries: Record<string, T> = {};
  private dirty = false;
  private readonly file?: string;
  private readonly version?: string;

  /** `name` names the store; `fingerprint` covers whatever else its entries depend on. */
  constructor(name: string, fingerprint = '') {
    const code = process.env.EASYFLOW_CODE_VERSION;
    const dir = process.env.EASYFLOW_CACHE_DIR;
    // EASYFLOW_MEMO=off measures (or debugs) a synth that recomputes everything.
    if (!code || !dir || process.env.EASYFLOW_MEMO === 'off') return;
    this.file = path.join(dir, `memo-${name}.json`);
    this.version = sha1(`${code}\n${fingerprint}`);
    try {
      const stored = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { version: string; entries: Record<string, T> };
      if (stored.version === this.version) this.entries = stored.entries;
    } catch {
      // No store yet, or an unreadable one: start empty.
    }
  }

  /** The value for `input`, computing and remembering it when it is not known yet. */
  public get(input: string, compute: () => T): T {
    if (!this.file) return compute();
    const key = sha1(input);
    if (key in this.entries) return this.entries[key]!;
    const value = compute();
    this.entries[key] = value;
    this.dirty = true;
    return value;
  }

  /** Writes the store if anything was added (atomically: concurrent runs never see half a file). */
  public flush(): void {
    if (!this.file || !this.dirty) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: this.version, entries: this.entries }));
    fs.renameSync(tmp, this.file);
    this.dirty = false;
  }
}
