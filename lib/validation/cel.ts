/**
 * The CRDs' `x-kubernetes-validations`: CEL rules the API server evaluates on every create and
 * update, which a JSON schema check cannot see. They are evaluated here the way the API server
 * does on create: structural defaults applied first, `self` bound to the value at the rule's node
 * (an object as a map, integers as CEL ints), the rule skipped where its value is absent, and a
 * rule that is false or fails at runtime (e.g. `no such key`) is a violation with the rule's own
 * message (or its `messageExpression`) at its field (plus `fieldPath`).
 *
 * Evaluated with `@bufbuild/cel` and its `strings` extension, which together give the CEL standard
 * library and the Kubernetes string extensions (`lowerAscii`, `split`, ...) the rules in crds/ use.
 * What cannot be evaluated is never passed silently:
 * - transition rules (they read `oldSelf`) need the stored object, which a synth does not have:
 *   they are listed by `transitionRules()` (the README names them) and not evaluated;
 * - a rule this evaluator cannot parse or whose function it lacks (say a future `isURL()` or
 *   `quantity()`) fails the synth with `cannot evaluate`, naming the rule, so it is added here
 *   before an object that depends on it can pass.
 * Strings stay strings whatever their `format` (the API server reads `date-time` as a timestamp):
 * no rule in crds/ compares timestamps, and one that did would fail as `cannot evaluate`.
 */
import { CelResult, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Manifest, Violation } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- schemas and manifests are untyped JSON here */
type Schema = Record<string, any>;

/** One entry of `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

/** A transition rule of a CRD, which a synth cannot evaluate (there is no old object). */
export interface SkippedRule {
  /** `group/version/Kind`. */
  readonly gvk: string;
  /** Dotted schema path of the rule's node (`[]` for list items, `{}` for map values). */
  readonly at: string;
  readonly rule: string;
}

type Program = (bindings: Record<string, unknown>) => CelResult;

const ENV = celEnv({ funcs: strings });

/** Why a CEL result is our evaluator's limitation rather than the object's fault, or undefined. */
function unevaluable(message: string): string | undefined {
  return /^unbound function|^<input>:|overload/.test(message) ? message : undefined;
}

/** A compiled rule, or the reason it cannot be compiled. */
function compile(expression: string): Program | string {
  try {
    return plan(ENV, parse(expression)) as Program;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Applies the schema's `default`s where a value is absent, as the API server does before validating. */
function applyDefaults(value: unknown, schema: Schema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => applyDefaults(v, schema.items)) : value;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    if (out[key] === undefined && child.default !== undefined) out[key] = structuredClone(child.default);
    if (out[key] !== undefined) out[key] = applyDefaults(out[key], child);
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const key of Object.keys(out)) {
      if (!(key in (schema.properties ?? {}))) out[key] = applyDefaults(out[key], schema.additionalProperties);
    }
  }
  return out;
}

/** The schema of `key` inside an object schema, if it names one. */
function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  return (
    schema.properties?.[key] ??
    (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined)
  );
}

/** CEL keywords Kubernetes escapes as `__<keyword>__` when they name a property. */
const RESERVED = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(
    ' ',
  ),
);

/**
 * A declared property's name as a rule reads it: Kubernetes escapes `__`, `.`, `-`, `/` and CEL
 * keywords (`namespace` is `__namespace__`). Keys of maps (additionalProperties) are not escaped.
 */
export function escapeProperty(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/\./g, '__dot__')
    .replace(/-/g, '__dash__')
    .replace(/\//g, '__slash__');
}

