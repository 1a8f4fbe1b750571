/**
 * Alert rules for Easy Flow, shared by the PrometheusRule (prometheus-operator) and the rules file
 * of the plain Prometheus config, so both fire on exactly the same conditions. Every rule is scoped
 * to one environment's namespace and names its severity, a summary, a description and a runbook.
 */
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { objectLabels } from '../platform/labels';

/** When an alert fires. */
export interface AlertThresholds {
  /**
   * API p95 latency above this many seconds.
   * @default 1
   */
  readonly latencyP95Seconds: number;
  /**
   * Share of 5xx responses above this (0..1).
   * @default 0.05
   */
  readonly errorRatio: number;
  /**
   * PostgreSQL connections above this share of max_connections (0..1).
   * @default 0.8
   */
  readonly postgresConnectionsRatio: number;
  /**
   * Redis memory above this share of maxmemory (0..1).
   * @default 0.9
   */
  readonly redisMemoryRatio: number;
  /**
   * Last successful backup older than this many hours.
   * @default 26
   */
  readonly backupMaxAgeHours: number;
  /**
   * CloudNativePG replica lag above this many seconds.
   * @default 30
   */
  readonly replicationLagSeconds: number;
}

/** The thresholds' defaults, as each field's `@default` says (a test checks they agree). */
export const DEFAULT_THRESHOLDS: AlertThresholds = {
  latencyP95Seconds: 1,
  errorRatio: 0.05,
  postgresConnectionsRatio: 0.8,
  redisMemoryRatio: 0.9,
  backupMaxAgeHours: 26,
  replicationLagSeconds: 30,
};

