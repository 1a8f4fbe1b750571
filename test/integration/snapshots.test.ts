/**
 * What __snapshots__/ is for: a code change on a path no committed environment takes (here the
 * ingress-nginx edge) leaves dist/ as it was, and fails the scenario snapshots under `jest --ci`,
 * naming the object. Run in a scratch copy of the project with lib/ mutated.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyProject } from '../../scripts/scratch-copy';

let work: string;

beforeAll(() => {
  work = copyProject('easyflow-snapshots');
  const file = path.join(work, 'lib', 'workloads', 'ingress.ts');
  const text = fs.readFileSync(file, 'utf8');
  const mutated = text.replace(
    "'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true'",
    "'nginx.ingress.kubernetes.io/force-ssl-redirect': 'false'",
  );
  if (mutated === text) throw new Error('the mutation changed nothing in lib/workloads/ingress.ts');
  fs.writeFileSync(file, mutated);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const run = (command: string, ...args: string[]) =>
  spawnSync(command, args, {
    cwd: work,
    encoding: 'utf8',
    // Nothing this runner set for its own workers (the test render keys) reaches the copy's runs.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EASYFLOW_'))),
      CDK8S_CHECK_UPGRADE: 'false',
    },
  });

test('a mutation of the ingress-nginx edge leaves dist/ unchanged', () => {
  const r = run('npm', 'run', 'check:dist');
  expect({ status: r.status, output: `${r.stdout}${r.stderr}` }).toMatchObject({ status: 0 });
});

test('and fails its scenario snapshot, naming the object', () => {
  const r = run(path.join(work, 'node_modules', '.bin', 'jest'), '--ci', 'test/scenarios/edge-ingress-nginx.test.ts');
  const output = `${r.stdout}${r.stderr}`;
  expect(r.status).toBe(1);
  expect(output).toMatch(/✕ Ingress\/easyflow-ingress/);
  expect(output).toContain('-     nginx.ingress.kubernetes.io/force-ssl-redirect: "true"');
});
