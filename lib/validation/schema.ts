/**
 * Strict validation of manifests against the Kubernetes JSON schemas (schemas/k8s/) and the CRD
 * schemas (crds/), including the CRDs' CEL rules (cel.ts). The upstream schemas allow unknown fields; here every object schema that lists
 * its properties is closed (`additionalProperties: false`), so a misspelt or misplaced field fails
 * like `kubectl apply --validate=strict` would. Compiled validators are reused by content (see
 * SchemaValidator).
 */
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { load } from 'js-yaml';
import type { CelValidator, SkippedRule } from './cel';
import { CACHE_DIR, cachedEntry, contentKey, packageManifests, runModule } from '../platform/cache';
import { CRD_DIR, K8S_SCHEMA_DIR, KUBERNETES_VERSIONS, SchemaFiles, readSchemaFiles } from './verdict-memo';

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

export { CRD_DIR, K8S_SCHEMA_DIR };

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

/**
 * Closes every object schema that lists properties, unless it asks to keep unknown fields, and
 * drops the prose `description`s, which validate nothing but would fill the compiled validators.
 */
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
  if (typeof s.description === 'string') delete s.description;
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

/** How every validator is compiled; `code.source` lets Ajv write a compiled validator out as a module. */
function newAjv(): Ajv {
  return new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false,
    inlineRefs: false,
    code: { regExp: goRegExp, source: true },
  });
}

/** The Kubernetes definitions of one schemas/k8s/ file, closed, in an Ajv that compiles against them. */
function kubernetesAjv(bytes: Buffer): Ajv {
  const doc = JSON.parse(bytes.toString('utf8')) as { definitions: Record<string, JsonSchema> };
  close(doc.definitions);
  const ajv = newAjv();
  ajv.addSchema({ $id: 'k8s', definitions: doc.definitions });
  return ajv;
}

/** What a validator needs before compiling anything; stored as the cache entry index.json. */
interface Index {
  /** Per Kubernetes version: each `apiVersion/Kind` it serves and the name of its definition. */
  readonly kubernetes: ReadonlyArray<{ readonly version: string; readonly byGvk: Record<string, string> }>;
  /** The schema of each served version of every CRD, by `<group>/<version>/<kind>`, as the CRD states it. */
  readonly crds: Record<string, JsonSchema>;
}

type Inputs = ReadonlyArray<readonly [name: string, bytes: Buffer]>;

function buildIndex(kubernetes: Inputs, crds: Inputs): Index {
  const index: Index = { kubernetes: [], crds: {} };
  for (const [version, bytes] of kubernetes) {
    const doc = JSON.parse(bytes.toString('utf8')) as { definitions: Record<string, JsonSchema> };
    const byGvk: Record<string, string> = {};
    for (const [name, def] of Object.entries(doc.definitions)) {
      for (const gvk of (def['x-kubernetes-group-version-kind'] as Array<Record<string, string>> | undefined) ?? []) {
        byGvk[`${gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version!}/${gvk.kind}`] = name;
      }
    }
    (index.kubernetes as Array<Index['kubernetes'][number]>).push({ version, byGvk });
  }
  for (const [, bytes] of crds) {
    const crd = load(bytes.toString('utf8')) as {
      spec: {
        group: string;
        names: { kind: string };
        versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema: JsonSchema } }>;
      };
    };
    for (const v of crd.spec.versions) {
      if (v.served && v.schema)
        index.crds[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = v.schema.openAPIV3Schema;
    }
  }
  return index;
}

/** A CRD version's schema as validated: closed, and its metadata checked against ObjectMeta. */
function crdSchema(raw: JsonSchema): JsonSchema {
  const schema = structuredClone(raw);
  close(schema);
  (schema.properties as JsonSchema).metadata = {
    $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  };
  return schema;
}

/**
 * The source of every function that shapes what is cached (the index and the compiled validators),
 * part of the cache key: an edit of this code is a new key.
 */
const COMPILER_SOURCE = [goRegExp, close, newAjv, kubernetesAjv, buildIndex, crdSchema, compileModule, instantiate]
  .map(String)
  .join('\n');

/** The standalone module (Ajv's "standalone code") of a compiled validator. */
function compileModule(ajv: Ajv, validate: ValidateFunction): string {
  return standaloneCode(ajv, validate);
}

/** A validator from its standalone module. */
function instantiate(code: string): ValidateFunction {
  return runModule(code, { goRegExp }) as ValidateFunction;
}

/** `make`'s result, made on the first call. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Validators already instantiated in this process, by cache entry (folder and file: content-keyed). */
const instantiated = new Map<string, ValidateFunction>();

/** The index of each cache folder (content-keyed) read in this process, and what is derived from it. */
const opened = new Map<string, Pick<Loaded, 'index' | 'kinds' | 'cel'>>();

/** One key's inputs, index and cache folder. */
interface Loaded {
  readonly dir: string;
  readonly index: Index;
  readonly kubernetes: Inputs;
  readonly kinds: ReadonlySet<string>;
  /** The CEL rules' evaluator, made (and @bufbuild/cel loaded) when a custom resource is first checked. */
  readonly cel: () => CelValidator;
}

