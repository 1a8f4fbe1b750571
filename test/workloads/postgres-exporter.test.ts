import { PostgresExporter, PostgresExporterProps } from '../../lib/workloads/postgres-exporter';
import type { Manifest } from '../../lib/validation/schema';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';
import { fixtureChart } from '../environment-charts';

test('minimal props: Service 9187, credentials from the secret, its own database', () => {
  const { chart, synth } = scratch();
  const { postgres } = basics(chart);
  const e = new PostgresExporter(chart, 'pe', {
    image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
    resources: SMALL,
    instance: 'i',
    postgres,
  });
  const out = synth();
  expect(find(out, 'Service', 'postgres-exporter').spec.ports).toEqual([
    { name: 'metrics', port: 9187, targetPort: 'metrics', protocol: 'TCP' },
  ]);
  const c = find(out, 'Deployment', 'postgres-exporter').spec.template.spec.containers[0];
  expect(c.env).toEqual([
    { name: 'DATA_SOURCE_URI', value: 'postgres:5432/easyflow?sslmode=disable' },
    { name: 'DATA_SOURCE_USER', value: 'postgres' },
    { name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'DATABASE_PASSWORD' } } },
  ]);
  expect(e.database).toBe(postgres);
});

test('all props: its own ServiceAccount, the instance label and the resources', () => {
  const { chart, synth } = scratch();
  const props: Required<PostgresExporterProps> = {
    image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
    resources: SMALL,
    instance: 'easyflow-test',
    postgres: basics(chart).postgres,
  };
  new PostgresExporter(chart, 'pe', props);
  const pod = find(synth(), 'Deployment', 'postgres-exporter').spec.template;
  expect(pod.metadata.labels).toMatchObject({
    app: 'postgres-exporter',
    'app.kubernetes.io/instance': 'easyflow-test',
  });
  expect(pod.spec.serviceAccountName).toBe('postgres-exporter');
  const c = pod.spec.containers[0];
  expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
});

test('TLS where the database serves it: CloudNativePG requires it, the StatefulSet has none', () => {
  const uri = (manifests: readonly Manifest[]) =>
    find(manifests, 'Deployment', 'postgres-exporter').spec.template.spec.containers[0].env[0].value;
  expect(uri(fixtureChart('prod').toJson())).toBe('postgres-rw:5432/easyflow?sslmode=require');
  expect(uri(fixtureChart('minimal').toJson())).toMatch(/\?sslmode=disable$/);
});
