/**
 * Writes config/README.md: every key of config/schema.json and config/gitops.schema.json with its
 * type, default and meaning.
 * `npm run docs:config` regenerates it; a test fails when it is out of date.
 *
 * The schemas hold no defaults: a key left out takes the `@default` of the construct prop named by
 * its `x-default-of`, read here from the TypeScript source, so each default is written once.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as TypeScript from 'typescript';
import gitopsSchema from '../config/gitops.schema.json';
import schema from '../config/schema.json';
import { CACHE_DIR, contentKey, keepEntry, packageManifests, readJson, runtimeKeyParts } from '../lib/platform/cache';
import { ROOT } from '../lib/platform/paths';

const LIB = path.join(__dirname, '..', 'lib');

/** Tables of defaults kept at most (the current sources, a few edits back). */
const KEPT = 4;

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * `Interface.field` -> the text of its `@default` tag, for every interface field in `lib` that has
 * one. Reading them parses every source with the TypeScript compiler (about half a second in a
 * fresh process), so the table is kept under `cacheDir`, keyed by the name and bytes of every
 * `*.ts` source, the package.json of typescript (as found from `packagesFrom`) and each of its
 * dependencies, Node.js's versions and the run settings in the environment, and the reading code.
 */
export function propDefaults(
  lib = LIB,
  cacheDir = path.join(CACHE_DIR, 'prop-defaults'),
  packagesFrom = ROOT,
): Map<string, string> {
  const sources = sourcesUnder(lib).map((file): [string, string] => [file, fs.readFileSync(file, 'utf8')]);
  const name = `${contentKey([
    ...runtimeKeyParts(),
    String(readDefaults),
    ...packageManifests('typescript', packagesFrom),
    ...sources.flat(),
  ])}.json`;
  const kept = readJson(cacheDir, name);
  if (Array.isArray(kept)) return new Map(kept as Array<[string, string]>);
  const defaults = readDefaults(sources);
  keepEntry(cacheDir, name, JSON.stringify([...defaults]), KEPT);
  return defaults;
}

/** The `@default` tags of `sources` ([file, text]), read with the TypeScript compiler. */
function readDefaults(sources: ReadonlyArray<[string, string]>): Map<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when no table is kept
  const ts = require('typescript') as typeof TypeScript;
  const out = new Map<string, string>();
  for (const [file, text] of sources) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    for (const node of source.statements) {
      if (!ts.isInterfaceDeclaration(node)) continue;
      for (const member of node.members) {
        if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
        const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
        if (tag) out.set(`${node.name.text}.${member.name.text}`, ts.getTextOfJSDocComment(tag.comment) ?? '');
      }
    }
  }
  return out;
}

interface Node {
  readonly type?: string;
  readonly $ref?: string;
  readonly description?: string;
  readonly 'x-default-of'?: string;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly required?: readonly string[];
  readonly properties?: Record<string, Node>;
  readonly additionalProperties?: boolean | Node;
  readonly items?: Node;
}

const definitions = (schema as { definitions: Record<string, Node> }).definitions;

function resolve(node: Node): Node {
  if (!node.$ref) return node;
  const target = definitions[node.$ref.replace('#/definitions/', '')]!;
  return { ...resolve(target), ...node, $ref: undefined };
}

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const bits = [node.type ?? 'any'];
  if (node.format) bits.push(`(${node.format})`);
  if (node.minimum !== undefined || node.maximum !== undefined)
    bits.push(`${node.minimum ?? ''}..${node.maximum ?? ''}`);
  return bits.join(' ');
}

/** What a left-out key becomes: the owning prop's default, e.g. `` `70` (WebAppProps) ``. */
function defaultOf(n: Node, required: boolean, defaults: ReadonlyMap<string, string>): string {
  const owner = n['x-default-of'];
  if (owner === undefined) return required ? 'required' : '';
  const text = defaults.get(owner);
  if (text === undefined) throw new Error(`x-default-of "${owner}" names no interface field with a @default`);
  const value = text.startsWith('- ') ? text.slice(2) : `\`${text}\``;
  return `${value} (\`${owner}\`)`;
}

function rows(
  node: Node,
  prefix: string,
  required: boolean,
  defaults: ReadonlyMap<string, string>,
  out: string[],
): void {
  const n = resolve(node);
  if (prefix !== '') {
    const def = defaultOf(n, required, defaults).replace(/\|/g, '\\|');
    out.push(`| \`${prefix}\` | ${typeOf(n)} | ${def} | ${(n.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    if (key === '$schema') continue;
    rows(child, prefix ? `${prefix}.${key}` : key, (n.required ?? []).includes(key), defaults, out);
  }
  // A map of entries with keys of their own (gitops.yaml's environments), a list of such entries.
  if (typeof n.additionalProperties === 'object' && n.additionalProperties.properties) {
    rows({ ...n.additionalProperties, description: 'One entry.' }, `${prefix}.<name>`, true, defaults, out);
  }
  if (n.items?.properties) rows({ ...n.items, description: 'One entry.' }, `${prefix}[]`, true, defaults, out);
}

export function configDocs(): string {
  const out = [
    '# Environment configuration',
    '',
    'Generated from `config/schema.json` and `config/gitops.schema.json` by `npm run docs:config`; do not',
    'edit by hand.',
    '',
    'Each `config/<env>.yaml` describes one environment; the file name is the environment name and',
    '`dist/<env>/` is written from it. Unknown keys, wrong types and bad values fail `cdk8s synth` with',
    'the file, the key path and the value. Editors with the YAML language server complete and check keys',
    'through the `# yaml-language-server: $schema=./schema.json` line at the top of each file.',
    '',
    'A key left out takes the default of the construct prop it feeds, named in the Default column; its',
    'JSDoc in `lib/` is the one place that default is written.',
    '',
    '| Key | Type | Default | Meaning |',
    '| --- | --- | --- | --- |',
  ];
  const defaults = propDefaults();
  rows(schema as Node, '', true, defaults, out);
  out.push(
    '',
    '## GitOps delivery: `config/gitops.yaml`',
    '',
    'Generated from `config/gitops.schema.json`. Where Argo CD and Flux find this repository, where each',
    'environment is deployed and from which revision; written to `dist/gitops/` (see the README, "GitOps',
    'that manages itself").',
    '',
    '| Key | Type | Default | Meaning |',
    '| --- | --- | --- | --- |',
  );
  rows(gitopsSchema as Node, '', true, defaults, out);
  return out.join('\n') + '\n';
}

if (require.main === module) {
  fs.writeFileSync(path.join(__dirname, '..', 'config', 'README.md'), configDocs());
}
