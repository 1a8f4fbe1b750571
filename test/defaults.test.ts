/**
 * Each default is written once: in the JSDoc `@default` of the construct prop a config key feeds.
 * The config schemas hold none (a schema default would shadow the construct's, so a change to the
 * construct would never reach dist/); they name the owner in `x-default-of`. These tests fail when a
 * default is written twice again, or when a documented default is not what the code does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { ConfigError } from '../lib/pipeline/config';
import { DEFAULT_THRESHOLDS } from '../lib/workloads/alerts';
import { propDefaults } from '../scripts/config-docs';
import { ROOT } from './helpers';
import { environmentCached } from './render-cache';

type Json = Record<string, unknown>;

const SCHEMAS = ['config/schema.json', 'config/gitops.schema.json'];
const DEFAULTS = propDefaults();
const MINIMAL = load(fs.readFileSync(path.join(__dirname, 'fixtures', 'minimal.yaml'), 'utf8')) as Json;

/** Every key of a schema with its node, as `a.b.c` (definitions under `#name`). */
function keysOf(node: Json, prefix = ''): Array<[string, Json]> {
  const out: Array<[string, Json]> = prefix ? [[prefix, node]] : [];
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
    out.push(...keysOf(child, prefix ? `${prefix}.${key}` : key));
  }
  for (const [key, child] of Object.entries((node.definitions ?? {}) as Record<string, Json>)) {
    out.push(...keysOf(child, `#${key}`));
  }
  return out;
}

const schemaKeys = SCHEMAS.flatMap((file) =>
  keysOf(JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'))).map(([key, node]) => ({ file, key, node })),
);

/** A literal `@default` (`70`, `'info'`, `true`) as a config value; undefined for prose (`- none`). */
function literal(text: string): unknown {
  if (/^-?[0-9.]+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  const quoted = /^'(.*)'$/.exec(text);
  return quoted ? quoted[1] : undefined;
}

function withKey(config: Json, key: string, value: unknown): Json {
  const copy = structuredClone(config);
  const parts = key.split('.');
  let at = copy;
  for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Json;
  at[parts.at(-1)!] = value;
  return copy;
}

function has(config: Json, key: string): boolean {
  let at: unknown = config;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null || !(part in at)) return false;
    at = (at as Json)[part];
  }
  return true;
}

/** Each config's render by its text: the cases compare against the same two bases again and again. */
const renders = new Map<string, string | undefined>();

function render(config: Json): string | undefined {
  const text = JSON.stringify(config);
  if (!renders.has(text)) renders.set(text, renderText(text));
  return renders.get(text);
}

function renderText(text: string): string | undefined {
  try {
    return JSON.stringify(environmentCached('config/min.yaml', text));
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

test('the config schemas declare no default: constructs own them', () => {
  expect(schemaKeys.filter(({ node }) => 'default' in node).map(({ file, key }) => `${file}: ${key}`)).toEqual([]);
});

test('every x-default-of names a construct prop that documents its @default', () => {
  const dangling = schemaKeys
    .map(({ key, node }) => [key, node['x-default-of']] as const)
    .filter(([, owner]) => owner !== undefined && !DEFAULTS.has(owner as string));
  expect(dangling).toEqual([]);
});

test('every optional leaf of an environment names the owner of its default, or has none by design', () => {
  // Keys whose absence means "off" or "nothing": no construct default stands behind them.
  const noDefault = ['$schema', 'image.digest', 'backup.s3', 'backup.s3.region', 'backup.s3.endpoint', 'migrations'];
  const leaves = schemaKeys.filter(
    ({ file, node }) => file === 'config/schema.json' && node.type !== 'object' && !('$ref' in node),
  );
  const required = new Set<string>();
  for (const { key, node } of schemaKeys) {
    for (const r of (node.required ?? []) as string[]) required.add(key ? `${key}.${r}` : r);
  }
  for (const r of (JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMAS[0]!), 'utf8')).required ?? []) as string[]) {
    required.add(r);
  }
  const unowned = leaves
    .filter(({ key, node }) => !key.startsWith('#') && !required.has(key) && node['x-default-of'] === undefined)
    .map(({ key }) => key)
    .filter((key) => !noDefault.includes(key) && !noDefault.some((k) => key.startsWith(`${k}.`)));
  expect(unowned).toEqual([]);
});

describe('a key left out renders exactly as the key set to its documented default', () => {
  // Two bases, so keys that only matter in one mode (CloudNativePG, S3, migrations) are exercised.
  const cnpg = withKey(
    withKey(withKey(MINIMAL, 'postgres.mode', 'cloudnativepg'), 'backup.s3', {
      bucket: 'easyflow-backups',
      image: 'docker.io/amazon/aws-cli:2.22.13',
    }),
    'migrations',
    { command: ['alembic', 'upgrade', 'head'] },
  );
  const bases = { minimal: MINIMAL, cloudnativepg: cnpg };
  const cases = schemaKeys
    .filter(({ file, node }) => file === 'config/schema.json' && node['x-default-of'] !== undefined)
    .map(({ key, node }) => [
      key,
      node['x-default-of'] as string,
      literal(DEFAULTS.get(node['x-default-of'] as string)!),
    ])
    .filter(([, , value]) => value !== undefined);

  test('there are cases to check, and both bases are valid', () => {
    expect(cases.length).toBeGreaterThan(30);
    for (const base of Object.values(bases)) expect(render(base)).toBeDefined();
  });

  test.each(cases)('%s (%s = %p)', (key, _owner, value) => {
    let checked = 0;
    for (const base of Object.values(bases)) {
      if (has(base, key as string)) continue;
      const explicit = render(withKey(base, key as string, value));
      if (explicit === undefined) continue; // not valid in this mode (e.g. instances with a StatefulSet)
      expect(explicit).toBe(render(base));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

test('DEFAULT_THRESHOLDS is what each AlertThresholds field documents', () => {
  const documented = Object.fromEntries(
    Object.keys(DEFAULT_THRESHOLDS).map((k) => [k, literal(DEFAULTS.get(`AlertThresholds.${k}`) ?? '')]),
  );
  expect(documented).toEqual(DEFAULT_THRESHOLDS);
});

test("a copied environment gets its own secret path and issuer: both default from the environment's name", () => {
  const text = JSON.stringify(MINIMAL);
  const rendered = (name: string): any[] => environmentCached(`config/${name}.yaml`, text);
  const of = (name: string) => {
    const objects = rendered(name);
    const secrets = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'easyflow-secrets');
    const gateway = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'easyflow-gateway');
    return {
      remoteKeys: [...new Set(secrets.spec.data.map((d: any) => d.remoteRef.key))],
      issuer: gateway.metadata.annotations['cert-manager.io/cluster-issuer'],
    };
  };
  expect(of('prod')).toEqual({ remoteKeys: ['easyflow/prod'], issuer: 'letsencrypt-prod' });
  expect(of('qa')).toEqual({ remoteKeys: ['easyflow/qa'], issuer: 'letsencrypt-staging' });
});
