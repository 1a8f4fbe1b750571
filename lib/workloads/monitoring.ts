import { Construct } from 'constructs';
import { throwProblems } from '../platform/checks';
import { k8s } from '../platform/k8s';
import { dump } from 'js-yaml';
import { ServiceMonitor } from '../../imports/servicemonitors-monitoring.coreos.com';
import { AlertThresholds, DEFAULT_THRESHOLDS, EasyflowAlerts, alertRules, rulesFileGroups } from './alerts';
import { CeleryBeat } from './celery-beat';
import { CeleryWorker } from './celery-worker';
import { dashboard } from './dashboard';
import { Exporter } from './exporter';
import { PodMonitor } from '../../imports/podmonitors-monitoring.coreos.com';
import { objectLabels, selectorLabels } from '../platform/labels';
import { PostgresBackup } from './postgres-backup';
import { PostgresCluster } from './postgres-cluster';
import { WebApp } from './web-app';

export interface MonitoringProps {
  /** The API, scraped on its `http` port at /metrics. */
  readonly app: WebApp;
  readonly worker: CeleryWorker;
  readonly beat: CeleryBeat;
  readonly backup: PostgresBackup;
  /**
   * The CloudNativePG cluster, whose instances export their own metrics (job `cnpg`).
   * @default - PostgreSQL runs as the StatefulSet
   */
  readonly postgresCluster?: PostgresCluster;
  /** postgres_exporter (job `postgres`) and redis_exporter (job `redis`). */
  readonly postgresExporter: Exporter;
  readonly redisExporter: Exporter;
  /** Namespace of the environment (scrape targets and alerts are scoped to it). */
  readonly namespace: string;
  /**
   * Scrape interval.
   * @default '15s'
   */
  readonly scrapeInterval?: string;
  /**
   * Emit ServiceMonitors and the PrometheusRule for prometheus-operator.
   * @default true
   */
  readonly prometheusOperator?: boolean;
  /**
   * Labels put on every ServiceMonitor, PodMonitor and PrometheusRule so the Prometheus' selectors
   * pick them. kube-prometheus-stack's defaults (`*SelectorNilUsesHelmValues: true`) select only
   * objects labelled `release: <helm release name>`; `{}` puts no extra label on them.
   * @default - `{ release: 'kube-prometheus-stack' }`, what a stock install's selectors match
   */
  readonly selectorLabels?: Readonly<Record<string, string>>;
  /**
   * `host:port` of kube-state-metrics for the plain Prometheus (`prometheus-config`), e.g.
   * `kube-state-metrics.monitoring.svc:8080`: adds the scrape job `kube-state-metrics` and with it
   * the rules that read `kube_*` series (replicas, Celery, backups) to `alerts.yml`.
   * @default - no such job; those rules stay out of `alerts.yml` (the PrometheusRule keeps them)
   */
  readonly kubeStateMetricsTarget?: string;
  /**
   * Emit the Grafana dashboard ConfigMap.
   * @default true
   */
  readonly grafanaDashboard?: boolean;
  /**
   * Alert rules (PrometheusRule and the plain rules file).
   * @default true
   */
  readonly alerts?: boolean;
  /**
   * When the alerts fire; each threshold left out takes its default (see `AlertThresholds`).
   * @default - every threshold at its default
   */
  readonly thresholds?: Partial<AlertThresholds>;
  /**
   * Where the runbooks live; each alert links to `<url>#<alert name in lower case>`.
   * @default 'https://github.com/easyflow/easyflow-deploy/blob/main/docs/runbooks.md'
   */
  readonly runbookBaseURL?: string;
}

interface Target {
  readonly job: string;
  readonly serviceName: string;
  readonly selector: Record<string, string>;
  readonly portName: string;
  readonly port: number;
}

