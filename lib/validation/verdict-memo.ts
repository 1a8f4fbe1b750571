/**
 * The plugin's verdict, reused when nothing it depends on changed. A verdict is a function of the
 * code that judges (codeKey: the plugin bundle's text, the packages it requires, the Node.js
 * version), the schema files it judges against and the files judged; the key is the sha256 of all
 * of them. The schema files are read once (readSchemaFiles) and the validator is given those very
 * bytes, and the files judged are the app's handoff, held in memory: what is kept is exactly what
 * the key describes. Only passes are kept: a failing synth judges again and reports in full. This
 * module loads no validator: a synth whose verdict was kept never loads Ajv or CEL.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import {
  CACHE_DIR,
  contentKey,
  faithfulJson,
  byIdentity,
  keepEntry,
  keptTable,
  packageTexts,
  readJson,
} from '../platform/cache';
import { ROOT } from '../platform/paths';
import type { Manifest, Violation } from './schema';

export const K8S_SCHEMA_DIR = path.join(ROOT, 'schemas', 'k8s');
export const CRD_DIR = path.join(ROOT, 'crds');
/** The Kubernetes versions every object is checked against: the oldest and newest clusters served. */
export const KUBERNETES_VERSIONS: readonly string[] = ['v1.27.0', 'v1.36.0'];

/** A file's name and bytes. */
export type Inputs = ReadonlyArray<readonly [string, Buffer]>;

/** The schema files of a validation: each Kubernetes version's, and every CRD, by name. */
export interface SchemaFiles {
  readonly kubernetes: Inputs;
  readonly crds: Inputs;
  /** The sha256 of every name and byte above (contentKey): what the keys made from them hash. */
  readonly digest: string;
}

/** Reads and hashes the schema files once, for both keys and the validator. */
export function readSchemaFiles(
  versions: readonly string[] = KUBERNETES_VERSIONS,
  k8sDir = K8S_SCHEMA_DIR,
  crdDir = CRD_DIR,
): SchemaFiles {
  const kubernetes = versions.map((v) => [v, fs.readFileSync(path.join(k8sDir, `${v}.json`))] as const);
  const crds = fs
    .readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, fs.readFileSync(path.join(crdDir, f))] as const);
  return { kubernetes, crds, digest: contentKey([`${kubernetes.length}`, ...[...kubernetes, ...crds].flat()]) };
}

/** Passes kept at most (each a line; a new key comes with every edit). */
const KEPT = 64;
/** Object verdict tables kept at most (one per code and schema files: a few kB each). */
const KEPT_TABLES = 4;

/** What the schema check needs of a validator: SchemaValidator, or one that keeps its verdicts. */
export interface ObjectValidator {
  validate(manifests: readonly Manifest[]): Violation[];
}

/** A check of one folder's objects, judged together. */
export type FolderCheck = (manifests: readonly Manifest[]) => Violation[];

export interface VerdictMemo {
  /** Each folder and its object count, when these exact files passed before. */
  readonly passed?: ReadonlyArray<readonly [string, number]>;
  /** Keeps a pass of these files, with each folder's object count. */
  pass(counts: ReadonlyArray<readonly [string, number]>): void;
  /**
   * `validator`, checking only the objects this code has not checked against these schema files
   * before: the schema verdict of an object is a function of its content, and a one-value edit
   * changes a few objects. The policy, which judges objects together, always runs.
   */
  objects(validator: ObjectValidator): ObjectValidator;
  /**
   * `check` (the policy, which judges a folder's objects together), run only for a folder whose
   * objects this code has not judged before.
   */
  policy(check: FolderCheck): FolderCheck;
  /** Keeps the verdict of every object and folder judged through objects() and policy(). */
  keepObjects(): void;
}

/** The memo of judging `files` (path -> text) against `schemas` by the code keyed `code`, under `cacheDir`. */
export function verdictMemo(
  code: string,
  schemas: SchemaFiles,
  files: ReadonlyMap<string, string>,
  cacheDir: string = path.join(CACHE_DIR, 'verdicts'),
): VerdictMemo {
  const judge = contentKey([code, schemas.digest]);
  const name = `${contentKey([judge, `${files.size}`, ...[...files].flat()])}.json`;
  const passes = path.join(cacheDir, 'passes');
  const passed = readJson(passes, name);
  const verdicts = keptTable(path.join(cacheDir, 'objects'), `${judge}.json`, isViolations, KEPT_TABLES);
  /** `check`'s verdict of `value` (an object or a folder's objects), kept or judged now. */
  const verdictOf = <V>(kind: string, value: V, check: (value: V) => Violation[]): Violation[] =>
    byIdentity(verdicts, [kind], value, check);
  return {
    passed: isCounts(passed) ? passed : undefined,
    pass: (counts) => keepEntry(passes, name, JSON.stringify(counts), KEPT),
    objects: (validator) => ({
      validate: (manifests) => manifests.flatMap((m) => verdictOf('object', m, (one) => validator.validate([one]))),
    }),
    policy: (check) => (manifests) => verdictOf('folder', manifests, check),
    keepObjects: () => verdicts.keep(),
  };
}

export interface ParseMemo {
  /** The documents of `text` as js-yaml's loadAll reads them, or as it read the same bytes before. */
  parse(text: string): unknown[];
  /** Keeps what was parsed through this memo, for the next synth. */
  keep(): void;
}

/**
 * The documents of each file the plugin judges, kept by the file's bytes, in a table per Node.js
 * version and package.json of js-yaml and its dependencies: parsing every file again after a
 * one-value edit costs about 0.06 s. Documents that JSON would not give back exactly (NaN, the
 * infinities) are parsed every time.
 */
export function parseMemo(cacheDir: string = path.join(CACHE_DIR, 'parsed')): ParseMemo {
  const table = packageTexts(cacheDir, 'js-yaml');
  return {
    parse(text) {
      const key = contentKey([text]);
      const kept = table.get(key);
      const docs = kept === undefined ? loadAll(text) : jsonOf(kept);
      if (!Array.isArray(docs)) return loadAll(text);
      const json = kept ?? faithfulJson(docs);
      if (json !== undefined) table.set(key, json);
      return docs;
    },
    keep: () => table.keep(),
  };
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isCounts(value: unknown): value is Array<[string, number]> {
  return (
    Array.isArray(value) &&
    value.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isInteger(e[1]))
  );
}

function isViolations(value: unknown): value is Violation[] {
  return (
    Array.isArray(value) &&
    value.every(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['object', 'field', 'rule', 'message'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string'),
    )
  );
}