/**
 * Validates manifests against Kubernetes `versions` (files in `k8sDir`) and the CRDs in `crdDir`.
 *
 * Compiling the schemas is most of a validation's cost, so each compiled validator (Ajv's
 * standalone code) is kept under `cacheDir`, in a folder named by the sha256 of: the digest of
 * every byte of each version's schema file and of every CRD file (with its name), hashed once
 * by readSchemaFiles for this key and the verdict memo's, the package.json of Ajv and
 * js-yaml and of each of their dependencies, the Node.js version, and the source of the functions
 * that compile (COMPILER_SOURCE) and of this class. The files are read once, and the same bytes
 * are hashed and, on a miss, compiled. Only the kinds validated are compiled, each on first use.
 */
export class SchemaValidator {
  private state?: Loaded;
  private readonly ajvs = new Map<string, Ajv>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    public readonly versions: readonly string[] = KUBERNETES_VERSIONS,
    private readonly crdDir: string = CRD_DIR,
    private readonly cacheDir: string = path.join(CACHE_DIR, 'validators'),
    private readonly k8sDir: string = K8S_SCHEMA_DIR,
    /** The schema files, already read (by the verdict memo, which hashed these very bytes). */
    private readonly files?: SchemaFiles,
  ) {}

  /** The inputs, read and hashed on first use, and the index of their cache folder. */
  private get loaded(): Loaded {
    if (this.state) return this.state;
    const { kubernetes, crds, digest } = this.files ?? readSchemaFiles(this.versions, this.k8sDir, this.crdDir);
    const key = contentKey([
      process.version,
      ...packageManifests('ajv'),
      ...packageManifests('js-yaml'),
      COMPILER_SOURCE,
      // This class decides what is compiled for which kind, and under which entry name.
      String(SchemaValidator),
      digest,
    ]);
    const dir = path.join(this.cacheDir, key);
    let entry = opened.get(dir);
    if (!entry) {
      const index = JSON.parse(
        cachedEntry(dir, 'index.json', () => JSON.stringify(buildIndex(kubernetes, crds))),
      ) as Index;
      entry = {
        index,
        kinds: new Set(index.kubernetes.flatMap((k) => Object.keys(k.byGvk).map((gvk) => gvk.split('/').pop()!))),
        cel: once(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for custom resources
          const { CelValidator: Cel } = require('./cel') as typeof import('./cel');
          return new Cel(new Map(Object.entries(index.crds)));
        }),
      };
      opened.set(dir, entry);
    }
    const { index, kinds, cel } = entry;
    this.state = { dir, index, kubernetes, kinds, cel };
    return this.state;
  }

  /** The Ajv holding the closed definitions of Kubernetes `version`, for compiling on a cache miss. */
  private ajv(version: string): Ajv {
    let ajv = this.ajvs.get(version);
    if (!ajv) {
      ajv = kubernetesAjv(this.loaded.kubernetes.find(([v]) => v === version)![1]);
      this.ajvs.set(version, ajv);
    }
    return ajv;
  }

  /** The validator `id` from the cache, or compiled by `compile` in `ajv` and stored there. */
  private validator(id: string, ajv: () => Ajv, compile: (ajv: Ajv) => ValidateFunction): ValidateFunction {
    let validate = this.validators.get(id);
    if (validate) return validate;
    const { dir } = this.loaded;
    const file = `${contentKey([id])}.js`;
    validate = instantiated.get(path.join(dir, file));
    if (!validate) {
      validate = instantiate(
        cachedEntry(dir, file, () => {
          const compiler = ajv();
          return compileModule(compiler, compile(compiler));
        }),
      );
      instantiated.set(path.join(dir, file), validate);
    }
    this.validators.set(id, validate);
    return validate;
  }

  public validate(manifests: readonly Manifest[]): Violation[] {
    return manifests.flatMap((m) => this.validateOne(m));
  }

  private validateOne(m: Manifest): Violation[] {
    const object = `${m.kind}/${m.metadata?.name ?? '?'}`;
    const gvk = `${m.apiVersion}/${m.kind}`;
    const { index, kinds, cel } = this.loaded;
    if (index.kubernetes.some((k) => k.byGvk[gvk] !== undefined)) {
      return index.kubernetes.flatMap(({ version, byGvk }) => {
        const name = byGvk[gvk];
        if (name === undefined) {
          return [
            {
              object,
              field: 'apiVersion',
              rule: `schema ${version}`,
              message: `${gvk} is not served by Kubernetes ${version}`,
            },
          ];
        }
        const validate = this.validator(
          `kubernetes ${version} ${name}`,
          () => this.ajv(version),
          (ajv) => ajv.getSchema(`k8s#/definitions/${name}`)!,
        );
        return validate(m) ? [] : violations(object, `schema ${version}`, validate.errors ?? []);
      });
    }
    const raw = index.crds[gvk];
    if (!raw) {
      const message = kinds.has(m.kind)
        ? `${gvk} is not served by Kubernetes ${this.versions.join(', ')}`
        : `no schema for ${gvk}: add its CRD to crds/`;
      return [{ object, field: 'apiVersion', rule: 'schema', message }];
    }
    const crd = this.validator(
      `crd ${gvk}`,
      () => this.ajv(this.versions[0]!),
      (ajv) => ajv.compile(crdSchema(raw)),
    );
    // The CEL rules assume a schema-valid object, as the API server's do.
    return crd(m) ? cel().validate(m) : violations(object, `CRD schema ${gvk}`, crd.errors ?? []);
  }

  /** The transition rules of the CRDs, which no synth can evaluate (see cel.ts). */
  public transitionRules(): SkippedRule[] {
    return this.loaded.cel().transitionRules();
  }
}
