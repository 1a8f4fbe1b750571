/**
 * Every postgres_exporter and redis_exporter metric an alert or a dashboard panel reads is one the
 * real exporters emit: Debian's prometheus-postgres-exporter and prometheus-redis-exporter run with
 * the environment the synthesized Deployments give them (addresses pointed at loopback, secrets
 * filled in) against a real PostgreSQL 15 and Redis, and each name and label value used is looked
 * up on their /metrics. (Debian ships older releases than the pinned images; the names used here
 * are stable across them.) Other metrics are checked against test/fixtures/metrics.yaml.
 */
import { PANELS } from '../../lib/workloads/dashboard';
import { ENVIRONMENTS, find, manifestsOf, metricNames } from '../helpers';
import { PostgresServer, startPostgres } from './postgres-server';
import { Process, RedisServer, freePort, httpGet, startProcess, startRedis, waitFor } from './servers';

const manifests = manifestsOf('prod');
const containerOf = (name: string): any => find(manifests, 'Deployment', name).spec.template.spec.containers[0];

/** The exporter container's env as the manifest sets it, secrets replaced by `secret`, `host:port` by loopback. */
function envOf(container: any, secret: string, port: number): Record<string, string> {
  return Object.fromEntries(
    container.env.map((e: any) => [
      e.name,
      e.valueFrom?.secretKeyRef ? secret : String(e.value).replace(/(\/\/)?[a-z0-9-]+:\d+/, `$1127.0.0.1:${port}`),
    ]),
  );
}

/** The expressions of every alert (all environments) and every dashboard panel. */
const EXPRESSIONS = [
  ...ENVIRONMENTS.flatMap((env) =>
    find(manifestsOf(env), 'PrometheusRule', 'easyflow-alerts').spec.groups[0].rules.map((r: any) => r.expr as string),
  ),
  ...PANELS.map((p) => p.expr),
];

/** Metric name → the label sets of its samples, from a /metrics page. */
function parse(page: string): Map<string, Array<Record<string, string>>> {
  const out = new Map<string, Array<Record<string, string>>>();
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), labels]);
  }
  return out;
}

/**
 * What in `exprs` the scraped series do not have: a metric named with `prefix` that is not exported,
 * or a label matcher (other than job and namespace) that no series of its metric can satisfy.
 */
function problems(exprs: readonly string[], prefix: string, scraped: Map<string, Array<Record<string, string>>>) {
  const missing = [...new Set(exprs.flatMap(metricNames))]
    .filter((m) => m.startsWith(prefix) && !scraped.has(m))
    .map((m) => `${m}: not exported`);
  const labels = exprs.flatMap((expr) =>
    [...expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)]
      .filter((m) => m[1]!.startsWith(prefix) && scraped.has(m[1]!))
      .flatMap((m) => {
        const series = scraped.get(m[1]!)!;
        return [...m[2]!.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)]
          .filter(([, label]) => label !== 'job' && label !== 'namespace')
          .filter(([, label, op, value]) =>
            op === '=' ? !series.some((s) => s[label!] === value) : !series.some((s) => label! in s),
          )
          .map(([, label, op, value]) => `${m[1]}{${label}${op}"${value}"}: no such series`);
      }),
  );
  return [...missing, ...labels];
}

async function scrape(exporter: Process, port: number, ready: (page: string) => boolean): Promise<string> {
  let page = '';
  await waitFor(
    `exporter on ${port}`,
    async () => ready((page = await httpGet(`http://127.0.0.1:${port}/metrics`))),
    () => `${exporter.output()}\n${page.slice(0, 2000)}`,
  );
  return page;
}

describe('postgres_exporter', () => {
  let pg: PostgresServer;
  let exporter: Process;
  let page: string;

  beforeAll(async () => {
    pg = startPostgres();
    const port = await freePort();
    const env = envOf(containerOf('postgres-exporter'), pg.password, pg.port);
    const user = env.DATA_SOURCE_USER ?? 'postgres';
    if (user !== 'postgres')
      pg.sql('postgres', `CREATE ROLE ${user} LOGIN PASSWORD '${pg.password}' IN ROLE pg_monitor`);
    const database = /\/([a-z_][a-z0-9_]*)/.exec(env.DATA_SOURCE_URI ?? '')?.[1];
    if (database && database !== 'postgres') pg.sql('postgres', `CREATE DATABASE ${database}`);
    exporter = startProcess('prometheus-postgres-exporter', [], {
      PATH: process.env.PATH,
      ...env,
      PG_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${port}`,
    });
    page = await scrape(exporter, port, (p) => /^pg_up 1$/m.test(p));
  });
  afterAll(async () => {
    await exporter?.stop();
    pg?.stop();
  });

  test('it connects with the settings the Deployment gives it', () => {
    expect(page).toMatch(/^pg_up 1$/m);
  });

  test('every pg_* metric and label value the alerts and panels use is exported', () => {
    expect(EXPRESSIONS.flatMap(metricNames)).toContain('pg_stat_activity_count');
    expect(problems(EXPRESSIONS, 'pg_', parse(page))).toEqual([]);
  });

  test('a misspelt metric or a label value nothing has is caught', () => {
    expect(
      problems(['sum(pg_stat_activty_count{job="postgres"})', 'pg_up{server="nowhere"}'], 'pg_', parse(page)),
    ).toEqual(['pg_stat_activty_count: not exported', 'pg_up{server="nowhere"}: no such series']);
  });
});

describe('redis_exporter', () => {
  let redis: RedisServer;
  let exporter: Process;
  let page: string;

  beforeAll(async () => {
    redis = await startRedis();
    // Celery's queue as a broker leaves it: a list named celery in db 0.
    redis.cli('RPUSH', 'celery', '{"task": "x"}');
    const port = await freePort();
    exporter = startProcess('prometheus-redis-exporter', [], {
      PATH: process.env.PATH,
      ...envOf(containerOf('redis-exporter'), redis.password, redis.port),
      REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${port}`,
    });
    page = await scrape(exporter, port, (p) => /^redis_up 1$/m.test(p));
  });
  afterAll(async () => {
    await exporter?.stop();
    await redis?.stop();
  });

  test('it connects with the password and address the Deployment gives it', () => {
    expect(page).toMatch(/^redis_up 1$/m);
  });

  test("every redis_* metric and label value the alerts and panels use is exported, Celery's queue included", () => {
    expect(EXPRESSIONS.flatMap(metricNames)).toContain('redis_key_size');
    expect(problems(EXPRESSIONS, 'redis_', parse(page))).toEqual([]);
  });
});
