import { Exporter, ExporterSpec } from '../../lib/workloads/exporter';
import { find } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

const spec = (database: ExporterSpec['database']): ExporterSpec => ({
  name: 'custom-exporter',
  port: 9999,
  healthPath: '/ready',
  runAsUser: 12345,
  database,
  env: [{ name: 'TARGET', value: 'db:1' }],
});

test('any exporter: its own Deployment and Service <name>:<port>, probes on the health path, a fixed uid', () => {
  const { chart, synth } = scratch();
  const e = new Exporter(
    chart,
    'x',
    { image: 'example.com/exporter:1.0.0', resources: SMALL, instance: 'easyflow-test' },
    spec(basics(chart).redis),
  );
  expect(e).toMatchObject({ serviceName: 'custom-exporter', port: 9999, portName: 'metrics' });
  const out = synth();
  expect(find(out, 'Service', 'custom-exporter').spec.ports).toEqual([
    { name: 'metrics', port: 9999, targetPort: 'metrics', protocol: 'TCP' },
  ]);
  const pod = find(out, 'Deployment', 'custom-exporter').spec.template.spec;
  expect(pod.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 12345,
    runAsGroup: 12345,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const c = pod.containers[0];
  expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(c.env).toEqual([{ name: 'TARGET', value: 'db:1' }]);
  expect(c.livenessProbe.httpGet).toEqual({ path: '/ready', port: 'metrics' });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'metrics' });
});

test('an unpinned image is refused with the construct path', () => {
  const { chart } = scratch();
  expect(
    () =>
      new Exporter(
        chart,
        'x',
        { image: 'example.com/exporter', resources: SMALL, instance: 'i' },
        spec(basics(chart).redis),
      ),
  ).toThrow(/^test\/x: image "example.com\/exporter" is not pinned/);
});