/** What the rules watch, by the names the workloads really have. */
export interface AlertTargets {
  readonly namespace: string;
  /** Prometheus job of the app (`easyflow-app`). */
  readonly appJob: string;
  readonly appDeployment: string;
  readonly appHpa: string;
  readonly postgresJob: string;
  readonly redisJob: string;
  readonly workerDeployment: string;
  readonly beatDeployment: string;
  readonly backupCronJob: string;
  /** CloudNativePG: the job of the instances' metrics, and whether replicas are expected. */
  readonly cnpg?: { readonly job: string; readonly replicas: boolean };
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** The rules, in the order of docs/runbooks.md. */
export function alertRules(t: AlertTargets, th: AlertThresholds, runbookBaseURL: string): AlertRule[] {
  const ns = `namespace="${t.namespace}"`;
  const ksm = (kind: string, name: string): string => `${ns}, ${kind}="${name}"`;
  const backupJobs = `${ns}, job_name=~"${t.backupCronJob}-[0-9]+"`;
  const maxAgeSeconds = th.backupMaxAgeHours * 3600;
  const rule: RuleFactory = (alert, severity, forDuration, expr, summary, description) => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: {
      summary,
      description,
      runbook_url: `${runbookBaseURL}#${alert.toLowerCase()}`,
    },
  });
  return [
    rule(
      'EasyflowAppDown',
      'critical',
      '2m',
      `sum(up{job="${t.appJob}", ${ns}}) == 0 or absent(up{job="${t.appJob}", ${ns}})`,
      `Easy Flow API is down in ${t.namespace}`,
      'No API pod has answered a Prometheus scrape for 2 minutes.',
    ),
    rule(
      'EasyflowAppReplicasLow',
      'warning',
      '10m',
      `max by (namespace) (kube_deployment_status_replicas_available{${ksm('deployment', t.appDeployment)}}) < on (namespace) max by (namespace) (kube_horizontalpodautoscaler_spec_min_replicas{${ksm('horizontalpodautoscaler', t.appHpa)}})`,
      `Easy Flow API has fewer ready pods than its minimum in ${t.namespace}`,
      '{{ $value }} pods available, below the HPA minimum, for 10 minutes.',
    ),
    rule(
      'EasyflowApiLatencyHigh',
      'warning',
      '10m',
      `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="${t.appJob}", ${ns}}[5m]))) > ${th.latencyP95Seconds}`,
      `Easy Flow API p95 latency above ${th.latencyP95Seconds}s in ${t.namespace}`,
      'p95 latency is {{ $value | humanizeDuration }} over the last 5 minutes.',
    ),
    rule(
      'EasyflowApiErrorRateHigh',
      'critical',
      '5m',
      `sum(rate(http_requests_total{job="${t.appJob}", ${ns}, status=~"5.."}[5m])) / sum(rate(http_requests_total{job="${t.appJob}", ${ns}}[5m])) > ${th.errorRatio}`,
      `Easy Flow API answers more than ${th.errorRatio * 100}% of requests with 5xx in ${t.namespace}`,
      '{{ $value | humanizePercentage }} of requests failed over the last 5 minutes.',
    ),
    rule(
      'EasyflowPostgresDown',
      'critical',
      '1m',
      `max(pg_up{job="${t.postgresJob}", ${ns}}) == 0`,
      `PostgreSQL is down in ${t.namespace}`,
      'postgres_exporter cannot connect to PostgreSQL.',
    ),
    rule(
      'EasyflowPostgresTooManyConnections',
      'warning',
      '5m',
      `sum by (namespace) (pg_stat_activity_count{job="${t.postgresJob}", ${ns}}) / on (namespace) max by (namespace) (pg_settings_max_connections{job="${t.postgresJob}", ${ns}}) > ${th.postgresConnectionsRatio}`,
      `PostgreSQL connections above ${th.postgresConnectionsRatio * 100}% of max_connections in ${t.namespace}`,
      '{{ $value | humanizePercentage }} of max_connections are in use.',
    ),
    rule(
      'EasyflowRedisDown',
      'critical',
      '1m',
      `max(redis_up{job="${t.redisJob}", ${ns}}) == 0`,
      `Redis is down in ${t.namespace}`,
      'redis_exporter cannot connect to Redis: cache, sessions and the Celery broker are unavailable.',
    ),
    rule(
      'EasyflowRedisMemoryNearLimit',
      'warning',
      '5m',
      `max by (namespace) (redis_memory_used_bytes{job="${t.redisJob}", ${ns}}) / max by (namespace) (redis_memory_max_bytes{job="${t.redisJob}", ${ns}} > 0) > ${th.redisMemoryRatio}`,
      `Redis memory above ${th.redisMemoryRatio * 100}% of maxmemory in ${t.namespace}`,
      'At maxmemory Redis refuses writes (noeviction): Celery cannot queue tasks. {{ $value | humanizePercentage }} used.',
    ),
    rule(
      'EasyflowMetricsExporterDown',
      'warning',
      '5m',
      `up{job=~"${t.postgresJob}|${t.redisJob}", ${ns}} == 0`,
      `A database metrics exporter is down in ${t.namespace}`,
      '{{ $labels.job }} exporter does not answer scrapes: database alerts are blind.',
    ),
    rule(
      'EasyflowCeleryWorkersAbsent',
      'critical',
      '5m',
      `(max(kube_deployment_status_replicas_available{${ksm('deployment', t.workerDeployment)}}) or on () vector(0)) < 1`,
      `No Celery worker is running in ${t.namespace}`,
      'Background tasks (messages, AI calls) are queued but nothing processes them.',
    ),
    rule(
      'EasyflowCeleryBeatAbsent',
      'critical',
      '10m',
      `(max(kube_deployment_status_replicas_available{${ksm('deployment', t.beatDeployment)}}) or on () vector(0)) < 1`,
      `Celery beat is not running in ${t.namespace}`,
      'Periodic tasks are not being scheduled.',
    ),
    rule(
      'EasyflowBackupTooOld',
      'critical',
      '10m',
      `(time() - max by (namespace) (kube_cronjob_status_last_successful_time{${ksm('cronjob', t.backupCronJob)}}) > ${maxAgeSeconds}) or (time() - max by (namespace) (kube_cronjob_created{${ksm('cronjob', t.backupCronJob)}}) > ${maxAgeSeconds} unless on (namespace) kube_cronjob_status_last_successful_time{${ksm('cronjob', t.backupCronJob)}})`,
      `No successful PostgreSQL backup for ${th.backupMaxAgeHours}h in ${t.namespace}`,
      `The last successful ${t.backupCronJob} run is older than ${th.backupMaxAgeHours} hours (or there never was one).`,
    ),
    rule(
      'EasyflowBackupFailed',
      'critical',
      '1m',
      // kube_job_failed{condition="true"} is the Job's Failed condition: every retry (backoffLimit)
      // or the deadline is used up. kube_job_status_failed counts failed pods, so a run that failed
      // once and succeeded on a retry would page although the backup exists.
      `max by (namespace) (kube_job_status_start_time{${backupJobs}} and on (namespace, job_name) (kube_job_failed{${backupJobs}, condition="true"} == 1)) >= max by (namespace) (kube_job_status_start_time{${backupJobs}})`,
      `The latest PostgreSQL backup failed in ${t.namespace}`,
      `The newest ${t.backupCronJob} Job failed after all its retries; see its logs (kubectl -n ${t.namespace} logs job/<name>).`,
    ),
    ...(t.cnpg ? cnpgRules(t.cnpg, ns, th, rule) : []),
  ];
}

