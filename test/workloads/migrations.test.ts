import { parseConfig } from '../../lib/pipeline/config';
import { DatabaseMigrations, DatabaseMigrationsProps } from '../../lib/workloads/migrations';
import { synthEnvironment } from '../../lib/pipeline/synth';
import { checkPolicy } from '../../lib/validation/policy';
import { Manifest, SchemaValidator } from '../../lib/validation/schema';
import { allOf, find, fixture, manifestsOf } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

const PROD = fixture('prod.yaml');
const withMigrations = (tag: string) =>
  parseConfig(
    'config/prod.yaml',
    `${PROD.replace("tag: '1.0.0'", `tag: '${tag}'`)}\nmigrations:\n  command: [alembic, upgrade, head]\n`,
  );

test('off unless config gives a command', () => {
  expect(allOf(manifestsOf('prod'), 'Job')).toEqual([]);
});

describe('with a command', () => {
  const chart = synthEnvironment(withMigrations('1.4.2'));
  const manifests = chart.toJson() as Manifest[];
  const job = allOf(manifests, 'Job')[0];

  test('an Argo CD Sync hook whose name carries the release, waiting for the database first', () => {
    expect(job.metadata.name).toMatch(/^easyflow-migrate-1-4-2-[0-9a-f]{8}$/);
    const [wait] = job.spec.template.spec.initContainers;
    expect(wait.image).toBe(find(manifests, 'Cluster', 'postgres').spec.imageName);
    expect(wait.command[2]).toBe('until pg_isready -q -h postgres-rw -p 5432 -d easyflow; do sleep 2; done');
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
  });

  test('runs the command in the app image with the app settings and only the secrets it needs', () => {
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['alembic', 'upgrade', 'head']);
    expect(c.image).toBe('ghcr.io/easyflow/easyflow:1.4.2');
    const app = find(manifests, 'Deployment', 'easyflow-app').spec.template.spec.containers[0];
    expect(c.envFrom).toEqual(app.envFrom);
    const names = (env: any[]) => env.map((e) => e.name);
    expect(names(c.env)).toEqual(names(app.env).filter((n) => !['OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN'].includes(n)));
    expect(job.spec.template.spec.securityContext).toEqual(
      find(manifests, 'Deployment', 'easyflow-app').spec.template.spec.securityContext,
    );
  });

  test('a new release is a new Job, so Flux runs it once per release', () => {
    const other = allOf(synthEnvironment(withMigrations('1.4.3')).toJson() as Manifest[], 'Job')[0];
    expect(other.metadata.name).not.toBe(job.metadata.name);
    expect(chart.healthChecks).toContainEqual({ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name });
  });

  test('may reach only PostgreSQL, and PostgreSQL lets it in', () => {
    expect(find(manifests, 'NetworkPolicy', 'allow-easyflow-migrate').spec.egress).toEqual([
      {
        to: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['postgres'] }] } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
    expect(
      find(manifests, 'NetworkPolicy', 'allow-postgres').spec.ingress[0].from[0].podSelector.matchExpressions[0].values,
    ).toContain('easyflow-migrate');
  });

  test('passes the schema and the policy', () => {
    // The schema check of the objects a command adds or changes (the policy's reads them all).
    const added = manifests.filter((m) => m.kind === 'Job' || m.kind === 'NetworkPolicy');
    expect(new SchemaValidator().validate(added)).toEqual([]);
    expect(checkPolicy(manifests)).toEqual([]);
  });
});

test('all props and a bad command', () => {
  const { chart, synth } = scratch();
  const props: Required<DatabaseMigrationsProps> = {
    runtime: basics(chart).runtime,
    command: ['python', '-m', 'app.migrate'],
    resources: SMALL,
    instance: 'i',
    activeDeadlineSeconds: 120,
  };
  const m = new DatabaseMigrations(chart, 'm', props);
  expect(find(synth(), 'Job', m.jobName).spec.activeDeadlineSeconds).toBe(120);
  expect(() => new DatabaseMigrations(chart, 'bad', { ...props, command: [] })).toThrow(
    'test/bad: command must be a non-empty list of non-empty strings, got []',
  );
});
