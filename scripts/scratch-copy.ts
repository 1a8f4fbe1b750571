import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/**
 * A scratch copy of the project (its tracked files and new ones git does not ignore, with
 * node_modules linked), for running the real CLI without touching this checkout's dist/.
 * With `ownCaches`, node_modules is a folder of links to this checkout's packages but its own
 * `.cache/` (tsc, ESLint, Prettier, Jest, memo), so tests run in the copy share no cache file with
 * this checkout or another copy.
 */
export function copyProject(prefix: string, parent = os.tmpdir(), ownCaches = false): string {
  const dir = fs.mkdtempSync(path.join(parent, `${prefix}-`));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  const modules = path.join(ROOT, 'node_modules');
  if (ownCaches) {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    for (const entry of fs.readdirSync(modules).filter((e) => e !== '.cache')) {
      fs.symlinkSync(path.join(modules, entry), path.join(dir, 'node_modules', entry));
    }
  } else {
    fs.symlinkSync(modules, path.join(dir, 'node_modules'));
  }
  return dir;
}
