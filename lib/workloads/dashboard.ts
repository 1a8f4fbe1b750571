/**
 * The Grafana dashboard "Easy Flow Monitoring": the guide's three panels (API response time,
 * message processing rate, AI API calls by provider), then errors, PostgreSQL, Redis, Celery and
 * backups. The data source and the namespace are dashboard variables, so one dashboard serves
 * every environment; `uid` and panel ids are fixed, so the JSON only changes when a panel does.
 */

export interface Panel {
  readonly title: string;
  /** PromQL; `$namespace` is the dashboard variable. */
  readonly expr: string;
  readonly legend: string;
  readonly unit: string;
}

const NS = 'namespace="$namespace"';

/** Rows of panels, two per row. */
export const PANELS: readonly Panel[] = [
  {
    title: 'API Response Time',
    expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="easyflow-app", ${NS}}[5m])))`,
    legend: '95th percentile',
    unit: 's',
  },
  {
    title: 'Message Processing Rate',
    expr: `sum(rate(messages_processed_total{${NS}}[5m]))`,
    legend: 'Messages/sec',
    unit: 'ops',
  },
  {
    title: 'AI API Calls',
    expr: `sum by (provider) (rate(ai_api_calls_total{${NS}}[5m]))`,
    legend: '{{provider}}',
    unit: 'reqps',
  },
  {
    title: 'HTTP 5xx Ratio',
    expr: `sum(rate(http_requests_total{job="easyflow-app", ${NS}, status=~"5.."}[5m])) / sum(rate(http_requests_total{job="easyflow-app", ${NS}}[5m]))`,
    legend: '5xx share',
    unit: 'percentunit',
  },
  {
    title: 'API Pods Ready',
    expr: `kube_deployment_status_replicas_available{${NS}, deployment="easyflow-app"}`,
    legend: 'ready',
    unit: 'short',
  },
  {
    title: 'PostgreSQL Connections',
    expr: `sum by (state) (pg_stat_activity_count{job="postgres", ${NS}})`,
    legend: '{{state}}',
    unit: 'short',
  },
  {
    title: 'PostgreSQL Up',
    expr: `max(pg_up{job="postgres", ${NS}})`,
    legend: 'up',
    unit: 'short',
  },
  {
    title: 'Redis Memory',
    expr: `max(redis_memory_used_bytes{job="redis", ${NS}}) / max(redis_memory_max_bytes{job="redis", ${NS}} > 0)`,
    legend: 'used / maxmemory',
    unit: 'percentunit',
  },
  {
    title: 'Redis Clients',
    expr: `max(redis_connected_clients{job="redis", ${NS}})`,
    legend: 'clients',
    unit: 'short',
  },
  {
    title: 'Celery Queue Length',
    expr: `max by (key) (redis_key_size{job="redis", ${NS}, key="celery"})`,
    legend: '{{key}}',
    unit: 'short',
  },
  {
    title: 'Celery Pods Available',
    expr: `max by (deployment) (kube_deployment_status_replicas_available{${NS}, deployment=~"celery-worker|celery-beat"})`,
    legend: '{{deployment}}',
    unit: 'short',
  },
  {
    title: 'Hours Since Last Successful Backup',
    expr: `(time() - max(kube_cronjob_status_last_successful_time{${NS}, cronjob="postgres-backup"})) / 3600`,
    legend: 'hours',
    unit: 'h',
  },
];

/** The dashboard model for Grafana's sidecar; `namespace` is the variable's default. */
export function dashboard(namespace: string): object {
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
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} },
        {
          name: 'namespace',
          label: 'Namespace',
          type: 'query',
          datasource,
          query: { query: 'label_values(up{job="easyflow-app"}, namespace)', refId: 'namespace' },
          current: { text: namespace, value: namespace },
          refresh: 2,
        },
      ],
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