/** A JSON value as CEL sees it under its schema: objects as maps, integers as ints. */
function toCel(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (typeof value === 'number') {
    const integer = schema
      ? schema.type === 'integer' || schema['x-kubernetes-int-or-string'] === true
      : Number.isInteger(value);
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (value !== null && typeof value === 'object') {
    return new Map(
      Object.entries(value).map(([k, v]) => [
        schema?.properties?.[k] ? escapeProperty(k) : k,
        toCel(v, childSchema(schema, k)),
      ]),
    );
  }
  return value;
}

interface Node {
  readonly rules: ReadonlyArray<{
    readonly rule: CelRule;
    readonly program: Program | string;
    readonly message?: Program | string;
  }>;
}

/** Evaluates the CEL rules of every CRD version it is given. */
export class CelValidator {
  private readonly nodes = new WeakMap<Schema, Node>();

  /**
   * @param schemas `group/version/Kind` → the version's `openAPIV3Schema`, as in the CRD file.
   */
  constructor(private readonly schemas: ReadonlyMap<string, Schema>) {}

  /** Every transition rule of the CRDs, which is not evaluated. */
  public transitionRules(): SkippedRule[] {
    const out: SkippedRule[] = [];
    const walk = (gvk: string, schema: Schema, at: string): void => {
      for (const r of (schema['x-kubernetes-validations'] ?? []) as CelRule[]) {
        if (/\boldSelf\b/.test(r.rule)) out.push({ gvk, at: at || '(object)', rule: r.rule });
      }
      for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        walk(gvk, child, at ? `${at}.${key}` : key);
      }
      if (schema.items) walk(gvk, schema.items, `${at}[]`);
      if (typeof schema.additionalProperties === 'object') walk(gvk, schema.additionalProperties, `${at}{}`);
    };
    for (const [gvk, schema] of this.schemas) walk(gvk, schema, '');
    return out;
  }

  /** The violations of one custom resource; none for a kind without a schema here. */
  public validate(m: Manifest): Violation[] {
    const gvk = `${m.apiVersion}/${m.kind}`;
    const schema = this.schemas.get(gvk);
    if (!schema) return [];
    const object = `${m.kind}/${m.metadata?.name ?? '?'}`;
    const out: Violation[] = [];
    this.check(applyDefaults(m, schema), schema, '', { object, gvk, out });
    return out;
  }

  private check(
    value: unknown,
    schema: Schema,
    at: string,
    ctx: { readonly object: string; readonly gvk: string; readonly out: Violation[] },
  ): void {
    if (value === undefined || value === null) return;
    const node = this.node(schema);
    if (node.rules.length > 0) {
      const self = toCel(value, schema);
      for (const { rule, program, message } of node.rules) {
        const field = `${at}${rule.fieldPath ?? ''}`.replace(/^\./, '');
        const report = (text: string, kind = 'CEL'): void => {
          ctx.out.push({ object: ctx.object, field, rule: `${kind} ${ctx.gvk}: ${rule.rule}`, message: text });
        };
        if (typeof program === 'string') {
          report(`cannot evaluate this rule: ${program}`, 'CEL (unevaluated)');
          continue;
        }
        const result = program({ self });
        if (result === true) continue;
        if (isCelError(result)) {
          const limitation = unevaluable(result.message);
          if (limitation) report(`cannot evaluate this rule: ${limitation}`, 'CEL (unevaluated)');
          else report(`${rule.message ?? 'failed rule'} (evaluation error: ${result.message})`);
          continue;
        }
        const custom = typeof message === 'function' ? message({ self }) : undefined;
        report(typeof custom === 'string' && custom !== '' ? custom : (rule.message ?? `failed rule: ${rule.rule}`));
      }
    }
    if (Array.isArray(value)) {
      if (schema.items) value.forEach((v, i) => this.check(v, schema.items, `${at}[${i}]`, ctx));
      return;
    }
    if (typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const child = childSchema(schema, key);
      if (child) this.check(v, child, `${at}.${key}`, ctx);
    }
  }

  /** The compiled rules of one schema node, transition rules left out. */
  private node(schema: Schema): Node {
    let node = this.nodes.get(schema);
    if (!node) {
      const rules = ((schema['x-kubernetes-validations'] ?? []) as CelRule[])
        .filter((r) => !/\boldSelf\b/.test(r.rule))
        .map((rule) => ({
          rule,
          program: compile(rule.rule),
          message: rule.messageExpression === undefined ? undefined : compile(rule.messageExpression),
        }));
      node = { rules };
      this.nodes.set(schema, node);
    }
    return node;
  }
}
