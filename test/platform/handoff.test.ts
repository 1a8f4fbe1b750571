import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { takeHandoff, writeHandoff } from '../../lib/platform/handoff';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-handoff-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const written = new Map([['all.k8s.yaml', 'a: 1\n']]);
const files = new Map([['prod/a.yaml', 'a: 1\n']]);
const ABOUT = { inputs: {}, restored: false };

test('the process that ran the app, directly or further up, takes its record once', () => {
  writeHandoff('out', written, files, ABOUT, dir);
  const handoff = takeHandoff(process.ppid, 0, dir)!;
  expect(handoff.outdir).toBe(path.resolve('out'));
  expect(handoff.written).toEqual({ 'all.k8s.yaml': 'a: 1\n' });
  expect(handoff.files).toEqual({ 'prod/a.yaml': 'a: 1\n' });
  expect(handoff.ancestors[0]).toBe(process.ppid);
  expect(takeHandoff(process.ppid, 0, dir)).toBeUndefined();
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('another process, or a record written before the taker started (a reused pid), is not taken', () => {
  writeHandoff('out', written, files, ABOUT, dir);
  expect(takeHandoff(1, 0, dir)).toBeUndefined();
  expect(takeHandoff(process.ppid, Date.now() + 60_000, dir)).toBeUndefined();
});

test('records of synths that are over are dropped by the next app', () => {
  fs.writeFileSync(path.join(dir, 'dead.json'), JSON.stringify({ ancestors: [2 ** 22 + 7], time: Date.now() }));
  fs.writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ ancestors: [process.pid], time: 0 }));
  fs.writeFileSync(path.join(dir, 'broken.json'), '{');
  writeHandoff('out', written, files, ABOUT, dir);
  expect(fs.readdirSync(dir)).toHaveLength(1);
});
