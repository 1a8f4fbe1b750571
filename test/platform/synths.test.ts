import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthsWithoutApp, untilOthersRanTheirApp } from '../../lib/platform/synths';

let tmp: string;
const started: ChildProcess[] = [];

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-synths-')));
  fs.mkdirSync(path.join(tmp, 'bin'));
  // A stand-in for the CLI: `cdk8s synth`, which runs an "app" (a child) once the file `go` exists.
  fs.writeFileSync(
    path.join(tmp, 'bin', 'cdk8s'),
    `const go = require('path').join(__dirname, '..', 'go');
     const wait = setInterval(() => {
       if (!require('fs').existsSync(go)) return;
       clearInterval(wait);
       // The app ends with its CLI.
       const app = 'const p = ' + process.pid + '; setInterval(() => { try { process.kill(p, 0); } catch { process.exit(); } }, 50)';
       require('child_process').spawn(process.execPath, ['-e', app], { stdio: 'ignore' });
     }, 20);
     setInterval(() => {}, 1000);`,
  );
});
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts the stand-in CLI in `cwd`, and resolves once /proc shows it. */
async function cli(cwd: string, args = ['synth']): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(tmp, 'bin', 'cdk8s'), ...args], { cwd, stdio: 'ignore' });
  started.push(child);
  const end = Date.now() + 30_000;
  while (!fs.existsSync(`/proc/${child.pid}/cmdline`) || !fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')) {
    if (Date.now() > end) throw new Error('the stand-in CLI did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

const linux = fs.existsSync('/proc/self/stat') ? test : test.skip;

linux('a synth CLI of this folder without an app is found until it runs one; others never are', async () => {
  const waiting = await cli(tmp);
  const elsewhere = await cli(os.tmpdir());
  const other = await cli(tmp, ['import']);
  expect(synthsWithoutApp(tmp, [process.pid])).toEqual([waiting.pid]);
  expect(synthsWithoutApp(tmp, [process.pid, waiting.pid!])).toEqual([]);
  const done = untilOthersRanTheirApp(tmp, [process.pid], 60_000);
  fs.writeFileSync(path.join(tmp, 'go'), '');
  await done;
  expect(synthsWithoutApp(tmp, [process.pid])).toEqual([]);
  expect([elsewhere.pid, other.pid]).toHaveLength(2);
});

linux('a CLI that never runs its app holds nobody past the deadline', async () => {
  await cli(tmp);
  await untilOthersRanTheirApp(tmp, [process.pid], 100);
  expect(synthsWithoutApp(tmp, [process.pid])).toHaveLength(1);
});
