import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { DEFAULT_THRESHOLDS } from '../../lib/workloads/alerts';
import { CeleryBeat } from '../../lib/workloads/celery-beat';
import { CeleryWorker } from '../../lib/workloads/celery-worker';
import { Monitoring, MonitoringProps } from '../../lib/workloads/monitoring';
import { AppSecrets } from '../../lib/workloads/app-secrets';
import { PostgresBackup } from '../../lib/workloads/postgres-backup';
import { PostgresCluster } from '../../lib/workloads/postgres-cluster';
import { PostgresExporter } from '../../lib/workloads/postgres-exporter';
import { RedisExporter } from '../../lib/workloads/redis-exporter';
import { WebApp } from '../../lib/workloads/web-app';
import { CONFIG_DIR, ENVIRONMENTS, allOf, find, manifestsOf } from '../helpers';
import { SMALL, basics, scratch } from '../charts';

function setup() {
  const s = scratch();
  const { runtime, postgres, redis } = basics(s.chart);
  const workloads = {
    app: new WebApp(s.chart, 'app', { runtime, resources: SMALL, instance: 'i', minReplicas: 1, maxReplicas: 1 }),
    worker: new CeleryWorker(s.chart, 'w', { runtime, resources: SMALL, instance: 'i' }),
    beat: new CeleryBeat(s.chart, 'b', { runtime, resources: SMALL, instance: 'i' }),
    backup: new PostgresBackup(s.chart, 'bk', { postgres, storage: { size: '1Gi' }, resources: SMALL, instance: 'i' }),
    postgresExporter: new PostgresExporter(s.chart, 'pe', {
      image: 'q.io/pe:v1',
      resources: SMALL,
      instance: 'i',
      postgres,
    }),
    redisExporter: new RedisExporter(s.chart, 're', { image: 'q.io/re:v1', resources: SMALL, instance: 'i', redis }),
  };
  return { ...s, workloads };
}

test('all props, operator and dashboard off: only the scrape config and its rules', () => {
  const { chart, synth, workloads } = setup();
  const props: Required<MonitoringProps> = {
    ...workloads,
    namespace: 'test',
    scrapeInterval: '30s',
    prometheusOperator: false,
    selectorLabels: { release: 'prom' },
    kubeStateMetricsTarget: 'kube-state-metrics.monitoring.svc:8080',
    grafanaDashboard: false,
    alerts: true,
    thresholds: { ...DEFAULT_THRESHOLDS, latencyP95Seconds: 2 },
    runbookBaseURL: 'https://runbooks.example.com/easyflow',
    postgresCluster: undefined as never,
  };
  new Monitoring(chart, 'm', props);
  const out = synth();
  expect(allOf(out, 'ServiceMonitor')).toEqual([]);
  expect(allOf(out, 'PrometheusRule')).toEqual([]);
  expect(out.filter((m) => m.metadata.name === 'easyflow-grafana-dashboard')).toEqual([]);
  const data = find(out, 'ConfigMap', 'prometheus-config').data;
  const config: any = load(data['prometheus.yml']);
  expect(config.global.scrape_interval).toBe('30s');
  expect(config.rule_files).toEqual(['alerts.yml']);
  expect(config.scrape_configs.map((j: any) => j.job_name)).toEqual([
    'easyflow-app',
    'postgres',
    'redis',
    'kube-state-metrics',
  ]);
  expect(config.scrape_configs[3]).toEqual({
    job_name: 'kube-state-metrics',
    metrics_path: '/metrics',
    honor_labels: true,
    static_configs: [{ targets: ['kube-state-metrics.monitoring.svc:8080'] }],
  });
  expect(config.scrape_configs[1].static_configs[0].targets).toEqual(['postgres-exporter.test.svc:9187']);
  expect(config.scrape_configs[2].static_configs[0].targets).toEqual(['redis-exporter.test.svc:9121']);
  expect(config.scrape_configs[0].dns_sd_configs).toEqual([
    { names: ['easyflow-app-pods.test.svc'], type: 'A', port: 8000 },
  ]);
  const rules: any = load(data['alerts.yml']);
  expect(rules.groups[0].rules.map((r: any) => r.alert)).toContain('EasyflowBackupFailed');
  const latency = rules.groups[0].rules.find((r: any) => r.alert === 'EasyflowApiLatencyHigh');
  expect(latency.expr).toMatch(/ > 2$/);
  expect(latency.annotations.runbook_url).toBe('https://runbooks.example.com/easyflow#easyflowapilatencyhigh');
});

test('alerts off: no rules anywhere', () => {
  const { chart, synth, workloads } = setup();
  new Monitoring(chart, 'm', { ...workloads, namespace: 'test', alerts: false });
  const out = synth();
  expect(allOf(out, 'PrometheusRule')).toEqual([]);
  expect(find(out, 'ConfigMap', 'prometheus-config').data['alerts.yml']).toBeUndefined();
  expect((load(find(out, 'ConfigMap', 'prometheus-config').data['prometheus.yml']) as any).rule_files).toBeUndefined();
});

test('selector labels reach the ServiceMonitors and the PrometheusRule; {} adds none', () => {
  const { chart, synth, workloads } = setup();
  new Monitoring(chart, 'm', { ...workloads, namespace: 'test', selectorLabels: { team: 'platform' } });
  new Monitoring(chart, 'none', { ...workloads, namespace: 'other', selectorLabels: {} });
  const out = synth();
  const monitors = [...allOf(out, 'ServiceMonitor'), ...allOf(out, 'PrometheusRule')];
  expect(monitors.filter((m) => m.metadata.labels.team === 'platform')).toHaveLength(4);
  expect(monitors.filter((m) => m.metadata.labels.release !== undefined)).toEqual([]);
});

