import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { DEFAULT_THRESHOLDS, EasyflowAlerts, alertRules } from '../../lib/workloads/alerts';
import { ENVIRONMENTS, ROOT, allOf, find, manifestsOf, scratch } from '../helpers';

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

test('the plain Prometheus rules file holds exactly the same rules', () => {
  const file: any = load(find(manifestsOf('prod'), 'ConfigMap', 'prometheus-config').data['alerts.yml']);
  const crd = find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts').spec.groups;
  expect(file.groups).toEqual(crd);
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
