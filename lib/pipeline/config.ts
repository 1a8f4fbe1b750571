/**
 * Per-environment configuration: `config/<env>.yaml`, checked against `config/schema.json`
 * (structure, types, unknown keys, formats) and then against the rules a schema cannot say
 * (min <= max, requests <= limits, burst a multiple of rps, ...). Every problem in a file is
 * reported at once, each naming the file, the key path and the bad value.
 */
import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import schema from '../../config/schema.json';
import type { EnvironmentConfig } from '../environment';
import { CACHE_DIR, cachedEntry, contentKey, packageManifests, runModule } from '../platform/cache';
import { noteRead } from '../platform/reads';
import { ConfigError } from './config-error';
import { cidrProblem, ipFamily, isDnsLabel, isHostname } from '../platform/checks';
import { cronProblem } from '../platform/cron';
import { pinnedImageProblem, repositoryProblem, tagProblem } from '../platform/image';
import { isQuantity, parseQuantity } from '../platform/quantity';
import type { Resources } from '../platform/resources';
import { CREDENTIALS_PROBLEM, credentialsIn, isHost, maskCredentials, urlProblem } from '../platform/url';

export { ConfigError };

export const GITOPS_FILE = 'gitops.yaml';

/** Formats named in schema.json, with what a valid value looks like (used in error messages). */
const FORMATS: Record<string, { readonly check: (value: string) => string | undefined }> = {
  quantity: {
    check: (v) => (isQuantity(v) ? undefined : 'must be a Kubernetes quantity such as 500m, 1, 512Mi or 20Gi'),
  },
  'dns-label': {
    check: (v) =>
      isDnsLabel(v) ? undefined : 'must be a DNS label: lower-case letters, digits and "-", at most 63 characters',
  },
  'hostname-rfc1123': {
    check: (v) => {
      if (isHostname(v)) return undefined;
      return ipFamily(v.replace(/^\[(.*)\]$/, '$1'))
        ? 'is an IP address; it must be a DNS name such as api.easyflow.dev (certificates and routes name hosts)'
        : 'must be a fully qualified DNS name such as api.easyflow.dev (lower case, no scheme or port)';
    },
  },
  size: {
    check: (v) => {
      if (!isQuantity(v)) return 'must be a Kubernetes quantity such as 500m, 1, 512Mi or 20Gi';
      return parseQuantity(v) > 0 ? undefined : 'must be larger than 0';
    },
  },
  'git-ref': { check: gitRefProblem },
  'host-port': {
    check: (v) => {
      const m = /^(.+):(\d{1,5})$/.exec(v);
      const ok = m && isHost(m[1]!) && m[1] === m[1]!.toLowerCase() && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
      return ok
        ? undefined
        : 'must be host:port such as kube-state-metrics.monitoring.svc:8080 (a port from 1 to 65535)';
    },
  },
  ipv4: { check: (v) => (ipFamily(v) === 4 ? undefined : 'must be an IPv4 address such as 169.254.20.10') },
  cron: { check: (v) => cronProblem(v) && `is not a valid cron schedule: ${cronProblem(v)}` },
  'label-key': { check: labelKeyProblem },
  'label-value': { check: labelValueProblem },
  cidr: { check: cidrProblem },
  'https-url': { check: (v) => urlProblem(v, ['https']) },
  'git-url': { check: (v) => urlProblem(v, ['https', 'ssh'], true) },
  duration: { check: durationProblem },
  'image-tag': { check: (v) => tagProblem(v) && `is not a deployable image tag: ${tagProblem(v)}` },
  'image-repository': { check: (v) => repositoryProblem(v) && `is not an image repository: ${repositoryProblem(v)}` },
  'pinned-image': { check: (v) => pinnedImageProblem(v) && `is not a pinned image: ${pinnedImageProblem(v)}` },
};