test('without selectorLabels, the release label of a stock kube-prometheus-stack install', () => {
  const { chart, synth, workloads } = setup();
  const monitoring = new Monitoring(chart, 'm', { ...workloads, namespace: 'test' });
  expect(monitoring.monitorLabels).toEqual({ release: 'kube-prometheus-stack' });
  for (const m of [...allOf(synth(), 'ServiceMonitor'), ...allOf(synth(), 'PrometheusRule')]) {
    expect(m.metadata.labels.release).toBe('kube-prometheus-stack');
  }
});

test('a kube-state-metrics target that is not host:port is refused', () => {
  const { chart, workloads } = setup();
  expect(
    () => new Monitoring(chart, 'm', { ...workloads, namespace: 'test', kubeStateMetricsTarget: 'http://ksm' }),
  ).toThrow(
    'test/m: kubeStateMetricsTarget "http://ksm" must be host:port, such as kube-state-metrics.monitoring.svc:8080',
  );
});

/**
 * kube-prometheus-stack's Prometheus with its default values (charts/kube-prometheus-stack/values.yaml,
 * templates/prometheus/prometheus.yaml): serviceMonitorSelectorNilUsesHelmValues,
 * podMonitorSelectorNilUsesHelmValues and ruleSelectorNilUsesHelmValues are true and the selectors
 * empty, so each selector is `matchLabels: { release: <helm release name> }`; the namespace selectors
 * are `{}` (every namespace).
 */
const KUBE_PROMETHEUS_STACK_SELECTORS = (release: string) => ({
  ServiceMonitor: { matchLabels: { release } },
  PodMonitor: { matchLabels: { release } },
  PrometheusRule: { matchLabels: { release } },
});

test.each(ENVIRONMENTS)("%s: kube-prometheus-stack's default selectors pick every monitor and rule", (env) => {
  const manifests = manifestsOf(env);
  const config: any = load(fs.readFileSync(path.join(CONFIG_DIR, `${env}.yaml`), 'utf8'));
  const release = config.monitoring.selectorLabels?.release ?? 'kube-prometheus-stack';
  const selectors = KUBE_PROMETHEUS_STACK_SELECTORS(release);
  const objects = manifests.filter((m) => m.kind in selectors);
  expect(objects.map((m) => m.kind)).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
  for (const m of objects) {
    const wanted = selectors[m.kind as keyof typeof selectors].matchLabels;
    expect({ object: `${m.kind}/${m.metadata.name}`, labels: m.metadata.labels }).toEqual({
      object: `${m.kind}/${m.metadata.name}`,
      labels: expect.objectContaining(wanted),
    });
  }
});

test('with CloudNativePG and the operator, a PodMonitor scrapes the instances as job cnpg', () => {
  const { chart, synth, workloads } = setup();
  const postgresCluster = new PostgresCluster(chart, 'pg', {
    image: 'ghcr.io/cloudnative-pg/postgresql:15.10',
    secrets: new AppSecrets(chart, 'cnpg-secrets', { remoteKey: 'easyflow/test', source: 'existing' }),
    storage: { size: '1Gi' },
    resources: SMALL,
  });
  new Monitoring(chart, 'm', { ...workloads, postgresCluster, namespace: 'test', selectorLabels: { release: 'kps' } });
  const monitor = find(synth(), 'PodMonitor', 'postgres');
  expect(monitor.metadata.labels.release).toBe('kps');
  expect(monitor.spec).toEqual({
    selector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } },
    podMetricsEndpoints: [{ port: 'metrics', relabelings: [{ targetLabel: 'job', replacement: 'cnpg' }] }],
  });
});

test('bad props list every problem', () => {
  const { chart, workloads } = setup();
  expect(
    () =>
      new Monitoring(chart, 'm', {
        ...workloads,
        namespace: 'test',
        scrapeInterval: '15',
        thresholds: { ...DEFAULT_THRESHOLDS, errorRatio: 5, backupMaxAgeHours: 0 },
      }),
  ).toThrow(
    'test/m: scrapeInterval "15" must be a duration such as 15s or 1m\n' +
      'test/m: thresholds.errorRatio must be between 0 and 1, got 5\n' +
      'test/m: thresholds.backupMaxAgeHours must be above 0, got 0',
  );
});

test.each(ENVIRONMENTS)(
  '%s: each ServiceMonitor selects exactly the Service it is meant for, by a named port',
  (env) => {
    const manifests = manifestsOf(env);
    const services = allOf(manifests, 'Service');
    const expected: Record<string, string> = {
      'easyflow-app': 'easyflow-app-service',
      postgres: 'postgres-exporter',
      redis: 'redis-exporter',
    };
    const monitors = allOf(manifests, 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(Object.keys(expected).sort());
    for (const sm of monitors) {
      const selector = sm.spec.selector.matchLabels;
      const matching = services.filter((s: any) =>
        Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      expect({ sm: sm.metadata.name, services: matching.map((s: any) => s.metadata.name) }).toEqual({
        sm: sm.metadata.name,
        services: [expected[sm.metadata.name]],
      });
      const endpoint = sm.spec.endpoints[0];
      expect(matching[0].spec.ports.map((p: any) => p.name)).toContain(endpoint.port);
      expect(endpoint.relabelings).toEqual([{ targetLabel: 'job', replacement: sm.metadata.name }]);
      expect(sm.spec.namespaceSelector.matchNames).toEqual([matching[0].metadata.namespace]);
    }
  },
);