type RuleFactory = (
  alert: string,
  severity: 'critical' | 'warning',
  forDuration: string,
  expr: string,
  summary: string,
  description: string,
) => AlertRule;

/** Replication and fencing of a CloudNativePG cluster, from its instances' own metrics. */
function cnpgRules(
  cnpg: { job: string; replicas: boolean },
  ns: string,
  th: AlertThresholds,
  rule: RuleFactory,
): AlertRule[] {
  const sel = `job="${cnpg.job}", ${ns}`;
  return [
    rule(
      'EasyflowPostgresFenced',
      'critical',
      '1m',
      `max by (namespace) (cnpg_collector_fencing_on{${sel}}) == 1`,
      'A PostgreSQL instance is fenced',
      'A fenced instance is shut down and takes no traffic until someone removes the fence.',
    ),
    ...(cnpg.replicas
      ? [
          rule(
            'EasyflowPostgresReplicationLag',
            'warning',
            '5m',
            `max by (namespace) (cnpg_pg_replication_lag{${sel}}) > ${th.replicationLagSeconds}`,
            `A PostgreSQL replica lags more than ${th.replicationLagSeconds}s behind the primary`,
            'Replication lag is {{ $value | humanizeDuration }}: reads from DATABASE_READ_URL are stale and a failover would lose recent writes.',
          ),
          rule(
            'EasyflowPostgresNoReplica',
            'critical',
            '10m',
            `(max by (namespace) (cnpg_pg_replication_streaming_replicas{${sel}}) or on () vector(0)) < 1`,
            'PostgreSQL has no streaming replica',
            'The primary has no replica: a failure of its node means downtime and possibly lost writes.',
          ),
        ]
      : []),
  ];
}

/** Whether a rule reads kube-state-metrics (`kube_*` series), which only a scrape of it provides. */
export function readsKubeStateMetrics(rule: AlertRule): boolean {
  return /\bkube_[a-z_]+/.test(rule.expr);
}

/**
 * The rules as a Prometheus rules file (for a plain Prometheus). Rules that read kube-state-metrics
 * are left out unless that Prometheus scrapes it: without its series they would fire forever (an
 * `absent` or `or vector(0)` rule) or never.
 */
export function rulesFileGroups(
  rules: readonly AlertRule[],
  scrapesKubeStateMetrics: boolean,
): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  const kept = rules.filter((r) => scrapesKubeStateMetrics || !readsKubeStateMetrics(r));
  return { groups: [{ name: 'easyflow', rules: kept }] };
}

export interface EasyflowAlertsProps {
  readonly rules: readonly AlertRule[];
  /**
   * Labels the Prometheus' ruleSelector matches, e.g. `{ release: kube-prometheus-stack }`.
   * @default - none
   */
  readonly selectorLabels?: Readonly<Record<string, string>>;
}

/** PrometheusRule `easyflow-alerts` for prometheus-operator. */
export class EasyflowAlerts extends Construct {
  public readonly ruleName = 'easyflow-alerts';

  constructor(scope: Construct, id: string, props: EasyflowAlertsProps) {
    super(scope, id);
    if (props.rules.length === 0) {
      throw new Error(`${this.node.path}: rules must not be empty`);
    }
    new PrometheusRule(this, 'rule', {
      metadata: {
        name: this.ruleName,
        labels: { ...objectLabels({ name: 'easyflow-monitoring', component: 'monitoring' }), ...props.selectorLabels },
      },
      spec: {
        groups: [
          {
            name: 'easyflow',
            rules: props.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
          },
        ],
      },
    });
  }
}
