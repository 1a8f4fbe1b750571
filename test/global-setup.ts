/**
 * Runs once before the test files: gives lib/platform/memo.ts a fingerprint of every source, schema and
 * config file, so repeated runs reuse verdicts on objects they have already validated (any edit
 * changes the fingerprint and starts afresh), and renders the committed config once for all files.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const INPUTS = ['main.ts', 'package-lock.json', 'lib', 'config', 'imports', 'schemas', 'crds'];

function stamps(entry: string, out: string[]): void {
  const full = path.join(ROOT, entry);
  const s = fs.statSync(full);
  if (s.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) stamps(path.join(entry, name), out);
  } else {
    out.push(`${entry}:${s.size}:${s.mtimeMs}`);
  }
}

export default function globalSetup(): void {
  const list: string[] = [];
  for (const entry of INPUTS) stamps(entry, list);
  const version = createHash('sha1').update(list.join('\n')).digest('hex');
  process.env.EASYFLOW_CODE_VERSION = version;
  process.env.EASYFLOW_CACHE_DIR = path.join(
    ROOT,
    'node_modules',
    '.cache',
    'easyflow-jest',
    createHash('sha1').update(ROOT).digest('hex').slice(0, 12),
  );
}
