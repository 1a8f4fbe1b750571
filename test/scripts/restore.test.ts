import * as fs from 'fs';
import { load, loadAll } from 'js-yaml';
import { outProblem, restoreManifests, toYaml } from '../../scripts/restore';
import { CONFIG_DIR, ROOT } from '../helpers';

const ARCHIVE = 'easyflow_20261127T020000Z.sql.gz';

test('the output is one YAML stream of the checked objects, in the environment namespace', () => {
  const manifests = restoreManifests(CONFIG_DIR, 'staging', ARCHIVE);
  const docs = loadAll(toYaml(manifests)) as any[];
  expect(docs).toEqual(manifests);
  const namespace = (load(fs.readFileSync(`${CONFIG_DIR}/staging.yaml`, 'utf8')) as any).namespace;
  expect(docs.every((d) => d.metadata.namespace === namespace)).toBe(true);
});

test('an unknown environment or an archive the backup never wrote is refused with the reason', () => {
  expect(() => restoreManifests(CONFIG_DIR, 'nope', ARCHIVE)).toThrow(
    `restore: no environment "nope" (expected ${CONFIG_DIR}/nope.yaml)`,
  );
  expect(() => restoreManifests(CONFIG_DIR, 'prod', 'dump.sql')).toThrow(
    'restore/restore: archive "dump.sql" is not an archive of the nightly backup',
  );
});

test.each(['dist/prod/restore.yaml', 'dist', './dist/x.yaml'])(
  '--out %s is refused: dist/ is only for synth',
  (out) => {
    expect(outProblem(ROOT, out)).toBe(
      `restore: --out ${out} is inside dist/, which only cdk8s synth writes; write it elsewhere`,
    );
  },
);

test.each(['restore.yaml', '/tmp/restore.yaml', 'distribution/x.yaml'])('--out %s is fine', (out) => {
  expect(outProblem(ROOT, out)).toBeUndefined();
});