/** A label name or value segment: alphanumerics with "-", "_" or "." inside, at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (prefix !== undefined && !(prefix.length <= 253 && prefix.split('.').every(isDnsLabel))) {
    return 'must be a Kubernetes label key: its prefix before "/" must be a lower-case DNS subdomain';
  }
  return LABEL_NAME.test(name)
    ? undefined
    : 'must be a Kubernetes label key: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit, after an optional DNS prefix and "/"';
}

function labelValueProblem(value: string): string | undefined {
  return value === '' || LABEL_NAME.test(value)
    ? undefined
    : 'must be a Kubernetes label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
}

/** Why git (check-ref-format) refuses `ref` as a branch or tag name, or undefined. */
function gitRefProblem(ref: string): string | undefined {
  const control = [...ref].some((c) => c <= ' ' || c === '\x7f');
  const rules: ReadonlyArray<readonly [boolean, string]> = [
    [ref.includes('..'), 'has ".."'],
    [ref.includes('@{'), 'has "@{"'],
    [control || /[~^:?*[\\]/.test(ref), 'has a space, a control character or one of ~ ^ : ? * [ \\'],
    [/^\/|\/$|\/\//.test(ref), 'starts or ends with "/" or has "//"'],
    [ref.endsWith('.'), 'ends with "."'],
    [/(^|\/)[.-]/.test(ref), 'has a part starting with "." or "-"'],
    [/\.lock(\/|$)/.test(ref), 'has a part ending in ".lock"'],
    [ref === '@', 'is "@"'],
  ];
  const broken = rules.find(([fails]) => fails);
  return broken && `is not a branch or tag name git accepts: it ${broken[1]}`;
}

/** Longest duration accepted: a year, far inside what Go's time.Duration (Flux, External Secrets) holds. */
const MAX_DURATION_SECONDS = 365 * 24 * 3600;

function durationProblem(value: string): string | undefined {
  if (!/^([0-9]{1,9}(s|m|h))+$/.test(value)) return 'must be a duration such as 30s, 5m, 1h or 1h30m';
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600 };
  const seconds = [...value.matchAll(/([0-9]+)(s|m|h)/g)].reduce((n, [, v, u]) => n + Number(v) * unit[u!]!, 0);
  if (seconds === 0) return 'must be longer than 0s';
  return seconds > MAX_DURATION_SECONDS ? 'must be at most a year (8760h)' : undefined;
}

/**
 * Ajv's compiler, loaded only to compile a schema no kept validator holds: a synth after a config
 * edit checks the file with the kept validator and does not load it.
 */
function compiler(): {
  Ajv: typeof Ajv;
  _: typeof import('ajv')._;
  standaloneCode: typeof import('ajv/dist/standalone').default;
} {
  /* eslint-disable @typescript-eslint/no-require-imports -- an import would load Ajv whenever a config file is read */
  const ajv = require('ajv') as typeof import('ajv');
  const standalone = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { Ajv: ajv.default, _: ajv._, standaloneCode: standalone.default };
}

/** The Ajv that compiles config schemas: strict, with the project's formats and annotations. */
function configAjv(): Ajv {
  const { Ajv, _ } = compiler();
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    code: { source: true, formats: _`formats` },
  });
  // Names the construct prop whose @default applies when a key is left out (config/README.md shows it).
  ajv.addKeyword({ keyword: 'x-default-of', schemaType: 'string' });
  // Where the credentials a URL must not carry go instead (added to the message that refuses them).
  ajv.addKeyword({ keyword: 'x-credentials', schemaType: 'string' });
  for (const name of Object.keys(FORMATS)) ajv.addFormat(name, FORMAT_DEFINITIONS[name]!);
  return ajv;
}

/** The formats as Ajv calls them, bound by name in the compiled validators. */
const FORMAT_DEFINITIONS = Object.fromEntries(
  Object.entries(FORMATS).map(([name, format]) => [
    name,
    { type: 'string' as const, validate: (value: string) => format.check(value) === undefined },
  ]),
);

const compiled = new Map<object, ValidateFunction>();

/**
 * The compiled validator of a config schema. Compiling costs more than a synth's whole config
 * check, so the validator (Ajv's standalone code) is kept under node_modules/.cache/easyflow/,
 * keyed by the sha256 of the schema as compiled, the package.json of Ajv and its dependencies,
 * the Node.js version and the source of the code that compiles (see platform/cache.ts).
 */
function validatorOf(configSchema: object): ValidateFunction {
  let validate = compiled.get(configSchema);
  if (!validate) {
    const text = JSON.stringify(configSchema);
    const key = contentKey([
      process.version,
      ...packageManifests('ajv'),
      String(compiler),
      String(configAjv),
      String(validatorOf),
      ...Object.entries(FORMAT_DEFINITIONS).map(([name, format]) => `${name}: ${format.type}`),
      text,
    ]);
    const code = cachedEntry(path.join(CACHE_DIR, 'config-validators'), `${key}.js`, () => {
      const ajv = configAjv();
      return compiler().standaloneCode(ajv, ajv.compile(JSON.parse(text) as object));
    });
    validate = runModule(code, { formats: FORMAT_DEFINITIONS }) as ValidateFunction;
    compiled.set(configSchema, validate);
  }
  return validate;
}

