/**
 * Writes config/README.md: every key of config/schema.json with its type, default and meaning.
 * `npm run docs:config` regenerates it; a test fails when it is out of date.
 */
import * as fs from 'fs';
import * as path from 'path';
import schema from '../config/schema.json';

interface Node {
  readonly type?: string;
  readonly $ref?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly required?: readonly string[];
  readonly properties?: Record<string, Node>;
  readonly additionalProperties?: boolean | Node;
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

function rows(node: Node, prefix: string, required: boolean, out: string[]): void {
  const n = resolve(node);
  if (prefix !== '') {
    const def = n.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(n.default)}\``;
    out.push(`| \`${prefix}\` | ${typeOf(n)} | ${def} | ${(n.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    if (key === '$schema') continue;
    rows(child, prefix ? `${prefix}.${key}` : key, (n.required ?? []).includes(key), out);
  }
}

export function configDocs(): string {
  const out = [
    '# Environment configuration',
    '',
    'Generated from `config/schema.json` by `npm run docs:config`; do not edit by hand.',
    '',
    'Each `config/<env>.yaml` describes one environment; the file name is the environment name and',
    '`dist/<env>/` is written from it. Unknown keys, wrong types and bad values fail `cdk8s synth` with',
    'the file, the key path and the value. Editors with the YAML language server complete and check keys',
    'through the `# yaml-language-server: $schema=./schema.json` line at the top of each file.',
    '',
    '| Key | Type | Default | Meaning |',
    '| --- | --- | --- | --- |',
  ];
  rows(schema as Node, '', true, out);
  return out.join('\n') + '\n';
}

if (require.main === module) {
  fs.writeFileSync(path.join(__dirname, '..', 'config', 'README.md'), configDocs());
}
