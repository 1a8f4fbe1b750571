/**
 * Strict validation of manifests against the Kubernetes JSON schemas (schemas/k8s/) and the CRD
 * schemas (crds/), including the CRDs' CEL rules (cel.ts). The upstream schemas allow unknown fields; here every object schema that lists
 * its properties is closed (`additionalProperties: false`), so a misspelt or misplaced field fails
 * like `kubectl apply --validate=strict` would.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { CelValidator, SkippedRule } from './cel';
import { ROOT } from '../platform/paths';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One problem of one object. */
export interface Violation {
  /** `Kind/name` of the object. */
  readonly object: string;
  /** Dotted path of the field, empty for the whole object. */
  readonly field: string;
  /** The rule that failed, e.g. `schema v1.27.0` or `policy: run-as-non-root`. */
  readonly rule: string;
  readonly message: string;
}

export const K8S_SCHEMA_DIR = path.join(ROOT, 'schemas', 'k8s');
export const CRD_DIR = path.join(ROOT, 'crds');

type JsonSchema = { [key: string]: unknown };

/**
 * CRD schemas carry Go (RE2) patterns; the construct JavaScript lacks is the `(?i)` flag group,
 * which becomes the `i` flag of the whole pattern (at worst slightly more permissive).
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp =>
    pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags),
  { code: 'goRegExp' },
);

/** Closes every object schema that lists properties, unless it asks to keep unknown fields. */
function close(schema: unknown): void {
  if (Array.isArray(schema)) {
    schema.forEach(close);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  if (
    s.properties !== undefined &&
    s.additionalProperties === undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    s.additionalProperties = false;
  }
  for (const value of Object.values(s)) close(value);
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
}

function describe(error: ErrorObject): { field: string; message: string } {
  const at = fieldPath(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { field: at ? `${at}.${extra}` : extra, message: 'unknown field' };
  }
  return { field: at, message: error.message ?? 'invalid' };
}

/** Deduplicates ajv's oneOf/anyOf fan-out into one violation per field and message. */
function violations(object: string, rule: string, errors: readonly ErrorObject[]): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    const { field, message } = describe(e);
    const key = `${field}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ object, field, rule, message });
    }
  }
  return out;
}

interface KubernetesSchemas {
  readonly version: string;
  readonly byGvk: Map<string, string>;
  /** Kinds of the built-in API, to tell a removed API version from a missing CRD. */
  readonly kinds: Set<string>;
  readonly ajv: Ajv;
  readonly cache: Map<string, ValidateFunction>;
}

function loadKubernetes(version: string): KubernetesSchemas {
  const doc = JSON.parse(fs.readFileSync(path.join(K8S_SCHEMA_DIR, `${version}.json`), 'utf8')) as {
    definitions: Record<string, JsonSchema>;
  };
  close(doc.definitions);
  const byGvk = new Map<string, string>();
  const kinds = new Set<string>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    for (const gvk of (def['x-kubernetes-group-version-kind'] as Array<Record<string, string>> | undefined) ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version!;
      byGvk.set(`${apiVersion}/${gvk.kind}`, name);
      kinds.add(gvk.kind!);
    }
  }
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false,
    inlineRefs: false,
    code: { regExp: goRegExp },
  });
  ajv.addSchema({ $id: 'k8s', definitions: doc.definitions });
  return { version, byGvk, kinds, ajv, cache: new Map() };
}

/** The CRDs of a folder: per served `group/version/Kind`, its closed schema and its CEL rules. */
interface Crds {
  readonly schemas: Map<string, JsonSchema>;
  readonly cel: CelValidator;
}

/**
 * The schema of each served version of every CRD in `dir`, by `<group>/<version>/<kind>`, closed
 * and with metadata checked against ObjectMeta (of the Kubernetes definitions in the Ajv that
 * compiles them), and their CEL rules. Compiling is left to the first object of each kind: most
 * versions are never used.
 */
function loadCrds(dir: string): Crds {
  const schemas = new Map<string, JsonSchema>();
  const raw = new Map<string, JsonSchema>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const crd = load(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      spec: {
        group: string;
        names: { kind: string };
        versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema: JsonSchema } }>;
      };
    };
    for (const v of crd.spec.versions) {
      if (!v.served || !v.schema) continue;
      const gvk = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      raw.set(gvk, v.schema.openAPIV3Schema);
      const schema = structuredClone(v.schema.openAPIV3Schema);
      close(schema);
      (schema.properties as JsonSchema).metadata = {
        $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      };
      schemas.set(gvk, schema);
    }
  }
  return { schemas, cel: new CelValidator(raw) };
}

/**
 * Validates manifests against Kubernetes `versions` (files in schemas/k8s/) and the CRDs in crds/.
 * Compiled validators are cached per kind, so one instance serves many calls.
 */
export class SchemaValidator {
  private loaded?: KubernetesSchemas[];
  private crds?: Crds;
  private readonly crdValidators = new Map<string, ValidateFunction>();

  constructor(
    public readonly versions: readonly string[] = ['v1.27.0', 'v1.36.0'],
    private readonly crdDir: string = CRD_DIR,
  ) {}

  /** The Kubernetes schemas, loaded on first use. */
  private get kubernetes(): KubernetesSchemas[] {
    this.loaded ??= this.versions.map(loadKubernetes);
    return this.loaded;
  }

  public validate(manifests: readonly Manifest[]): Violation[] {
    return manifests.flatMap((m) => this.validateOne(m));
  }

  private validateOne(m: Manifest): Violation[] {
    const object = `${m.kind}/${m.metadata?.name ?? '?'}`;
    const gvk = `${m.apiVersion}/${m.kind}`;
    if (this.kubernetes.some((k) => k.byGvk.has(gvk))) {
      return this.kubernetes.flatMap((k) => {
        const name = k.byGvk.get(gvk);
        if (name === undefined) {
          return [
            {
              object,
              field: 'apiVersion',
              rule: `schema ${k.version}`,
              message: `${gvk} is not served by Kubernetes ${k.version}`,
            },
          ];
        }
        let validate = k.cache.get(name);
        if (!validate) {
          validate = k.ajv.getSchema(`k8s#/definitions/${name}`)!;
          k.cache.set(name, validate);
        }
        return validate(m) ? [] : violations(object, `schema ${k.version}`, validate.errors ?? []);
      });
    }
    const crd = this.crdValidator(gvk);
    if (!crd) {
      const message = this.kubernetes.some((k) => k.kinds.has(m.kind))
        ? `${gvk} is not served by Kubernetes ${this.versions.join(', ')}`
        : `no schema for ${gvk}: add its CRD to crds/`;
      return [{ object, field: 'apiVersion', rule: 'schema', message }];
    }
    // The CEL rules assume a schema-valid object, as the API server's do.
    return crd(m) ? this.crdSchemas().cel.validate(m) : violations(object, `CRD schema ${gvk}`, crd.errors ?? []);
  }

  /** The transition rules of the CRDs, which no synth can evaluate (see cel.ts). */
  public transitionRules(): SkippedRule[] {
    return this.crdSchemas().cel.transitionRules();
  }

  private crdSchemas(): Crds {
    this.crds ??= loadCrds(this.crdDir);
    return this.crds;
  }

  /** The compiled validator of a custom resource kind, compiled on first use; undefined without its CRD. */
  private crdValidator(gvk: string): ValidateFunction | undefined {
    const schema = this.crdSchemas().schemas.get(gvk);
    if (!schema) return undefined;
    let validate = this.crdValidators.get(gvk);
    if (!validate) {
      validate = this.kubernetes[0]!.ajv.compile(schema);
      this.crdValidators.set(gvk, validate);
    }
    return validate;
  }
}