/** Every string value of `value` with its key path (`migrations.command.1`). */
function stringsOf(value: unknown, at: readonly string[]): Array<[string, string]> {
  if (typeof value === 'string') return [[at.join('.'), value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => stringsOf(v, [...at, k]));
}

/**
 * Parses `text` as YAML and checks it against `configSchema` (defaults filled in), throwing a
 * ConfigError that lists every problem: a syntax error with file:line:column, then each schema error
 * with the key path and the value.
 */
export function parseYamlFile(file: string, text: string, configSchema: object): unknown {
  const validate = validatorOf(configSchema);
  const data = parseYaml(file, text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([`${file}: must be a YAML mapping of settings, found ${describeType(data)}`]);
  }
  if (!validate(data)) {
    // A key that breaks `propertyNames` is reported once, by the propertyNames error that follows.
    const errors = (validate.errors ?? []).filter((e) => e.propertyName === undefined);
    throw new ConfigError(errors.map((e) => describeSchemaError(file, e)));
  }
  // Any other string (a setting, a command, a description) with a URL: no credentials in it either.
  const leaks = stringsOf(data, []).filter(([, value]) => credentialsIn(value).length > 0);
  if (leaks.length > 0) {
    throw new ConfigError(
      leaks.map(([at]) => `${file}: ${at} holds a URL with credentials; secrets belong in a Secret, never in config`),
    );
  }
  return data;
}

/** Config files are a few kilobytes; anything this large is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Aliases a config may use; `yaml` refuses more, so a few bytes cannot expand to gigabytes. */
export const MAX_ALIASES = 50;

/** The YAML in `text` as plain data, or a ConfigError with the file, line and column. */
function parseYaml(file: string, text: string): unknown {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError([
      `${file}: is ${Buffer.byteLength(text)} bytes; a config file may have at most ${MAX_CONFIG_BYTES}`,
    ]);
  }
  try {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    // A warning (an unknown !tag) would silently turn the value into a string: refused like an error.
    const error = doc.errors[0] ?? doc.warnings[0];
    if (error) {
      const at = error.linePos ? `${error.linePos[0].line}:${error.linePos[0].col}` : '?';
      throw new ConfigError([`${file}:${at}: YAML syntax error: ${error.message.split(' at line ')[0]}`]);
    }
    const { explicit, version } = doc.directives?.yaml ?? {};
    if (explicit && version !== '1.2') {
      const line = text.split('\n').findIndex((l) => l.startsWith('%YAML')) + 1;
      throw new ConfigError([
        `${file}:${line}:1: %YAML ${version} directive: config files are YAML 1.2 (1.1 reads 1:30 as 90 and yes as true); remove the directive`,
      ]);
    }
    const data: unknown = doc.toJS({ maxAliasCount: MAX_ALIASES });
    const tagged = taggedValues(data, []);
    if (tagged.length > 0) {
      throw new ConfigError(
        tagged.map(
          ([at, what]) =>
            `${file}: ${at || '(the document)'} is ${what}; config values are strings, numbers, booleans, lists and mappings`,
        ),
      );
    }
    return data;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const unresolved = e instanceof ReferenceError ? /^Unresolved alias.*: (.*)$/.exec(e.message) : null;
    if (unresolved) {
      throw new ConfigError([`${file}: the alias *${unresolved[1]} names no anchor &${unresolved[1]} set before it`]);
    }
    if (e instanceof ReferenceError) {
      throw new ConfigError([
        `${file}: uses aliases (*name) more than ${MAX_ALIASES} times, expanded; write the values out`,
      ]);
    }
    if (e instanceof RangeError) throw new ConfigError([`${file}: is nested too deeply to be a config file`]);
    throw e;
  }
}

/** The values YAML's explicit tags make (`!!binary`, `!!timestamp`, `!!set`, `!!omap`), by key path. */
function taggedValues(value: unknown, at: readonly string[]): Array<[string, string]> {
  const what =
    value instanceof Uint8Array
      ? 'binary data (!!binary)'
      : value instanceof Date
        ? 'a timestamp (!!timestamp)'
        : value instanceof Set
          ? 'a set (!!set)'
          : value instanceof Map
            ? 'an ordered mapping (!!omap or !!pairs)'
            : undefined;
  if (what) return [[at.join('.'), what]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => taggedValues(v, [...at, k]));
}

