import { load } from 'js-yaml';
import { Monitoring, MonitoringProps } from '../lib/monitoring';
import { PostgresExporter } from '../lib/postgres-exporter';
import { RedisExporter } from '../lib/redis-exporter';
import { WebApp } from '../lib/web-app';
import { SMALL, allOf, basics, find, manifestsOf, scratch } from './helpers';

function setup() {
  const s = scratch();
  const { runtime, postgres, redis } = basics(s.chart);
  const app = new WebApp(s.chart, 'app', { runtime, resources: SMALL, instance: 'i', minReplicas: 1, maxReplicas: 1 });
  const exporters = [
    new PostgresExporter(s.chart, 'pe', { image: 'q.io/pe:v1', resources: SMALL, instance: 'i', postgres }),
    new RedisExporter(s.chart, 're', { image: 'q.io/re:v1', resources: SMALL, instance: 'i', redis }),
  ];
  return { ...s, app, exporters };
}

test('all props off: only the scrape config', () => {
  const { chart, synth, app, exporters } = setup();
  const props: Required<MonitoringProps> = {
    app,
    exporters,
    namespace: 'test',
    scrapeInterval: '30s',
    serviceMonitors: false,
    grafanaDashboard: false,
  };
  new Monitoring(chart, 'm', props);
  const out = synth();
  expect(allOf(out, 'ServiceMonitor')).toEqual([]);
  expect(out.filter((m) => m.metadata.name === 'easyflow-grafana-dashboard')).toEqual([]);
  const config: any = load(find(out, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
  expect(config.global.scrape_interval).toBe('30s');
  expect(config.scrape_configs.map((j: any) => j.job_name)).toEqual(['easyflow-app', 'postgres', 'redis']);
  expect(config.scrape_configs[1].static_configs[0].targets).toEqual(['postgres-exporter.test.svc:9187']);
  expect(config.scrape_configs[2].static_configs[0].targets).toEqual(['redis-exporter.test.svc:9121']);
  expect(config.scrape_configs[0].kubernetes_sd_configs).toEqual([
    { role: 'endpoints', namespaces: { names: ['test'] } },
  ]);
});

test('a bad scrape interval is refused', () => {
  const { chart, app, exporters } = setup();
  expect(() => new Monitoring(chart, 'm', { app, exporters, namespace: 'test', scrapeInterval: '15' })).toThrow(
    'test/m: scrapeInterval "15" must be a duration such as 15s or 1m',
  );
});

test.each(['dev', 'staging', 'prod'])(
  '%s: each ServiceMonitor selects exactly the Service it is meant for, by a named port',
  (env) => {
    const manifests = manifestsOf(env);
    const services = allOf(manifests, 'Service');
    const expected: Record<string, string> = {
      'easyflow-app': 'easyflow-app-service',
      postgres: 'postgres-exporter',
      redis: 'redis-exporter',
    };
    for (const sm of allOf(manifests, 'ServiceMonitor')) {
      const selector = sm.spec.selector.matchLabels;
      const matching = services.filter((s: any) =>
        Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      expect({ sm: sm.metadata.name, services: matching.map((s: any) => s.metadata.name) }).toEqual({
        sm: sm.metadata.name,
        services: [expected[sm.metadata.name]],
      });
      const port = sm.spec.endpoints[0].port;
      expect(matching[0].spec.ports.map((p: any) => p.name)).toContain(port);
      expect(sm.spec.namespaceSelector.matchNames).toEqual([matching[0].metadata.namespace]);
    }
  },
);
