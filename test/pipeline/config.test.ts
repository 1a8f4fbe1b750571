import { execFileSync } from 'child_process';
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
      'config/prod.yaml: replicas is not a known key; allowed here: $schema, namespace, tier, imageDigests, image, app, celery, postgres, redis, ingress, backup, monitoring, secrets, edge, network, migrations',
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

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'an environment named after an Object.prototype key (%s.yaml) is refused by name',
    (name) => {
      expect(problemsOf(PROD, `config/${name}.yaml`)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^config/${name}\\.yaml: the environment name "${name}" \\(the file name\\) (must be a DNS label|is reserved)`,
          ),
        ),
      ]);
    },
  );

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

describe('production names the API server (network.apiServerCIDR) and the app image digest', () => {
  const production = (ranges?: string) =>
    prodWith(
      '  prometheusNamespace: monitoring\n',
      `  prometheusNamespace: monitoring\n${ranges === undefined ? '' : `  apiServerCIDR: ${ranges}\n`}`,
    ).replace("tag: '1.0.0'\n", `tag: '1.0.0'\n  digest: 'sha256:${'a'.repeat(64)}'\n`) + 'tier: production\n';

  test('is required for tier: production', () => {
    expect(problemsOf(production())).toEqual([
      `${FILE}: network.apiServerCIDR is required for tier: production: the database's egress to the Kubernetes API must name the control plane's ranges (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), IPv6 too where the cluster has it`,
    ]);
  });

  test('may not be every address', () => {
    expect(problemsOf(production("['10.0.0.0/28', '::/0']"))).toEqual([
      `${FILE}: network.apiServerCIDR.1 is "::/0", every address; tier: production needs the control plane's own range`,
    ]);
  });

  test('takes IPv4 and IPv6 ranges', () => {
    const ranges = ['10.0.0.0/28', 'fd00:10::/64'];
    expect(parseConfig(FILE, production(JSON.stringify(ranges))).network?.apiServerCIDR).toEqual(ranges);
  });

  test('production pulls the app image by digest', () => {
    expect(problemsOf(production("['10.0.0.0/28']").replace(/ {2}digest: .*\n/, ''))).toEqual([
      `${FILE}: image.digest is required for tier: production: the app image is pulled by tag and digest (npm run set-image -- <env> <tag>@sha256:<digest>)`,
    ]);
  });

  test('production with imageDigests: pending may release by tag until the digests are known', () => {
    const text = production("['10.0.0.0/28']").replace(/ {2}digest: .*\n/, '') + 'imageDigests: pending\n';
    expect(parseConfig(FILE, text).imageDigests).toBe('pending');
  });

  test('a non-production environment may leave it out', () => {
    expect(parseConfig(FILE, PROD).network?.apiServerCIDR).toBeUndefined();
  });
});

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
      ['10.0.0.0/16', '999.999.999.999/99'],
      'network.apiServerCIDR.1 is "999.999.999.999/99": it must be a CIDR such as 10.0.0.0/16 or fd00:10::/64 (an IPv4 address then / and 0-32, or an IPv6 address then / and 0-128)',
    ],
    ['network.apiServerCIDR', '10.0.0.0/16', 'network.apiServerCIDR is "10.0.0.0/16" (a string) but must be a array'],
    [
      'network.prometheusPodLabels',
      { 'app.kubernetes.io/name': 'prometheus server' },
      'network.prometheusPodLabels.app.kubernetes.io/name is "prometheus server": it must be a Kubernetes label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ],
    [
      'backup.s3.endpoint',
      'https://minio_local:9000',
      'backup.s3.endpoint is "https://minio_local:9000": it has "minio_local", which is not a host name',
    ],
    [
      'monitoring.alerts.runbookBaseURL',
      'https://user:pw@wiki.example.com/runbooks',
      'monitoring.alerts.runbookBaseURL is "https://***@wiki.example.com/runbooks": it must not carry credentials (user:password@ or token@ before the host); every alert shows this link: keep runbooks where reading them needs no credentials in the URL',
    ],
    [
      'backup.s3.endpoint',
      'https://AKIAXXXX:secret@s3.example.com',
      'backup.s3.endpoint is "https://***@s3.example.com": it must not carry credentials (user:password@ or token@ before the host); S3 keys go in the Secret backup.s3.credentialsSecret names (filled by the S3 ExternalSecret with secrets.source external-secrets), never in the URL',
    ],
    [
      'backup.s3.endpoint',
      'https://s3.example.com:99999',
      'backup.s3.endpoint is "https://s3.example.com:99999": it has port "99999"; a port is a number from 1 to 65535',
    ],
    [
      'app.settings',
      { SENTRY_DSN: 'https://publickey@o1.ingest.sentry.io/1' },
      'app.settings.SENTRY_DSN holds a URL with credentials; secrets belong in a Secret, never in config',
    ],
    [
      'migrations',
      { command: ['alembic', '-x', 'url=postgresql://app:hunter2@postgres/easyflow', 'upgrade', 'head'] },
      'migrations.command.2 holds a URL with credentials; secrets belong in a Secret, never in config',
    ],
    [
      'monitoring.kubeStateMetricsTarget',
      'kube-state-metrics:99999',
      'monitoring.kubeStateMetricsTarget is "kube-state-metrics:99999": it must be host:port such as kube-state-metrics.monitoring.svc:8080 (a port from 1 to 65535)',
    ],
    [
      'monitoring.scrapeInterval',
      '99999999999999999999s',
      'monitoring.scrapeInterval is "99999999999999999999s" but must match ^[1-9][0-9]{0,4}(s|m)$',
    ],
    ['secrets.refreshInterval', '0s', 'secrets.refreshInterval is "0s": it must be longer than 0s'],
    ['postgres.storage.size', '0', 'postgres.storage.size is "0": it must be larger than 0'],
    ['redis.storage.size', '0Gi', 'redis.storage.size is "0Gi": it must be larger than 0'],
    [
      'backup.storage.size',
      '-1Gi',
      'backup.storage.size is "-1Gi": it must be a Kubernetes quantity such as 500m, 1, 512Mi or 20Gi',
    ],
    ['app.resources.limits.memory', '0', 'app.resources.limits.memory is "0": it must be larger than 0'],
    ['app.resources.limits.cpu', '0m', 'app.resources.limits.cpu is "0m": it must be larger than 0'],
    [
      'ingress.host',
      '203.0.113.7',
      'ingress.host is "203.0.113.7": it is an IP address; it must be a DNS name such as api.easyflow.dev (certificates and routes name hosts)',
    ],
    [
      'ingress.host',
      'api.easyflow.123',
      'ingress.host is "api.easyflow.123": it must be a fully qualified DNS name such as api.easyflow.dev (lower case, no scheme or port)',
    ],
    [
      'image.repository',
      'registry.example.com:99999/easyflow',
      'image.repository is "registry.example.com:99999/easyflow": it is not an image repository: the registry port 99999 is not a port (1-65535)',
    ],
    [
      'redis.image',
      'registry.example.com:0/redis:7.4.1',
      'redis.image is "registry.example.com:0/redis:7.4.1": it is not a pinned image: the registry port 0 is not a port (1-65535)',
    ],
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

  test('a %YAML 1.1 directive is refused: 1.1 would read 1:30 as 90', () => {
    expect(problems(`%YAML 1.1\n---\n${minimalWith('backup.timeZone', '1:30')}`)).toEqual([
      `${M}:1:1: %YAML 1.1 directive: config files are YAML 1.2 (1.1 reads 1:30 as 90 and yes as true); remove the directive`,
    ]);
    expect(() => parseConfig(M, `%YAML 1.2\n---\n${minimalYaml()}`)).not.toThrow();
  });

  test('an undefined alias is named as such', () => {
    expect(problems(`${minimalYaml()}tier: *nope\n`)).toEqual([
      `${M}: the alias *nope names no anchor &nope set before it`,
    ]);
  });

  test.each([
    ['!!binary aGVsbG8=', 'binary data (!!binary)'],
    ['!!timestamp 2026-12-03', 'a timestamp (!!timestamp)'],
    ['!!set { a, b }', 'a set (!!set)'],
    ['!!omap [ { a: 1 } ]', 'an ordered mapping (!!omap or !!pairs)'],
  ])('a value tagged %s is named for what it is', (value, what) => {
    expect(problems(minimalYaml().replace('namespace: easyflow-min', `namespace: ${value}`))).toEqual([
      `${M}: namespace is ${what}; config values are strings, numbers, booleans, lists and mappings`,
    ]);
  });

  test('an unknown tag is refused, not read as a string', () => {
    expect(problems(minimalYaml().replace('namespace: easyflow-min', 'namespace: !vault easyflow-min'))).toEqual([
      `${M}:2:12: YAML syntax error: Unresolved tag: !vault`,
    ]);
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

  test('refuses dev.YAML and "dev.yaml " by name, never skips them', () => {
    fs.writeFileSync(path.join(dir, 'prod.yaml'), PROD);
    fs.writeFileSync(path.join(dir, 'dev.YAML'), PROD);
    fs.writeFileSync(path.join(dir, 'qa.yaml '), PROD);
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([
        `${dir}/dev.YAML: config files end in .yaml; rename it to dev.yaml`,
        `"${dir}/qa.yaml ": the name has spaces around it; rename it to qa.yaml`,
      ]),
    );
  });

  test('a FIFO, a directory or a device named *.yaml is refused by name, never opened', () => {
    fs.writeFileSync(path.join(dir, 'prod.yaml'), PROD);
    execFileSync('mkfifo', [path.join(dir, 'qa.yaml')]);
    fs.mkdirSync(path.join(dir, 'dir.yaml'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    expect(() => loadEnvironments(dir)).toThrow(
      new ConfigError([
        `${dir}/dir.yaml: is a directory, not a config file; remove it`,
        `${dir}/qa.yaml: is a FIFO (named pipe), not a config file; remove it`,
        `${dir}/zero.yaml: is a device, not a config file; remove it`,
      ]),
    );
  });

  test('refuses an empty folder', () => {
    expect(() => loadEnvironments(dir)).toThrow(`${dir}: no environment files (*.yaml) found`);
  });

  test('names a file it cannot read', () => {
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(`${dir}/missing.yaml: cannot be read (ENOENT)`);
  });
});

/**
 * Every bound at its edge: the last value inside passes and the first outside fails, naming the key,
 * so a bound loosened or tightened by one step is caught. Schema bounds are read from
 * config/schema.json (a new one is tested without an edit here); the cross-key rules are listed.
 */
describe('every config bound, at its edge', () => {
  const M = 'config/min.yaml';
  /** The problems of the minimal fixture edited at `keyPath`s (none: []). */
  const problems = (...edits: Array<[string, unknown]>): string[] => {
    const doc = parseDocument(minimalYaml());
    for (const [keyPath, value] of edits) doc.setIn(keyPath.split('.'), value);
    try {
      parseConfig(M, doc.toString());
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return [...e.problems];
      throw e;
    }
  };
  /** The range problems of one key (not a cross-key rule that names it). */
  const about = (keyPath: string, list: readonly string[]) =>
    list.filter((p) => p.startsWith(`${M}: ${keyPath} is `) && / is \S+ but must be /.test(p));

  type Bound = { path: string; integer: boolean; kind: string; at: number };
  const schema = JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, 'schema.json'), 'utf8'));
  const bounds: Bound[] = [];
  const walk = (node: any, at: string): void => {
    if (node.$ref) node = { ...schema.definitions[node.$ref.replace('#/definitions/', '')], ...node };
    // An inclusive bound an exclusive one at the same place or inside it shadows is not an edge.
    const shadowed = (kind: string): boolean =>
      (kind === 'maximum' && node.exclusiveMaximum <= node.maximum) ||
      (kind === 'minimum' && node.exclusiveMinimum >= node.minimum);
    for (const kind of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
      if (typeof node[kind] === 'number' && !shadowed(kind))
        bounds.push({ path: at, integer: node.type === 'integer', kind, at: node[kind] });
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, at ? `${at}.${key}` : key);
  };
  walk(schema, '');

  test('the schema has bounds to test', () => {
    expect(bounds.length).toBeGreaterThan(20);
  });

  test.each(bounds.map((b) => [b.path, b.kind, b.at, b] as const))('%s: %s %d', (keyPath, kind, at, b) => {
    const step = b.integer ? 1 : 0.001;
    const outward = kind.endsWith('inimum') ? -step : step;
    const [inside, outside] = kind.startsWith('exclusive') ? [at - outward, at] : [at, at + outward];
    expect(about(keyPath, problems([keyPath, inside]))).toEqual([]);
    expect(about(keyPath, problems([keyPath, outside]))).toEqual([
      expect.stringMatching(new RegExp(`^${M}: ${keyPath.replace(/\./g, '\\.')} is \\S+ but must be`)),
    ]);
  });

  test('minReplicas may equal maxReplicas, not exceed it by one', () => {
    expect(problems(['app.autoscaling.minReplicas', 4], ['app.autoscaling.maxReplicas', 4])).toEqual([]);
    expect(problems(['app.autoscaling.minReplicas', 5], ['app.autoscaling.maxReplicas', 4])).toEqual([
      `${M}: app.autoscaling.minReplicas is 5 but maxReplicas is 4; minReplicas must be <= maxReplicas`,
    ]);
  });

  test.each(['cpu', 'memory'])('a %s request may equal its limit, not exceed it by one unit', (kind) => {
    const [limit, over] = kind === 'cpu' ? ['500m', '501m'] : ['512Mi', '513Mi'];
    const at = 'app.resources';
    expect(problems([`${at}.limits.${kind}`, limit], [`${at}.requests.${kind}`, limit])).toEqual([]);
    expect(problems([`${at}.limits.${kind}`, limit], [`${at}.requests.${kind}`, over])).toEqual([
      `${M}: ${at}.requests.${kind} is "${over}" but limits.${kind} is "${limit}"; a request must not exceed its limit`,
    ]);
  });

  test.each(['burst', 'webhookBurst'])('ingress.rateLimit.%s may equal rps, not be one above it', (key) => {
    const rate = (value: number): Array<[string, unknown]> => [
      ['ingress.rateLimit', { rps: 10, burst: 20, webhookBurst: 100, [key]: value }],
    ];
    expect(problems(...rate(10))).toEqual([]);
    expect(problems(...rate(11))).toEqual([
      `${M}: ingress.rateLimit.${key} is 11 but must be a whole multiple of rps (10): ingress-nginx sets bursts as rps times a whole multiplier`,
    ]);
  });

  test('a StatefulSet database may say instances: 1, not 2', () => {
    expect(problems(['postgres.instances', 1])).toEqual([]);
    expect(problems(['postgres.instances', 2])).toEqual([
      `${M}: postgres.instances is 2 but mode statefulset runs exactly 1; use mode cloudnativepg for replicas`,
    ]);
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