/** What a file that is not a regular file is, for a message. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

/** Reads `file`, naming it when it cannot be read; never opens what is not a regular file (a FIFO would block). */
export function readConfigFile(file: string): string {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new ConfigError([`${file}: is ${kindOf(stat)}, not a config file; remove it`]);
    const text = fs.readFileSync(file, 'utf8');
    noteRead(file, text);
    return text;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
  }
}

function keyPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Longest value echoed in a message. */
const SHOWN = 60;

/** `value` as a message shows it: YAML's .inf and .nan by name, anything long cut short. */
export function show(value: unknown): string {
  const text = maskCredentials(
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value)),
  );
  return text.length <= SHOWN ? text : `${text.slice(0, SHOWN)}... (${text.length} characters)`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const ranked = candidates
    .map((c) => ({ c, d: distance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((x, y) => x.d - y.d);
  return ranked[0] && ranked[0].d <= Math.max(2, Math.floor(word.length / 3)) ? ranked[0].c : undefined;
}

/** A key as a message shows it: as it is when short and plain, else quoted and cut short. */
function shownKey(key: string): string {
  return /^[A-Za-z0-9_./-]{1,60}$/.test(key) ? key : show(key);
}

function describeSchemaError(file: string, error: ErrorObject): string {
  const at = keyPath(error.instancePath);
  const where = at === '' ? '' : `${at} `;
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const full = at === '' ? shownKey(key) : `${at}.${shownKey(key)}`;
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const guess = closest(key, allowed);
      return (
        `${file}: ${full} is not a known key` +
        (guess ? ` (did you mean ${at === '' ? guess : `${at}.${guess}`}?)` : '') +
        `; allowed here: ${allowed.join(', ')}`
      );
    }
    case 'required': {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return `${file}: ${at === '' ? key : `${at}.${key}`} is required but missing`;
    }
    case 'type':
      if (typeof value === 'number' && !Number.isFinite(value))
        return `${file}: ${where}is ${show(value)} but must be a finite number`;
      return `${file}: ${where}is ${show(value)} (${describeType(value)}) but must be ${
        (error.params as { type: string }).type === 'integer'
          ? 'a whole number'
          : `a ${(error.params as { type: string }).type}`
      }`;
    case 'enum':
      return `${file}: ${where}is ${show(value)} but must be one of ${(
        error.params as { allowedValues: unknown[] }
      ).allowedValues
        .map(show)
        .join(', ')}`;
    case 'format': {
      const format = FORMATS[(error.params as { format: string }).format];
      const problem = format?.check(String(value)) ?? 'has the wrong format';
      const instead = (error.parentSchema as { 'x-credentials'?: string })['x-credentials'];
      const hint = problem === CREDENTIALS_PROBLEM && instead !== undefined ? `; ${instead}` : '';
      return `${file}: ${where}is ${show(value)}: it ${problem}${hint}`;
    }
    case 'pattern':
      return `${file}: ${where}is ${show(value)} but must match ${(error.params as { pattern: string }).pattern}`;
    case 'propertyNames': {
      const key = (error.params as { propertyName: string }).propertyName;
      const rule = (error.parentSchema as { propertyNames: { format?: string } }).propertyNames;
      const problem = rule.format
        ? FORMATS[rule.format]?.check(key)
        : 'must be an environment variable name (A-Z, 0-9, _)';
      return `${file}: ${at === '' ? '' : `${at}.`}${shownKey(key)} is not an allowed key: it ${problem}`;
    }
    default:
      return `${file}: ${where}is ${show(value)} but ${error.message ?? 'is invalid'}`;
  }
}

const SECRET_LIKE = /(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)/;

type Raw = Omit<EnvironmentConfig, 'name' | 'file'>;