/**
 * How Prometheus and Grafana watch Easy Flow. Job names are the guide's (`easyflow-app`, `postgres`,
 * `redis`) for both a plain Prometheus and prometheus-operator, so alerts and dashboards work with
 * either:
 * - ConfigMap `prometheus-config`: `prometheus.yml` and `alerts.yml`. The app's pods are found
 *   through DNS of the headless Service `easyflow-app-pods`, so each pod is scraped (not one pod
 *   per scrape through the load-balanced Service) and Prometheus needs no Kubernetes API access;
 *   the exporters are scraped at `postgres-exporter:9187` / `redis-exporter:9121`.
 * - ServiceMonitors, each selecting exactly one Service by its `app` label, and PrometheusRule
 *   `easyflow-alerts`.
 * - ConfigMap `easyflow-grafana-dashboard` (label `grafana_dashboard: "1"`) for Grafana's sidecar.
 */
export class Monitoring extends Construct {
  public readonly scrapeInterval: string;
  public readonly monitorLabels: Readonly<Record<string, string>>;
  public readonly prometheusConfigMapName = 'prometheus-config';
  public readonly dashboardConfigMapName = 'easyflow-grafana-dashboard';

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.scrapeInterval = props.scrapeInterval ?? '15s';
    this.monitorLabels = { ...(props.selectorLabels ?? { release: 'kube-prometheus-stack' }) };
    const given = Object.entries(props.thresholds ?? {}).filter(([, value]) => value !== undefined);
    const thresholds: AlertThresholds = { ...DEFAULT_THRESHOLDS, ...Object.fromEntries(given) };
    throwProblems(this, [
      /^[1-9][0-9]*(s|m)$/.test(this.scrapeInterval)
        ? undefined
        : `scrapeInterval "${this.scrapeInterval}" must be a duration such as 15s or 1m`,
      ...(['errorRatio', 'postgresConnectionsRatio', 'redisMemoryRatio'] as const)
        .filter((key) => !(thresholds[key] > 0 && thresholds[key] < 1))
        .map((key) => `thresholds.${key} must be between 0 and 1, got ${thresholds[key]}`),
      ...(['latencyP95Seconds', 'backupMaxAgeHours'] as const)
        .filter((key) => !(thresholds[key] > 0))
        .map((key) => `thresholds.${key} must be above 0, got ${thresholds[key]}`),
      props.kubeStateMetricsTarget === undefined ||
      /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:[0-9]{1,5}$/.test(props.kubeStateMetricsTarget)
        ? undefined
        : `kubeStateMetricsTarget "${props.kubeStateMetricsTarget}" must be host:port, such as kube-state-metrics.monitoring.svc:8080`,
    ]);
    const labels = objectLabels({ name: 'easyflow-monitoring', component: 'monitoring' });
    const app: Target = {
      job: 'easyflow-app',
      serviceName: props.app.serviceName,
      selector: selectorLabels(props.app.identity.name),
      portName: 'http',
      port: props.app.containerPort,
    };
    const exporterTarget = (job: string, e: Exporter): Target => ({
      job,
      serviceName: e.serviceName,
      selector: selectorLabels(e.identity.name),
      portName: e.portName,
      port: e.port,
    });
    const exporters = [
      exporterTarget('postgres', props.postgresExporter),
      exporterTarget('redis', props.redisExporter),
    ];
    const rules = alertRules(
      {
        namespace: props.namespace,
        appJob: app.job,
        appDeployment: props.app.identity.name,
        appHpa: props.app.hpaName,
        postgresJob: exporters[0]!.job,
        redisJob: exporters[1]!.job,
        workerDeployment: props.worker.identity.name,
        beatDeployment: props.beat.identity.name,
        backupCronJob: props.backup.cronJobName,
        cnpg: props.postgresCluster && { job: 'cnpg', replicas: props.postgresCluster.instances > 1 },
      },
      thresholds,
      props.runbookBaseURL ?? 'https://github.com/easyflow/easyflow-deploy/blob/main/docs/runbooks.md',
    );
    const withAlerts = props.alerts ?? true;

