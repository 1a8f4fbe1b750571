import { App, Chart } from 'cdk8s';
import { k8s } from '../../lib/platform/k8s';
import { SYNC_WAVE, applySyncWaves } from '../../lib/delivery/sync-waves';
import { UNWRITTEN_OUTDIR, manifestsOf } from '../helpers';

const wave = (kind: string, name: string): number =>
  Number(
    (manifestsOf('prod').find((m) => m.kind === kind && m.metadata.name === name)!.metadata as any).annotations[
      SYNC_WAVE
    ],
  );

test('namespace and config first, then data stores, then app and workers, then ingress and monitoring', () => {
  const order = [
    wave('Namespace', 'easyflow'),
    Math.max(
      wave('ConfigMap', 'easyflow-config'),
      wave('ExternalSecret', 'easyflow-secrets'),
      wave('NetworkPolicy', 'default-deny-all'),
    ),
    Math.max(wave('Cluster', 'postgres'), wave('StatefulSet', 'redis')),
    Math.max(
      wave('Deployment', 'easyflow-app'),
      wave('Deployment', 'celery-worker'),
      wave('Deployment', 'celery-beat'),
    ),
    Math.min(
      wave('Gateway', 'easyflow-gateway'),
      wave('HTTPRoute', 'easyflow-api'),
      wave('ServiceMonitor', 'easyflow-app'),
      wave('Deployment', 'postgres-exporter'),
    ),
  ];
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(new Set(order).size).toBe(order.length);
});

test('the last wave holds only the backup and the Gateway API edge: Argo CD waits for neither', () => {
  // The claim binds at the first backup; the Gateway is Degraded until cert-manager issues its certificate.
  const waves = manifestsOf('prod').map((m) => Number((m.metadata as any).annotations[SYNC_WAVE]));
  const last = Math.max(...waves);
  expect(wave('PersistentVolumeClaim', 'backup-pvc')).toBe(last);
  expect(wave('CronJob', 'postgres-backup')).toBe(last);
  expect(wave('Gateway', 'easyflow-gateway')).toBe(last);
  expect(
    new Set(
      manifestsOf('prod')
        .filter((m) => Number((m.metadata as any).annotations[SYNC_WAVE]) === last)
        .map((m) => (m.metadata as any).labels['app.kubernetes.io/component']),
    ),
  ).toEqual(new Set(['backup', 'gateway']));
});

test('every object of prod carries a wave', () => {
  expect(manifestsOf('prod').filter((m) => (m.metadata as any).annotations?.[SYNC_WAVE] === undefined)).toEqual([]);
});

test('an object whose component has no wave fails the synth', () => {
  const chart = new Chart(new App({ outdir: UNWRITTEN_OUTDIR }), 'c');
  new k8s.KubeConfigMap(chart, 'x', { metadata: { labels: { 'app.kubernetes.io/component': 'cron' } } });
  expect(() => applySyncWaves(chart)).toThrow(
    'c/x: component "cron" has no sync wave; add it to lib/delivery/sync-waves.ts',
  );
});