function semanticProblems(file: string, c: Raw): string[] {
  const problems: string[] = [];
  const { minReplicas, maxReplicas } = c.app.autoscaling;
  if (minReplicas > maxReplicas) {
    problems.push(
      `${file}: app.autoscaling.minReplicas is ${minReplicas} but maxReplicas is ${maxReplicas}; minReplicas must be <= maxReplicas`,
    );
  }
  const resourceSets: Array<[string, Resources]> = [
    ['app.resources', c.app.resources],
    ['celery.worker.resources', c.celery.worker.resources],
    ['celery.beat.resources', c.celery.beat.resources],
    ['postgres.resources', c.postgres.resources],
    ['redis.resources', c.redis.resources],
    ['backup.resources', c.backup.resources],
    ['monitoring.postgresExporter.resources', c.monitoring.postgresExporter.resources],
    ['monitoring.redisExporter.resources', c.monitoring.redisExporter.resources],
    ...(c.backup.s3?.pitrSidecarResources
      ? [['backup.s3.pitrSidecarResources', c.backup.s3.pitrSidecarResources] as [string, Resources]]
      : []),
  ];
  for (const [at, r] of resourceSets) {
    for (const kind of ['cpu', 'memory'] as const) {
      const limit = r.limits[kind];
      if (limit !== undefined && parseQuantity(r.requests[kind]) > parseQuantity(limit)) {
        problems.push(
          `${file}: ${at}.requests.${kind} is "${r.requests[kind]}" but limits.${kind} is "${limit}"; a request must not exceed its limit`,
        );
      }
    }
  }
  // Left-out values take the constructs' defaults, which check the same rules with the construct path.
  const { rps, burst, webhookBurst } = c.ingress.rateLimit ?? {};
  for (const [key, value] of [
    ['burst', burst],
    ['webhookBurst', webhookBurst],
  ] as const) {
    if (rps !== undefined && value !== undefined && (value % rps !== 0 || value < rps)) {
      problems.push(
        `${file}: ingress.rateLimit.${key} is ${value} but must be a whole multiple of rps (${rps}): ingress-nginx sets bursts as rps times a whole multiplier`,
      );
    }
  }
  const provider = c.edge?.provider ?? 'gateway-api';
  if (c.edge?.migrateFrom === provider) {
    problems.push(
      `${file}: edge.migrateFrom is "${provider}", the same as edge.provider; it names the provider being left`,
    );
  }
  if (c.edge?.migrateFromNamespace !== undefined && c.edge.migrateFrom === undefined) {
    problems.push(`${file}: edge.migrateFromNamespace is set but edge.migrateFrom is not`);
  }
  if (c.edge?.gatewayClassName !== undefined && provider !== 'gateway-api' && c.edge.migrateFrom !== 'gateway-api') {
    problems.push(`${file}: edge.gatewayClassName is set but no gateway-api edge is synthesized`);
  }
  if (c.postgres.mode !== 'cloudnativepg' && c.postgres.instances !== undefined && c.postgres.instances !== 1) {
    problems.push(
      `${file}: postgres.instances is ${c.postgres.instances} but mode statefulset runs exactly 1; use mode cloudnativepg for replicas`,
    );
  }
  if (c.postgres.mode === 'cloudnativepg' && c.postgres.user === 'postgres') {
    problems.push(
      `${file}: postgres.user is "postgres" but mode cloudnativepg needs an application owner (e.g. easyflow); postgres is the operator's superuser`,
    );
  }
  if (c.tier === 'production') {
    if (c.image.digest === undefined && c.imageDigests !== 'pending') {
      problems.push(
        `${file}: image.digest is required for tier: production: the app image is pulled by tag and digest (npm run set-image -- <env> <tag>@sha256:<digest>)`,
      );
    }
    const ranges = c.network?.apiServerCIDR;
    if (ranges === undefined) {
      problems.push(
        `${file}: network.apiServerCIDR is required for tier: production: the database's egress to the Kubernetes API must name the control plane's ranges (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), IPv6 too where the cluster has it`,
      );
    }
    for (const [i, cidr] of (ranges ?? []).entries()) {
      if (cidr.endsWith('/0')) {
        problems.push(
          `${file}: network.apiServerCIDR.${i} is "${cidr}", every address; tier: production needs the control plane's own range`,
        );
      }
    }
  }
  for (const key of Object.keys(c.app.settings ?? {})) {
    if (SECRET_LIKE.test(key)) {
      problems.push(
        `${file}: app.settings.${key} looks like a secret; secrets come from easyflow-secrets, never from config`,
      );
    }
  }
  return problems;
}

