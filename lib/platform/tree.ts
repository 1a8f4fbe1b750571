/** Files of a synth on disk: writing, reading, and replacing a folder without a half-written moment. */
import * as fs from 'fs';
import * as path from 'path';

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

/** Puts the folder `source` where `target` is, in two renames; `source` is gone afterwards. */
export function swapIn(source: string, target: string): void {
  const outgoing = path.join(path.dirname(path.resolve(target)), `${path.basename(target)}.outgoing-${process.pid}`);
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, outgoing);
  fs.renameSync(source, target);
  if (hadTarget) fs.rmSync(outgoing, { recursive: true, force: true });
}