    new k8s.KubeConfigMap(this, 'prometheus-config', {
      metadata: { name: this.prometheusConfigMapName, labels },
      data: {
        'prometheus.yml': this.prometheusYaml(
          props.namespace,
          app,
          props.app.podsServiceName,
          exporters,
          withAlerts,
          props.postgresCluster,
          props.kubeStateMetricsTarget,
        ),
        ...(withAlerts
          ? {
              'alerts.yml': dump(rulesFileGroups(rules, props.kubeStateMetricsTarget !== undefined), {
                lineWidth: -1,
                noRefs: true,
              }),
            }
          : {}),
      },
    });

    if (props.prometheusOperator ?? true) {
      for (const target of [app, ...exporters]) {
        new ServiceMonitor(this, `service-monitor-${target.serviceName}`, {
          metadata: { name: target.job, labels: { ...labels, ...this.monitorLabels } },
          spec: {
            selector: { matchLabels: target.selector },
            namespaceSelector: { matchNames: [props.namespace] },
            endpoints: [
              {
                port: target.portName,
                path: '/metrics',
                interval: this.scrapeInterval,
                relabelings: [{ targetLabel: 'job', replacement: target.job }],
              },
            ],
          },
        });
      }
      const cluster = props.postgresCluster;
      if (cluster) {
        // The instances' built-in metrics: the operator labels every pod with its cluster's name.
        new PodMonitor(this, 'pod-monitor-postgres', {
          metadata: {
            name: cluster.clusterName,
            labels: { ...objectLabels(cluster.identity), ...this.monitorLabels },
          },
          spec: {
            selector: { matchLabels: { 'cnpg.io/cluster': cluster.clusterName } },
            podMetricsEndpoints: [{ port: 'metrics', relabelings: [{ targetLabel: 'job', replacement: 'cnpg' }] }],
          },
        });
      }
      if (withAlerts) {
        new EasyflowAlerts(this, 'alerts', { rules, selectorLabels: this.monitorLabels });
      }
    }

    if (props.grafanaDashboard ?? true) {
      new k8s.KubeConfigMap(this, 'grafana-dashboard', {
        metadata: { name: this.dashboardConfigMapName, labels: { ...labels, grafana_dashboard: '1' } },
        data: { 'easyflow.json': JSON.stringify(dashboard(props.namespace), null, 2) + '\n' },
      });
    }
  }

  private prometheusYaml(
    namespace: string,
    app: Target,
    podsService: string,
    exporters: readonly Target[],
    withAlerts: boolean,
    cluster: PostgresCluster | undefined,
    kubeStateMetrics: string | undefined,
  ): string {
    const config = {
      global: { scrape_interval: this.scrapeInterval, evaluation_interval: this.scrapeInterval },
      ...(withAlerts ? { rule_files: ['alerts.yml'] } : {}),
      scrape_configs: [
        {
          job_name: app.job,
          metrics_path: '/metrics',
          dns_sd_configs: [{ names: [`${podsService}.${namespace}.svc`], type: 'A', port: app.port }],
          relabel_configs: [{ target_label: 'namespace', replacement: namespace }],
        },
        ...exporters.map((e) => ({
          job_name: e.job,
          metrics_path: '/metrics',
          static_configs: [{ targets: [`${e.serviceName}.${namespace}.svc:${e.port}`], labels: { namespace } }],
        })),
        ...(cluster
          ? [
              {
                job_name: 'cnpg',
                metrics_path: '/metrics',
                dns_sd_configs: [
                  { names: [`${cluster.metricsServiceName}.${namespace}.svc`], type: 'A', port: cluster.metricsPort },
                ],
                relabel_configs: [{ target_label: 'namespace', replacement: namespace }],
              },
            ]
          : []),
        // Its series name the namespace and object they describe; honor_labels keeps them as exported.
        ...(kubeStateMetrics
          ? [
              {
                job_name: 'kube-state-metrics',
                metrics_path: '/metrics',
                honor_labels: true,
                static_configs: [{ targets: [kubeStateMetrics] }],
              },
            ]
          : []),
      ],
    };
    return dump(config, { lineWidth: -1, noRefs: true });
  }
}