/** Parses and validates one config file's text. `file` is used in messages only. */
export function parseConfig(file: string, text: string): EnvironmentConfig {
  const name = path.basename(file).replace(/\.ya?ml$/, '');
  if (!isDnsLabel(name)) {
    throw new ConfigError([`${file}: the environment name "${name}" (the file name) must be a DNS label`]);
  }
  if (name in Object.prototype) {
    // The construct library keeps children in a plain object, where this name is already taken.
    throw new ConfigError([
      `${file}: the environment name "${name}" (the file name) is reserved: every JavaScript object has a property of that name; rename the file`,
    ]);
  }
  const raw = structuredClone(parseYamlFile(file, text, schema)) as Raw;
  const problems = semanticProblems(file, raw);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { ...raw, name, file };
}

/**
 * Of the environments sharing a namespace or host, the ones at fault. A file copied from another keeps
 * the source's values, which carry the source's name (`easyflow-staging`, `api.staging.easyflow.dev`):
 * when exactly one environment's name is a word of the value, the others are the copies. Otherwise
 * every one of them is named.
 */
function sharedByCopies(value: string, sharing: readonly EnvironmentConfig[]): readonly EnvironmentConfig[] {
  const words = value.split(/[.-]/);
  const owners = sharing.filter((e) => words.includes(e.name));
  return owners.length === 1 ? sharing.filter((e) => e !== owners[0]) : sharing;
}

/** Reads and validates `file`. */
export function loadConfig(file: string, parse: ParseConfig = parseConfig): EnvironmentConfig {
  return parse(file, readConfigFile(file));
}

/** How an environment file's text becomes its config: parseConfig, or a memo of it (render-memo.ts). */
export type ParseConfig = (file: string, text: string) => EnvironmentConfig;

/** Editor and system files a config folder may hold: hidden (.#dev.yaml, .DS_Store), backups (dev.yaml~). */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.startsWith('#') || name.endsWith('~');
}

/**
 * The environment files of `dir` (every `*.yaml` but gitops.yaml, sorted by name; editor files
 * ignored); a name that is almost `<env>.yaml` is a ConfigError, and so is a folder with none.
 */
export function environmentFiles(dir: string): string[] {
  const names = fs.readdirSync(dir).filter((f) => !ignored(f));
  // A name that is almost `<env>.yaml` (dev.yml, dev.YAML, "dev.yaml ") is refused, never skipped.
  const misnamed = names.filter((f) => /\.ya?ml$/i.test(f.trim()) && (f !== f.trim() || !f.endsWith('.yaml')));
  if (misnamed.length > 0) {
    throw new ConfigError(
      misnamed.map((f) => {
        const fixed = f.trim().replace(/\.ya?ml$/i, '.yaml');
        return f === f.trim()
          ? `${path.join(dir, f)}: config files end in .yaml; rename it to ${fixed}`
          : `${JSON.stringify(path.join(dir, f))}: the name has spaces around it; rename it to ${fixed}`;
      }),
    );
  }
  const files = names.filter((f) => f.endsWith('.yaml') && f !== GITOPS_FILE).sort();
  if (files.length === 0) {
    throw new ConfigError([`${dir}: no environment files (*.yaml) found`]);
  }
  return files;
}

/**
 * Loads every `*.yaml` in `dir` but gitops.yaml (sorted by name), collecting the problems of all files before throwing,
 * and rejects two environments that would share a namespace. Editor files are ignored; a `*.yml`
 * is refused by name, so an environment is never silently left out.
 */
export function loadEnvironments(dir: string, parse: ParseConfig = parseConfig): EnvironmentConfig[] {
  const files = environmentFiles(dir);
  const problems: string[] = [];
  const environments: EnvironmentConfig[] = [];
  for (const f of files) {
    try {
      environments.push(loadConfig(path.join(dir, f), parse));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  for (const [key, valueOf] of [
    ['namespace', (e: EnvironmentConfig) => e.namespace],
    ['ingress.host', (e: EnvironmentConfig) => e.ingress.host],
  ] as const) {
    const byValue = new Map<string, EnvironmentConfig[]>();
    for (const env of environments) byValue.set(valueOf(env), [...(byValue.get(valueOf(env)) ?? []), env]);
    for (const [value, sharing] of byValue) {
      if (sharing.length < 2) continue;
      for (const env of sharedByCopies(value, sharing)) {
        const others = sharing.filter((e) => e !== env).map((e) => e.file);
        problems.push(
          `${env.file}: ${key} is "${value}", already used by ${others.join(', ')}; each environment needs its own`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return environments;
}
