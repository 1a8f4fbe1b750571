/**
 * `npm run synth [-- <cdk8s synth flags>]`: `cdk8s synth` with its flags, after refusing an output
 * folder the CLI must not have. The CLI deletes its output folder (`-o/--output <dir>`, or
 * cdk8s.yaml's `.cdk8s.out`) with everything in it before the app runs, whatever that folder is;
 * this refuses a tracked folder of the project (dist/, config/, the code), node_modules/, and the
 * project itself or a folder above it, links resolved.
 */
import { spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { SOURCE_FOLDERS, holdsProject, sourceFolderOf } from '../lib/platform/paths';

/** The value of every `-o`/`--output` in `argv` (`-o dir`, `-o=dir`, `-odir`, `--output dir`, `--output=dir`). */
export function outputsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '-o' || arg === '--output') {
      if (argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    } else if (arg.startsWith('--output=')) out.push(arg.slice('--output='.length));
    else if (/^-o./.test(arg)) out.push(arg.slice(2).replace(/^=/, ''));
  });
  return out;
}

/** Folders an output folder must not be in: the tracked ones and the installed packages. */
const KEPT = [...SOURCE_FOLDERS, 'node_modules'];

/** Why `cdk8s synth <argv>` run in the project at `root` must not run, if it must not. */
export function synthProblem(root: string, argv: readonly string[]): string | undefined {
  for (const dir of outputsOf(argv)) {
    const folder = sourceFolderOf(root, dir, KEPT);
    const what =
      folder !== undefined ? `is inside ${folder}/` : holdsProject(root, dir) ? 'holds this project' : undefined;
    if (what !== undefined) {
      return (
        `synth: --output ${dir} ${what} (links resolved), and cdk8s synth deletes its output folder with everything ` +
        'in it before the app runs; name a new or scratch folder (e.g. -o out)'
      );
    }
  }
  return undefined;
}

/** The command line: checks the flags, then runs `cdk8s synth` with them and exits with its code. */
export function main(argv: readonly string[]): void {
  const problem = synthProblem(process.cwd(), argv);
  if (problem) {
    console.error(problem);
    process.exitCode = 2;
    return;
  }
  const child = spawn(path.join('node_modules', '.bin', 'cdk8s'), ['synth', ...argv], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? os.constants.signals[signal] : 0);
  });
}
