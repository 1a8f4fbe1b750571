/** The wiring between files that no compiler checks: cdk8s.yaml, the plugin, the CI workflow. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { ROOT } from './helpers';

const yaml = (file: string): any => load(fs.readFileSync(path.join(ROOT, file), 'utf8'));

test('cdk8s.yaml: the plugin validates the CLI output folder and publishes dist/', () => {
  const config = yaml('cdk8s.yaml');
  expect(config.validations).toEqual([
    {
      package: './plugins/easyflow-validation',
      version: '1.0.0',
      class: 'EasyflowValidation',
      properties: { outdir: config.output, publishTo: 'dist' },
    },
  ]);
  expect(config.output).not.toBe('dist');
  const imports: string[] = config.imports.map((i: string) => i.split(':=')[1]);
  for (const file of imports) expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
});

test('the plugin entry point loads the TypeScript plugin class in plain node, as the CLI does', () => {
  const out = execFileSync(
    process.execPath,
    ['-e', "console.log(typeof require('./plugins/easyflow-validation').EasyflowValidation)"],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(out.trim()).toBe('function');
});

test('the pull-request workflow installs, lints, typechecks, tests and checks dist/', () => {
  const steps: string[] = yaml('.github/workflows/ci.yml').jobs.test.steps.map((s: any) => s.run ?? s.uses);
  expect(yaml('.github/workflows/ci.yml').on).toHaveProperty('pull_request');
  for (const command of [
    'npm ci',
    'npm run lint',
    'npm run typecheck',
    'npx jest',
    'npm run test:integration',
    'npm run check:dist',
  ]) {
    expect(steps).toContain(command);
  }
});

test('the promotion workflow goes through set-image and a pull request', () => {
  const steps: string[] = yaml('.github/workflows/promote.yml').jobs['set-image'].steps.map(
    (s: any) => s.run ?? s.uses,
  );
  expect(steps.some((s) => s.startsWith('npm run set-image -- '))).toBe(true);
  expect(steps.some((s) => s.startsWith('peter-evans/create-pull-request'))).toBe(true);
});
