import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import {
  ConfigError,
  MAX_ALIASES,
  MAX_CONFIG_BYTES,
  loadConfig,
  loadEnvironments,
  parseConfig,
  parseYamlFile,
} from '../../lib/pipeline/config';
import { CONFIG_DIR, ENVIRONMENTS, configOf, fixture } from '../helpers';

const FILE = 'config/prod.yaml';
const minimalYaml = () => fixture('minimal.yaml');
const PROD = fixture('prod.yaml');

/** The prod fixture with one edit; fails when the text to replace is not there. */
function prodWith(from: string, to: string): string {
  if (!PROD.includes(from)) throw new Error(`test/fixtures/prod.yaml has no "${from}"`);
  return PROD.replace(from, to);
}

function problemsOf(text: string, file = FILE): string[] {
  try {
    parseConfig(file, text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('the committed environments', () => {
  test('load, each named by its file, with its own namespace and host', () => {
    const envs = loadEnvironments(CONFIG_DIR);
    expect(envs.map((e) => [e.name, e.file])).toEqual(ENVIRONMENTS.map((env) => [env, `${CONFIG_DIR}/${env}.yaml`]));
    expect(new Set(envs.map((e) => e.namespace)).size).toBe(envs.length);
    expect(new Set(envs.map((e) => e.ingress.host)).size).toBe(envs.length);
    for (const env of envs) expect(env).toEqual(configOf(env.name));
  });

  test('a key left out stays undefined: the construct it feeds owns the default', () => {
    const c = parseConfig('config/min.yaml', minimalYaml());
    expect(c.ingress.rateLimit).toBeUndefined();
    expect(c.backup.schedule).toBeUndefined();
    expect(c.secrets).toBeUndefined();
    expect(c.network).toBeUndefined();
  });
});

describe('bad input names the file, the key path and the value', () => {
  test.each<[string, string, string]>([
    [
      'a misspelt key',
      prodWith('minReplicas: 3', 'minReplica: 3'),
      'config/prod.yaml: app.autoscaling.minReplica is not a known key (did you mean app.autoscaling.minReplicas?); allowed here: minReplicas, maxReplicas, targetCPUUtilizationPercent, targetMemoryUtilizationPercent',
    ],
    [
      'an unknown top-level key',
      PROD + 'replicas: 3\n',
      'config/prod.yaml: replicas is not a known key; allowed here: $schema, namespace, tier, image, app, celery, postgres, redis, ingress, backup, monitoring, secrets, edge, network, migrations',
    ],
    [
      'a wrong type',
      prodWith('minReplicas: 3', 'minReplicas: three'),
      'config/prod.yaml: app.autoscaling.minReplicas is "three" (a string) but must be a whole number',
    ],
    [
      'min above max',
      prodWith('minReplicas: 3', 'minReplicas: 12'),
      'config/prod.yaml: app.autoscaling.minReplicas is 12 but maxReplicas is 10; minReplicas must be <= maxReplicas',
    ],
    [
      'an empty image tag',
      prodWith("tag: '1.0.0'", "tag: ''"),
      'config/prod.yaml: image.tag is "": it is not a deployable image tag: the tag is empty',
    ],
    [
      'the latest tag',
      prodWith("tag: '1.0.0'", 'tag: latest'),
      'config/prod.yaml: image.tag is "latest": it is not a deployable image tag: "latest" is not a release: pin a version tag',
    ],
    [
      'a host with a scheme',
      prodWith('host: api.easyflow.dev', 'host: https://api.easyflow.dev'),
      'config/prod.yaml: ingress.host is "https://api.easyflow.dev": it must be a fully qualified DNS name such as api.easyflow.dev (lower case, no scheme or port)',
    ],
    [
      'an upper-case host',
      prodWith('host: api.easyflow.dev', 'host: API.easyflow.dev'),
      'config/prod.yaml: ingress.host is "API.easyflow.dev": it must be a fully qualified DNS name such as api.easyflow.dev (lower case, no scheme or port)',
    ],
    [
      'an hour out of range',
      prodWith("schedule: '0 2 * * *'", "schedule: '0 25 * * *'"),
      'config/prod.yaml: backup.schedule is "0 25 * * *": it is not a valid cron schedule: "25" in the hour field is outside 0-23',
    ],
    [
      'a six-field schedule',
      prodWith("schedule: '0 2 * * *'", "schedule: '0 0 2 * * *'"),
      'config/prod.yaml: backup.schedule is "0 0 2 * * *": it is not a valid cron schedule: expected 5 fields (minute hour day-of-month month day-of-week), found 6',
    ],
    [
      'a memory quantity in MB',
      prodWith('requests: { cpu: 500m, memory: 512Mi }', 'requests: { cpu: 500m, memory: 512MB }'),
      'config/prod.yaml: app.resources.requests.memory is "512MB": it must be a Kubernetes quantity such as 500m, 1, 512Mi or 20Gi',
    ],
    [
      'a storage size without unit suffix letters',
      prodWith('storage: { size: 50Gi }', 'storage: { size: fifty }'),
      'config/prod.yaml: postgres.storage.size is "fifty": it must be a Kubernetes quantity such as 500m, 1, 512Mi or 20Gi',
    ],
    [
      'a request above its limit',
      prodWith(
        'requests: { cpu: 250m, memory: 256Mi }\n    limits: { cpu: 500m, memory: 512Mi }',
        'requests: { cpu: 250m, memory: 1Gi }\n    limits: { cpu: 500m, memory: 512Mi }',
      ),
      'config/prod.yaml: redis.resources.requests.memory is "1Gi" but limits.memory is "512Mi"; a request must not exceed its limit',
    ],
    [
      'a burst that is not a multiple of rps',
      prodWith('burst: 20', 'burst: 25'),
      'config/prod.yaml: ingress.rateLimit.burst is 25 but must be a whole multiple of rps (10): ingress-nginx sets bursts as rps times a whole multiplier',
    ],
    [
      'a secret in settings',
      prodWith('  workers: 4\n', '  workers: 4\n  settings:\n    STRIPE_API_KEY: sk_live_x\n'),
      'config/prod.yaml: app.settings.STRIPE_API_KEY looks like a secret; secrets come from easyflow-secrets, never from config',
    ],
    [
      'an unpinned image',
      prodWith('redis:7.4.9-alpine', 'redis'),
      'config/prod.yaml: redis.image is "docker.io/library/redis": it is not a pinned image: the image has no tag: pin a version tag such as :15.10-alpine',
    ],
    [
      'an image on latest',
      prodWith('redis:7.4.9-alpine', 'redis:latest'),
      'config/prod.yaml: redis.image is "docker.io/library/redis:latest": it is not a pinned image: "latest" is not a release: pin a version tag',
    ],
    [
      'a missing required key',
      prodWith('  host: api.easyflow.dev\n', ''),
      'config/prod.yaml: ingress.host is required but missing',
    ],
    [
      'a value outside an enum',
      prodWith('source: external-secrets', 'source: vault'),
      'config/prod.yaml: secrets.source is "vault" but must be one of "external-secrets", "existing"',
    ],
    [
      'an alert threshold out of range',
      prodWith('  scrapeInterval: 15s\n', '  scrapeInterval: 15s\n  alerts:\n    errorRatio: 5\n'),
      'config/prod.yaml: monitoring.alerts.errorRatio is 5 but must be < 1',
    ],
    [
      'replicas in the StatefulSet mode',
      prodWith('  instances: 2\n', '  instances: 2\n').replace('mode: cloudnativepg', 'mode: statefulset'),
      'config/prod.yaml: postgres.instances is 2 but mode statefulset runs exactly 1; use mode cloudnativepg for replicas',
    ],
    [
      'the superuser as the CloudNativePG owner',
      prodWith('  user: easyflow\n', '  user: postgres\n'),
      'config/prod.yaml: postgres.user is "postgres" but mode cloudnativepg needs an application owner (e.g. easyflow); postgres is the operator\'s superuser',
    ],
    [
      'a YAML syntax error',
      prodWith('  workers: 4\n', '  workers: [4\n'),
      'config/prod.yaml:12:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['a file that is a list', '- a\n', 'config/prod.yaml: must be a YAML mapping of settings, found a list'],
  ])('%s', (_case, text, message) => {
    expect(problemsOf(text)).toContain(message);
  });

  test('every problem of a file is reported at once', () => {
    const text = prodWith('minReplicas: 3', 'minReplicas: 30').replace('burst: 20', 'burst: 25');
    expect(problemsOf(text)).toHaveLength(2);
  });

  test('the environment name comes from the file name and must be a DNS label', () => {
    expect(problemsOf(PROD, 'config/Prod_EU.yaml')).toEqual([
      'config/Prod_EU.yaml: the environment name "Prod_EU" (the file name) must be a DNS label',
    ]);
  });

  test('a message carries no stack trace', () => {
    const text = prodWith('minReplicas: 3', 'minReplicas: 12');
    for (const line of problemsOf(text)) expect(line).not.toMatch(/\n\s+at /);
  });
});

/** The minimal fixture with `value` set at `keyPath`. */
function minimalWith(keyPath: string, value: unknown): string {
  const doc = parseDocument(minimalYaml());
  doc.setIn(keyPath.split('.'), value);
  return doc.toString();
}

describe('hostile or careless input is refused with file, key path and a short value, never a crash', () => {
  const M = 'config/min.yaml';
  const problems = (text: string): string[] => problemsOf(text, M);

  test.each<[string, unknown, string]>([
    ['app.runAsUser', 1e20, 'app.runAsUser is 100000000000000000000 but must be <= 2147483647'],
    ['ingress.hstsMaxAgeSeconds', 1e21, 'ingress.hstsMaxAgeSeconds is 1e+21 but must be <= 2147483647'],
    ['ingress.rateLimit.rps', 1e300, 'ingress.rateLimit.rps is 1e+300 but must be <= 100000'],
    ['app.autoscaling.minReplicas', 1e9, 'app.autoscaling.minReplicas is 1000000000 but must be <= 100'],
    ['monitoring.alerts.errorRatio', 5, 'monitoring.alerts.errorRatio is 5 but must be <= 1'],
    [
      'monitoring.alerts.latencyP95Seconds',
      Infinity,
      'monitoring.alerts.latencyP95Seconds is Infinity but must be a finite number',
    ],
    [
      'monitoring.alerts.latencyP95Seconds',
      NaN,
      'monitoring.alerts.latencyP95Seconds is NaN but must be a finite number',
    ],
    [
      'monitoring.selectorLabels',
      { 'bad key!': 'x' },
      'monitoring.selectorLabels."bad key!" is not an allowed key: it must be a Kubernetes label key: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit, after an optional DNS prefix and "/"',
    ],
    [
      'monitoring.selectorLabels',
      { 'Example.COM/x': 'y' },
      'monitoring.selectorLabels.Example.COM/x is not an allowed key: it must be a Kubernetes label key: its prefix before "/" must be a lower-case DNS subdomain',
    ],
    [
      'monitoring.selectorLabels',
      { release: 'kube prometheus' },
      'monitoring.selectorLabels.release is "kube prometheus": it must be a Kubernetes label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ],
    [
      'network.apiServerCIDR',
      '999.999.999.999/99',
      'network.apiServerCIDR is "999.999.999.999/99": it must be an IPv4 CIDR such as 10.0.0.0/16 (four numbers 0-255, then / and 0-32)',
    ],
    [
      'backup.s3.endpoint',
      'https://minio_local:9000',
      'backup.s3.endpoint is "https://minio_local:9000": it has "minio_local", which is not a host name',
    ],
    [
      'monitoring.alerts.runbookBaseURL',
      'https://user:pw@wiki.example.com/runbooks',
      'monitoring.alerts.runbookBaseURL is "https://user:pw@wiki.example.com/runbooks": it must not carry credentials',
    ],
    ['secrets.refreshInterval', '0s', 'secrets.refreshInterval is "0s": it must be longer than 0s'],
    [
      'secrets.refreshInterval',
      '99999999h',
      'secrets.refreshInterval is "99999999h": it must be at most a year (8760h)',
    ],
    [
      'secrets.refreshInterval',
      '1d',
      'secrets.refreshInterval is "1d": it must be a duration such as 30s, 5m, 1h or 1h30m',
    ],
  ])('%s: %p', (keyPath, value, message) => {
    expect(problems(minimalWith(keyPath, value))).toContain(`${M}: ${message}`);
  });

  test('good values of the same kinds pass', () => {
    let text = minimalWith('monitoring.selectorLabels', {
      'app.kubernetes.io/part-of': 'kube-prometheus',
      release: '',
    });
    text = parseDocument(text).toString();
    const doc = parseDocument(text);
    doc.setIn(['secrets', 'refreshInterval'], '1h30m');
    expect(() => parseConfig(M, doc.toString())).not.toThrow();
  });

  test('a long value is cut to a readable length in the message', () => {
    const [message] = problems(minimalWith('namespace', 'x'.repeat(100_000)));
    expect(message).toBe(
      `${M}: namespace is "${'x'.repeat(59)}... (100002 characters): it must be a DNS label: lower-case letters, digits and "-", at most 63 characters`,
    );
  });

  test('an alias bomb is refused before it expands', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
    ]) {
      levels.push(`${to}: &${to} [${Array(9).fill(`*${from}`).join(', ')}]`);
    }
    expect(problems(levels.join('\n'))).toEqual([
      `${M}: uses aliases (*name) more than ${MAX_ALIASES} times, expanded; write the values out`,
    ]);
  });

  test('a file beyond the size limit is refused unread', () => {
    expect(problems(`namespace: x\n#${'-'.repeat(MAX_CONFIG_BYTES)}\n`)).toEqual([
      `${M}: is ${MAX_CONFIG_BYTES + 15} bytes; a config file may have at most ${MAX_CONFIG_BYTES}`,
    ]);
  });

  test('nesting too deep for a config is refused', () => {
    const depth = 100_000;
    const [message] = problems(`namespace: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    expect(message).toMatch(new RegExp(`^${M}(:\\d+:\\d+: YAML syntax error|: is nested too deeply)`));
  });

  test('a duplicated key is a syntax error', () => {
    expect(problems('namespace: a\nnamespace: b\n')[0]).toMatch(
      /^config\/min.yaml:2:1: YAML syntax error: Map keys must be unique/,
    );
  });
});

describe('loadEnvironments', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('collects the problems of every file', () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), prodWith('minReplicas: 3', 'minReplicas: 12'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), prodWith('burst: 20', 'burst: 25'));
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([
        `${dir}/a.yaml: app.autoscaling.minReplicas is 12 but maxReplicas is 10; minReplicas must be <= maxReplicas`,
        `${dir}/b.yaml: ingress.rateLimit.burst is 25 but must be a whole multiple of rps (10): ingress-nginx sets bursts as rps times a whole multiplier`,
      ]),
    );
  });

  test('refuses two environments in one namespace or on one host, naming both when neither owns the value', () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), PROD);
    fs.writeFileSync(path.join(dir, 'b.yaml'), PROD);
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([
        `${dir}/a.yaml: namespace is "easyflow", already used by ${dir}/b.yaml; each environment needs its own`,
        `${dir}/b.yaml: namespace is "easyflow", already used by ${dir}/a.yaml; each environment needs its own`,
        `${dir}/a.yaml: ingress.host is "api.easyflow.dev", already used by ${dir}/b.yaml; each environment needs its own`,
        `${dir}/b.yaml: ingress.host is "api.easyflow.dev", already used by ${dir}/a.yaml; each environment needs its own`,
      ]),
    );
  });

  test('blames the copy: a value carrying one environment name belongs to that environment', () => {
    const staging = prodWith('namespace: easyflow', 'namespace: easyflow-staging').replace(
      'host: api.easyflow.dev',
      'host: api.staging.easyflow.dev',
    );
    fs.writeFileSync(path.join(dir, 'staging.yaml'), staging);
    fs.writeFileSync(path.join(dir, 'qa.yaml'), staging);
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([
        `${dir}/qa.yaml: namespace is "easyflow-staging", already used by ${dir}/staging.yaml; each environment needs its own`,
        `${dir}/qa.yaml: ingress.host is "api.staging.easyflow.dev", already used by ${dir}/staging.yaml; each environment needs its own`,
      ]),
    );
  });

  test('ignores editor and hidden files and refuses a .yml by name', () => {
    fs.writeFileSync(path.join(dir, 'prod.yaml'), PROD);
    for (const name of ['.#prod.yaml', '.prod.yaml.swp', 'prod.yaml~', '#prod.yaml#']) {
      fs.writeFileSync(path.join(dir, name), 'not: [yaml');
    }
    expect(loadEnvironments(dir).map((e) => e.name)).toEqual(['prod']);
    fs.writeFileSync(path.join(dir, 'qa.yml'), PROD);
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([`${dir}/qa.yml: config files end in .yaml; rename it to qa.yaml`]),
    );
  });

  test('refuses an empty folder', () => {
    expect(() => loadEnvironments(dir)).toThrow(`${dir}: no environment files (*.yaml) found`);
  });

  test('names a file it cannot read', () => {
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(`${dir}/missing.yaml: cannot be read (ENOENT)`);
  });
});

test('the compiled config validator is reused by content: a schema edited at the same size is a new verdict', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-config-schema-'));
  try {
    const file = path.join(dir, 'schema.json');
    // A schema of its own (the run's pid in it), so no earlier run's cache entry can answer.
    fs.writeFileSync(
      file,
      JSON.stringify({ $id: `test-${process.pid}`, type: 'object', properties: { a: { type: 'integer' } } }),
    );
    const check = () => () => parseYamlFile('x.yaml', 'a: 1\n', JSON.parse(fs.readFileSync(file, 'utf8')) as object);
    expect(check()).not.toThrow();
    expect(check()).not.toThrow();
    const { atime, mtime } = fs.statSync(file);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"integer"', '"boolean"'));
    fs.utimesSync(file, atime, mtime);
    expect(check()).toThrow('x.yaml: a');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
