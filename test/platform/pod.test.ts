/**
 * Rules every pod follows, walked over every pod there is: each environment's objects, both
 * fixtures (the minimal one with migrations and S3 on, so the Job and the upload container are
 * there too) and the restore Job. A pod spec built without lib/platform/pod.ts fails here.
 */
import { dump, load } from 'js-yaml';
import type { Manifest } from '../../lib/validation/schema';
import { PostgresBackup } from '../../lib/workloads/postgres-backup';
import { PostgresRestore } from '../../lib/workloads/postgres-restore';
import { everything } from '../contract/flows';
import { ENVIRONMENTS, fixture, manifestsOf } from '../helpers';
import { SMALL, basics, scratch } from '../charts';
import { environmentCached } from '../render-cache';

function fixtureObjects(name: string, change: (config: any) => void = () => undefined): Manifest[] {
  const config: any = load(fixture(`${name}.yaml`));
  change(config);
  return environmentCached(`config/${name}.yaml`, dump(config));
}

/** The restore Job (`npm run restore`, never in dist/), built on its own. */
function restoreObjects(): Manifest[] {
  const { chart, synth } = scratch();
  const { postgres } = basics(chart);
  const backup = new PostgresBackup(chart, 'backup', {
    postgres,
    storage: { size: '1Gi' },
    resources: SMALL,
    instance: 'i',
  });
  new PostgresRestore(chart, 'restore', {
    postgres,
    backup,
    archive: 'easyflow_20261127T020000Z.sql.gz',
    resources: SMALL,
    instance: 'i',
  });
  return synth();
}

/** Every pod template as `source: Kind/name` and its spec. */
const SOURCES: Array<[string, readonly Manifest[]]> = [
  ...ENVIRONMENTS.map((env): [string, readonly Manifest[]] => [env, manifestsOf(env)]),
  ['test/fixtures/minimal.yaml with everything on', fixtureObjects('minimal', everything)],
  ['test/fixtures/prod.yaml', fixtureObjects('prod')],
  ['npm run restore', restoreObjects()],
];
const PODS: Array<[string, any]> = SOURCES.flatMap(([source, objects]) =>
  objects.flatMap((m: any): Array<[string, any]> => {
    const template = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec?.template;
    return template?.spec ? [[`${source}: ${m.kind}/${m.metadata.name}`, template.spec]] : [];
  }),
);

test('the walk finds every kind of pod: Deployments, a StatefulSet, the CronJob, the migration and restore Jobs', () => {
  const kinds = new Set(PODS.map(([at]) => at.split(': ')[1]!.split('/')[0]));
  expect([...kinds].sort()).toEqual(['CronJob', 'Deployment', 'Job', 'StatefulSet']);
  for (const job of ['Job/easyflow-migrate-', 'Job/postgres-restore-']) {
    expect(PODS.map(([at]) => at).filter((at) => at.includes(job))).not.toEqual([]);
  }
});

test.each(PODS)('%s: no service links, no API token', (_at, spec) => {
  expect({
    enableServiceLinks: spec.enableServiceLinks,
    automountServiceAccountToken: spec.automountServiceAccountToken,
  }).toEqual({
    enableServiceLinks: false,
    automountServiceAccountToken: false,
  });
});
