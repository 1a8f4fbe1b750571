import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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

test.each(['dist/prod/restore.yaml', 'dist', './dist/x.yaml', 'dist/new/folder/x.yaml'])(
  '--out %s is refused: dist/ is only for synth',
  (out) => {
    expect(outProblem(ROOT, out)).toBe(
      `restore: --out ${out} is inside dist/ (links resolved), which only cdk8s synth writes; write it elsewhere`,
    );
  },
);

test.each([
  ['config/dev.yaml', 'config'],
  ['lib/x.yaml', 'lib'],
  ['test/x.yaml', 'test'],
])('--out %s is refused: a tracked folder', (out, folder) => {
  expect(outProblem(ROOT, out)).toBe(
    `restore: --out ${out} is inside ${folder}/ (links resolved), a tracked folder of this project; write it elsewhere`,
  );
});

describe('through a symbolic link', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-restore-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test.each([
    ['dist', 'into-dist/prod/x.yaml', 'dist'],
    ['config', 'into-config/x.yaml', 'config'],
    ['config/gitops.yaml', 'into-config', 'config'],
  ])('a link to %s is followed and refused (%s)', (to, out, folder) => {
    const link = path.join(tmp, out.split('/')[0]!);
    fs.symlinkSync(path.join(ROOT, to), link);
    expect(outProblem(ROOT, path.join(tmp, out))).toContain(`is inside ${folder}/ (links resolved)`);
  });
});

test.each(['restore.yaml', '/tmp/restore.yaml', 'distribution/x.yaml'])('--out %s is fine', (out) => {
  expect(outProblem(ROOT, out)).toBeUndefined();
});
