/**
 * Per-environment configuration: `config/<env>.yaml`, checked against `config/schema.json`
 * (structure, types, unknown keys, formats) and then against the rules a schema cannot say
 * (min <= max, requests <= limits, burst a multiple of rps, ...). Every problem in a file is
 * reported at once, each naming the file, the key path and the bad value.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { load, YAMLException } from 'js-yaml';
import schema from '../../config/schema.json';
import type { EnvironmentConfig } from '../environment';
import { isDnsLabel, isHostname } from '../platform/checks';
import { cronProblem } from '../platform/cron';
import { pinnedImageProblem, repositoryProblem, tagProblem } from '../platform/image';
import { isQuantity, parseQuantity } from '../platform/quantity';
import type { Resources } from '../platform/resources';

export const GITOPS_FILE = 'gitops.yaml';

/** A config file that cannot be used; `problems` lists every reason, each a full sentence. */
export class ConfigError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = [...problems];
  }
}

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
    check: (v) =>
      isHostname(v)
        ? undefined
        : 'must be a fully qualified DNS name such as api.easyflow.dev (lower case, no scheme or port)',
  },
  cron: { check: (v) => cronProblem(v) && `is not a valid cron schedule: ${cronProblem(v)}` },
  'image-tag': { check: (v) => tagProblem(v) && `is not a deployable image tag: ${tagProblem(v)}` },
  'image-repository': { check: (v) => repositoryProblem(v) && `is not an image repository: ${repositoryProblem(v)}` },
  'pinned-image': { check: (v) => pinnedImageProblem(v) && `is not a pinned image: ${pinnedImageProblem(v)}` },
};

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

/** The compiled validator of a config schema (compiled on first use: most synths never need it). */
function validatorOf(configSchema: object): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
    // Names the construct prop whose @default applies when a key is left out (config/README.md shows it).
    ajv.addKeyword({ keyword: 'x-default-of', schemaType: 'string' });
    for (const [name, format] of Object.entries(FORMATS)) {
      ajv.addFormat(name, { type: 'string', validate: (value: string) => format.check(value) === undefined });
    }
  }
  let validate = compiled.get(configSchema);
  if (!validate) {
    validate = ajv.compile(configSchema);
    compiled.set(configSchema, validate);
  }
  return validate;
}

/**
 * Parses `text` as YAML and checks it against `configSchema` (defaults filled in), throwing a
 * ConfigError that lists every problem: a syntax error with file:line:column, then each schema error
 * with the key path and the value.
 */
export function parseYamlFile(file: string, text: string, configSchema: object): unknown {
  const validate = validatorOf(configSchema);
  let data: unknown;
  try {
    data = load(text, { filename: file });
  } catch (e) {
    if (e instanceof YAMLException) {
      const line = e.mark ? `${e.mark.line + 1}:${e.mark.column + 1}` : '?';
      throw new ConfigError([`${file}:${line}: YAML syntax error: ${e.reason}`]);
    }
    throw e;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([`${file}: must be a YAML mapping of settings, found ${describeType(data)}`]);
  }
  if (!validate(data)) {
    throw new ConfigError((validate.errors ?? []).map((e) => describeSchemaError(file, e)));
  }
  return data;
}

/** Reads `file`, naming it when it cannot be read. */
export function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
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

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
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

function describeSchemaError(file: string, error: ErrorObject): string {
  const at = keyPath(error.instancePath);
  const where = at === '' ? '' : `${at} `;
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const full = at === '' ? key : `${at}.${key}`;
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
      return `${file}: ${where}is ${show(value)}: it ${format?.check(String(value)) ?? 'has the wrong format'}`;
    }
    case 'pattern':
      return `${file}: ${where}is ${show(value)} but must match ${(error.params as { pattern: string }).pattern}`;
    case 'propertyNames':
      return `${file}: ${where}has a key that is not an environment variable name (A-Z, 0-9, _)`;
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
  const raw = structuredClone(parseYamlFile(file, text, schema)) as Raw;
  const problems = semanticProblems(file, raw);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { ...raw, name, file };
}

/** Reads and validates `file`. */
export function loadConfig(file: string): EnvironmentConfig {
  return parseConfig(file, readConfigFile(file));
}

/**
 * Loads every `*.yaml` in `dir` but gitops.yaml (sorted by name), collecting the problems of all files before throwing,
 * and rejects two environments that would share a namespace.
 */
export function loadEnvironments(dir: string): EnvironmentConfig[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== GITOPS_FILE)
    .sort();
  if (files.length === 0) {
    throw new ConfigError([`${dir}: no environment files (*.yaml) found`]);
  }
  const problems: string[] = [];
  const environments: EnvironmentConfig[] = [];
  for (const f of files) {
    try {
      environments.push(loadConfig(path.join(dir, f)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  for (const [key, valueOf] of [
    ['namespace', (e: EnvironmentConfig) => e.namespace],
    ['ingress.host', (e: EnvironmentConfig) => e.ingress.host],
  ] as const) {
    const seen = new Map<string, string>();
    for (const env of environments) {
      const value = valueOf(env);
      const other = seen.get(value);
      if (other !== undefined) {
        problems.push(`${env.file}: ${key} is "${value}", already used by ${other}; each environment needs its own`);
      }
      seen.set(value, env.file);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return environments;
}
