/**
 * Other `cdk8s synth` runs in the same folder. The CLI empties its output folder when it starts,
 * before it runs its app, and checks that folder once its app has exited: a synth starting just as
 * another's app exits empties the folder that one's CLI is about to check, and that synth then
 * fails with the CLI's "app expected to create .cdk8s.out". So an app, its output written, waits
 * until every other CLI of its folder that has not run its app yet has done so (and so has emptied
 * the folder), then writes its output again, and exits. Read from /proc (Linux); elsewhere nothing
 * is known and nothing is waited for.
 */
import * as fs from 'fs';
import { procParent } from './handoff';

/** The `cdk8s synth` CLI processes working in `cwd` that have no child (no app running), but `mine`. */
export function synthsWithoutApp(cwd: string, mine: readonly number[]): number[] {
  let pids: number[];
  try {
    pids = fs
      .readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
  const parents = new Set<number>();
  const clis: number[] = [];
  for (const pid of pids) {
    try {
      parents.add(procParent(pid));
      if (mine.includes(pid)) continue;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const cdk8s = argv.slice(0, 2).some((a) => /(^|\/)cdk8s$/.test(a));
      if (cdk8s && argv.includes('synth') && fs.readlinkSync(`/proc/${pid}/cwd`) === cwd) clis.push(pid);
    } catch {
      // A process that ended meanwhile, or one this user may not read.
    }
  }
  return clis.filter((pid) => !parents.has(pid));
}

/**
 * Resolves once no other CLI of `cwd` (but `mine`) is without an app, polling; after `deadlineMs`
 * it resolves anyway (a CLI stuck before its app must not hold this synth forever).
 */
export async function untilOthersRanTheirApp(cwd: string, mine: readonly number[], deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (synthsWithoutApp(cwd, mine).length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
}
