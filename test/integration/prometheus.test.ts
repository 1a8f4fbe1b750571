/**
 * The monitoring config as Prometheus itself reads it, with Debian's promtool: the scrape config
 * and rules of every environment pass `promtool check`, the alert rules pass the unit tests in
 * alerts.test.yml, and every dashboard query parses (checked as recording rules).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump, load } from 'js-yaml';
import { PANELS } from '../../lib/workloads/dashboard';
import { ENVIRONMENTS, find, manifestsOf } from '../helpers';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-prom-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error(`${PROMTOOL} cannot run (${r.error.message}): apt-get install -y prometheus`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test.each(ENVIRONMENTS)('%s: promtool check config accepts prometheus.yml and its alerts.yml', (env) => {
  const data = find(manifestsOf(env), 'ConfigMap', 'prometheus-config').data;
  for (const [file, content] of Object.entries<string>(data)) fs.writeFileSync(path.join(dir, file), content);
  const config = promtool('check', 'config', 'prometheus.yml');
  expect(config.output).toContain('SUCCESS');
  expect(config.status).toBe(0);
  const rules = promtool('check', 'rules', 'alerts.yml');
  const count = (load(data['alerts.yml']) as any).groups[0].rules.length;
  expect(count).toBeGreaterThanOrEqual(7);
  expect(rules.output).toContain(`SUCCESS: ${count} rules found`);
  expect(rules.status).toBe(0);
});

const ALERTS_TEST = path.join(__dirname, 'alerts.test.yml');

test('promtool test rules: the alerts fire when they should and stay quiet otherwise', () => {
  const groups = find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts').spec.groups;
  for (const group of groups) for (const rule of group.rules) delete rule.annotations;
  fs.writeFileSync(path.join(dir, 'alerts.yml'), dump({ groups }, { lineWidth: -1 }));
  fs.copyFileSync(ALERTS_TEST, path.join(dir, 'alerts.test.yml'));
  const r = promtool('test', 'rules', 'alerts.test.yml');
  expect(r.output).toContain('SUCCESS');
  expect(r.status).toBe(0);
});

test('every alert has a promtool case where it fires and one where it stays quiet', () => {
  const alerts = find(manifestsOf('prod'), 'PrometheusRule', 'easyflow-alerts')
    .spec.groups[0].rules.map((r: any) => r.alert)
    .sort();
  const cases = (load(fs.readFileSync(ALERTS_TEST, 'utf8')) as any).tests.flatMap((t: any) => t.alert_rule_test);
  const covered = (fires: boolean) =>
    [...new Set(cases.filter((c: any) => c.exp_alerts.length > 0 === fires).map((c: any) => c.alertname))].sort();
  expect(covered(true)).toEqual(alerts);
  expect(covered(false)).toEqual(alerts);
});

test('every dashboard query parses', () => {
  const rules = {
    groups: [
      {
        name: 'dashboard',
        rules: PANELS.map((p, i) => ({
          record: `easyflow:panel_${i + 1}`,
          expr: p.expr.replace(/\$namespace/g, 'easyflow'),
        })),
      },
    ],
  };
  fs.writeFileSync(path.join(dir, 'dashboard.yml'), dump(rules, { lineWidth: -1 }));
  const r = promtool('check', 'rules', 'dashboard.yml');
  expect(r.output).toContain(`SUCCESS: ${PANELS.length} rules found`);
  expect(r.status).toBe(0);
});

test('a broken expression is caught (the check is real)', () => {
  fs.writeFileSync(
    path.join(dir, 'bad.yml'),
    dump({ groups: [{ name: 'x', rules: [{ record: 'x', expr: 'sum(rate(foo[5m])' }] }] }),
  );
  expect(promtool('check', 'rules', 'bad.yml').status).not.toBe(0);
});
