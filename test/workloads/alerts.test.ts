import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import {
  DEFAULT_THRESHOLDS,
  EasyflowAlerts,
  alertRules,
  readsKubeStateMetrics,
  rulesFileGroups,
} from '../../lib/workloads/alerts';
import { PANELS } from '../../lib/workloads/dashboard';
import { ENVIRONMENTS, ROOT, allOf, find, manifestsOf, metricNames } from '../helpers';
import { scratch } from '../charts';

const REQUIRED = [
  'EasyflowAppDown',
  'EasyflowAppReplicasLow',
  'EasyflowApiLatencyHigh',
  'EasyflowApiErrorRateHigh',
  'EasyflowPostgresDown',
  'EasyflowPostgresTooManyConnections',
  'EasyflowRedisDown',
  'EasyflowRedisMemoryNearLimit',
  'EasyflowMetricsExporterDown',
  'EasyflowCeleryWorkersAbsent',
  'EasyflowCeleryBeatAbsent',
  'EasyflowBackupTooOld',
  'EasyflowBackupFailed',
];

const CNPG = ['EasyflowPostgresFenced', 'EasyflowPostgresReplicationLag', 'EasyflowPostgresNoReplica'];

test.each(ENVIRONMENTS)('%s: PrometheusRule easyflow-alerts holds every alert, scoped to the namespace', (env) => {
  const manifests = manifestsOf(env);
  const namespace = allOf(manifests, 'Namespace')[0].metadata.name;
  const rules = find(manifests, 'PrometheusRule', 'easyflow-alerts').spec.groups[0].rules;
  const onOperator = manifests.some((m) => m.kind === 'Cluster');
  expect(rules.map((r: any) => r.alert)).toEqual(onOperator ? [...REQUIRED, ...CNPG] : REQUIRED);
  for (const r of rules) {
    expect(r.expr).toContain(`namespace="${namespace}"`);
  }
});

test('every alert has a severity, a summary, a description and a runbook section', () => {
  const runbooks = fs.readFileSync(path.join(ROOT, 'docs', 'runbooks.md'), 'utf8');
  const anchors = [...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase());
  for (const r of find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts').spec.groups[0].rules) {
    expect(['critical', 'warning']).toContain(r.labels.severity);
    expect(r.annotations.summary).not.toBe('');
    expect(r.annotations.description).not.toBe('');
    const anchor = r.annotations.runbook_url.split('#')[1];
    expect({ alert: r.alert, anchorInRunbooks: anchors.includes(anchor) }).toEqual({
      alert: r.alert,
      anchorInRunbooks: true,
    });
  }
});

const TARGETS = {
  namespace: 'n',
  appJob: 'a',
  appDeployment: 'a',
  appHpa: 'h',
  postgresJob: 'p',
  redisJob: 'r',
  workerDeployment: 'w',
  beatDeployment: 'b',
  backupCronJob: 'c',
};

interface MetricSource {
  readonly source: string;
  readonly job: string;
  readonly metrics?: readonly string[];
  readonly prefix?: string;
}
const SOURCES = Object.values(
  (load(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'metrics.yaml'), 'utf8')) as any).sources,
) as MetricSource[];

/** The job that scrapes `metric`, from test/fixtures/metrics.yaml; undefined for a name nobody emits. */
function jobOf(metric: string): string | undefined {
  return SOURCES.find((s) => s.metrics?.includes(metric) || (s.prefix && metric.startsWith(s.prefix)))?.job;
}

test('every metric an alert or a dashboard panel reads is one its exporter emits (a typo fails)', () => {
  const rules = find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts').spec.groups[0].rules;
  const exprs = [...rules.map((r: any) => r.expr), ...PANELS.map((p) => p.expr)];
  const unknown = exprs.flatMap((e) => metricNames(e)).filter((m) => jobOf(m) === undefined);
  expect(unknown).toEqual([]);
  expect(jobOf('kube_job_status_faild')).toBeUndefined();
  expect(metricNames(rules.find((r: any) => r.alert === 'EasyflowBackupFailed').expr)).toEqual([
    'kube_job_failed',
    'kube_job_status_start_time',
  ]);
});

test.each(ENVIRONMENTS)('%s: alerts.yml reads only metrics prometheus.yml scrapes', (env) => {
  const data = find(manifestsOf(env), 'ConfigMap', 'prometheus-config').data;
  const jobs = (load(data['prometheus.yml']) as any).scrape_configs.map((j: any) => j.job_name);
  const rules = (load(data['alerts.yml']) as any).groups[0].rules;
  const unscraped = rules.flatMap((r: any) =>
    metricNames(r.expr)
      .filter((m) => jobOf(m) !== '*' && !jobs.includes(jobOf(m)))
      .map((m) => `${r.alert}: ${m}`),
  );
  expect(unscraped).toEqual([]);
});

test("the plain rules file holds the PrometheusRule's rules, less those reading kube-state-metrics", () => {
  const file: any = load(find(manifestsOf('prod'), 'ConfigMap', 'prometheus-config').data['alerts.yml']);
  const crd = find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts').spec.groups[0].rules;
  expect(file.groups[0].rules).toEqual(crd.filter((r: any) => !r.expr.includes('kube_')));
  expect(file.groups[0].rules.map((r: any) => r.alert)).not.toContain('EasyflowCeleryWorkersAbsent');
});

test('with kube-state-metrics scraped, alerts.yml holds every rule', () => {
  const rules = alertRules(TARGETS, DEFAULT_THRESHOLDS, 'https://x');
  expect(rulesFileGroups(rules, true).groups[0]!.rules).toEqual(rules);
  expect(rulesFileGroups(rules, false).groups[0]!.rules.map((r) => r.alert)).toEqual(
    rules.filter((r) => !readsKubeStateMetrics(r)).map((r) => r.alert),
  );
});

test('replica alerts only where there are replicas', () => {
  const names = (replicas: boolean) =>
    alertRules({ ...TARGETS, cnpg: { job: 'cnpg', replicas } }, DEFAULT_THRESHOLDS, 'https://x').map((r) => r.alert);
  expect(names(false)).toEqual([...REQUIRED, 'EasyflowPostgresFenced']);
  expect(names(true)).toEqual([...REQUIRED, ...CNPG]);
});

test('thresholds come from config', () => {
  const rules = alertRules(TARGETS, { ...DEFAULT_THRESHOLDS, errorRatio: 0.01, backupMaxAgeHours: 50 }, 'https://x');
  expect(rules.find((r) => r.alert === 'EasyflowApiErrorRateHigh')!.expr).toMatch(/ > 0\.01$/);
  expect(rules.find((r) => r.alert === 'EasyflowBackupTooOld')!.expr).toContain('> 180000');
});

test('an empty rule list is refused', () => {
  const { chart } = scratch();
  expect(() => new EasyflowAlerts(chart, 'a', { rules: [] })).toThrow('test/a: rules must not be empty');
});
