import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { dump } from 'js-yaml';
import { ServiceMonitor } from '../imports/servicemonitors-monitoring.coreos.com';
import { Exporter } from './exporter';
import { objectLabels, selectorLabels } from './labels';
import { WebApp } from './web-app';

export interface MonitoringProps {
  /** The API, scraped on its `http` port at /metrics. */
  readonly app: WebApp;
  /** postgres_exporter and redis_exporter. */
  readonly exporters: readonly Exporter[];
  /** Namespace of the environment (scrape targets are namespace-qualified). */
  readonly namespace: string;
  /**
   * Scrape interval.
   * @default '15s'
   */
  readonly scrapeInterval?: string;
  /**
   * Emit ServiceMonitors for prometheus-operator.
   * @default true
   */
  readonly serviceMonitors?: boolean;
  /**
   * Emit the Grafana dashboard ConfigMap.
   * @default true
   */
  readonly grafanaDashboard?: boolean;
}

/** Job names of the guide's scrape config, by Service. */
const JOB_NAMES: Record<string, string> = {
  'easyflow-app-service': 'easyflow-app',
  'postgres-exporter': 'postgres',
  'redis-exporter': 'redis',
};

interface Target {
  readonly serviceName: string;
  readonly selector: Record<string, string>;
  readonly portName: string;
  readonly port: number;
}

/**
 * How Prometheus watches Easy Flow:
 * - ConfigMap `prometheus-config` with `prometheus.yml` for a plain Prometheus: the guide's three
 *   jobs; the app's pods are found by Kubernetes service discovery (each pod scraped, not one pod
 *   per scrape through the Service), the exporters at `postgres-exporter:9187` / `redis-exporter:9121`.
 * - ServiceMonitors for prometheus-operator, each selecting exactly one Service by its `app` label.
 * - ConfigMap `easyflow-grafana-dashboard` (label `grafana_dashboard: "1"`) for Grafana's sidecar.
 */
export class Monitoring extends Construct {
  public readonly scrapeInterval: string;
  public readonly prometheusConfigMapName = 'prometheus-config';
  public readonly dashboardConfigMapName = 'easyflow-grafana-dashboard';

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.scrapeInterval = props.scrapeInterval ?? '15s';
    if (!/^[1-9][0-9]*(s|m)$/.test(this.scrapeInterval)) {
      throw new Error(
        `${this.node.path}: scrapeInterval "${this.scrapeInterval}" must be a duration such as 15s or 1m`,
      );
    }
    const labels = objectLabels({ name: 'easyflow-monitoring', component: 'monitoring' });
    const app: Target = {
      serviceName: props.app.serviceName,
      selector: selectorLabels(props.app.identity.name),
      portName: 'http',
      port: props.app.containerPort,
    };
    const exporters: Target[] = props.exporters.map((e) => ({
      serviceName: e.serviceName,
      selector: selectorLabels(e.identity.name),
      portName: e.portName,
      port: e.port,
    }));

    new k8s.KubeConfigMap(this, 'prometheus-config', {
      metadata: { name: this.prometheusConfigMapName, labels },
      data: { 'prometheus.yml': this.prometheusYaml(props.namespace, app, exporters) },
    });

    if (props.serviceMonitors ?? true) {
      for (const target of [app, ...exporters]) {
        new ServiceMonitor(this, `service-monitor-${target.serviceName}`, {
          metadata: { name: JOB_NAMES[target.serviceName] ?? target.serviceName, labels },
          spec: {
            jobLabel: 'app',
            selector: { matchLabels: target.selector },
            namespaceSelector: { matchNames: [props.namespace] },
            endpoints: [{ port: target.portName, path: '/metrics', interval: this.scrapeInterval }],
          },
        });
      }
    }

    if (props.grafanaDashboard ?? true) {
      new k8s.KubeConfigMap(this, 'grafana-dashboard', {
        metadata: { name: this.dashboardConfigMapName, labels: { ...labels, grafana_dashboard: '1' } },
        data: { 'easyflow.json': JSON.stringify(dashboard(), null, 2) + '\n' },
      });
    }
  }

  private prometheusYaml(namespace: string, app: Target, exporters: readonly Target[]): string {
    const config = {
      global: { scrape_interval: this.scrapeInterval, evaluation_interval: this.scrapeInterval },
      scrape_configs: [
        {
          job_name: JOB_NAMES[app.serviceName],
          metrics_path: '/metrics',
          kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [namespace] } }],
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_service_name'], regex: app.serviceName, action: 'keep' },
            { source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: app.portName, action: 'keep' },
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          ],
        },
        ...exporters.map((e) => ({
          job_name: JOB_NAMES[e.serviceName] ?? e.serviceName,
          metrics_path: '/metrics',
          static_configs: [{ targets: [`${e.serviceName}.${namespace}.svc:${e.port}`], labels: { namespace } }],
        })),
      ],
    };
    return dump(config, { lineWidth: -1, noRefs: true });
  }
}

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly legend: string;
  readonly unit: string;
}

const PANELS: readonly Panel[] = [
  {
    title: 'API Response Time',
    expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
    legend: '95th percentile',
    unit: 's',
  },
  {
    title: 'Message Processing Rate',
    expr: 'sum(rate(messages_processed_total[5m]))',
    legend: 'Messages/sec',
    unit: 'ops',
  },
  {
    title: 'AI API Calls',
    expr: 'sum by (provider) (rate(ai_api_calls_total[5m]))',
    legend: '{{provider}}',
    unit: 'reqps',
  },
];

/** The guide's dashboard, as a Grafana dashboard model with a datasource variable. */
function dashboard(): object {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    uid: 'easyflow-overview',
    title: 'Easy Flow Monitoring',
    tags: ['easyflow'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} }],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: [{ refId: 'A', datasource, expr: p.expr, legendFormat: p.legend }],
    })),
  };
}
