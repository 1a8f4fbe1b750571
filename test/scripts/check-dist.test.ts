import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkDist, publishedFor } from '../../scripts/check-dist';
import { writeTree } from '../../lib/platform/tree';
import { CONFIG_DIR, renderConfig as render, rendered } from '../helpers';

// The comparison is what these tests are about, so the committed config's render is the kept one;
// `npm run check:dist` renders afresh, and the integration tests run it.

let dist: string;
let lines: string[];
beforeEach(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-dist-'));
  writeTree(dist, rendered().files);
  lines = [];
});
afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));

const check = () => checkDist(CONFIG_DIR, dist, (l) => lines.push(l), render);

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

describe('publishedFor: whether one environment folder holds its output (a killed release asks it)', () => {
  let config: string;
  beforeEach(() => {
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-config-'));
    fs.cpSync(CONFIG_DIR, config, { recursive: true });
  });
  afterEach(() => fs.rmSync(config, { recursive: true, force: true }));
  const env = [...rendered().folders.keys()].find((f) => !f.startsWith('gitops'))!;

  test('yes, even when something else changed since (here a GitOps file)', () => {
    const files = new Map(rendered().files);
    const gitops = [...files.keys()].find((f) => f.startsWith('gitops/'))!;
    files.set(gitops, `${files.get(gitops)!}# edited\n`);
    const edited = () => ({ ...rendered(), files });
    expect(checkDist(config, dist, () => undefined, edited)).toBe(1);
    expect(publishedFor(config, dist, env, edited)).toBe(true);
  });

  test("no, when the environment's folder differs or its config no longer renders", () => {
    fs.appendFileSync(path.join(dist, env, 'SUMMARY.md'), 'x');
    expect(publishedFor(config, dist, env, rendered)).toBe(false);
    fs.writeFileSync(path.join(config, `${env}.yaml`), 'namespace: [');
    expect(publishedFor(config, dist, env, render)).toBe(false);
  });
});
