import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkDist } from '../../scripts/check-dist';
import { writeTree } from '../../lib/platform/tree';
import { CONFIG_DIR, rendered } from '../helpers';

let dist: string;
let lines: string[];
beforeEach(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-dist-'));
  writeTree(dist, rendered().files);
  lines = [];
});
afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));

const check = () => checkDist(CONFIG_DIR, dist, (l) => lines.push(l));

test('no drift: exit 0', () => {
  expect(check()).toBe(0);
  expect(lines.join('\n')).toContain('matches a fresh synth');
});

test('a changed, a missing and a stale file are each named; exit 1', () => {
  fs.appendFileSync(path.join(dist, 'prod', 'service-redis.yaml'), '# edited by hand\n');
  fs.rmSync(path.join(dist, 'prod', 'SUMMARY.md'));
  fs.writeFileSync(path.join(dist, 'prod', 'secret-leftover.yaml'), 'x');
  expect(check()).toBe(1);
  const text = lines.join('\n');
  expect(text).toContain(`missing from ${dist}/: prod/SUMMARY.md`);
  expect(text).toContain(`not produced by synth: ${dist}/prod/secret-leftover.yaml`);
  expect(text).toContain(`differs: ${dist}/prod/service-redis.yaml`);
});
