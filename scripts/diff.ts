/**
 * `npm run diff [-- <git-ref>]`: what a change does to the clusters. Compares the objects in dist/ with
 * those committed at `<git-ref>` (default: the merge base with main) and prints, per output folder,
 * the objects added, removed and changed, and for each change the field paths with old → new values;
 * then, from each SUMMARY.md, the capacity totals that moved and the network flows added or removed.
 * The structural diff is microdiff's; this file only names what it finds.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { load } from 'js-yaml';
import diff, { Difference } from 'microdiff';
import { KUSTOMIZATION, SUMMARY, readTree } from '../lib/platform/tree';
import { CAPACITY, TRAFFIC } from '../lib/pipeline/summary';
import { ROOT } from '../lib/platform/paths';

/** Longest value printed inline; longer ones are cut with an ellipsis. */
const MAX_VALUE = 100;

type Files = ReadonlyMap<string, string>;

/** `Kind/name` of the object in a dist/ file, or the file name for one that has no name. */
function label(file: string, object: unknown): string {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const name = o?.metadata?.name;
  return typeof o?.kind === 'string' && typeof name === 'string' ? `${o.kind}/${name}` : path.basename(file);
}

/** `3 Deployment, 1 Service`: the kinds of a folder added or removed as a whole. */
function kinds(objects: ReadonlyMap<string, unknown>): string {
  const count = new Map<string, number>();
  for (const [file, object] of objects) {
    const kind = label(file, object).split('/')[0]!;
    count.set(kind, (count.get(kind) ?? 0) + 1);
  }
  return [...count].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** Marks a mapping keyedByName made from a list: its key order is the list's order. */
const NAMED = Symbol('named list');

/**
 * The object with each list whose items all have a distinct `name` (containers, ports, env, volumes)
 * turned into a mapping keyed `[name]`: an index moves when an item is added before it, a name does not,
 * so a new container reads as one added item rather than every later one changed. The order is kept
 * (see reorderings): it can matter, as for `env`, where `$(VAR)` sees only the variables before it.
 */
function keyedByName(value: unknown): unknown {
  if (Array.isArray(value)) {
    const names = value.map((item) => item?.name);
    const named = value.length > 0 && names.every((n) => typeof n === 'string') && new Set(names).size === names.length;
    if (!named) return value.map(keyedByName);
    const keyed: Record<string | symbol, unknown> = Object.fromEntries(
      value.map((item) => [`[${item.name}]`, keyedByName(item)]),
    );
    keyed[NAMED] = true;
    return keyed;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keyedByName(v)]));
  }
  return value;
}

/** A field path as a reader writes it: `spec.template.spec.containers[app].image`. */
function fieldPath(keys: readonly (string | number)[]): string {
  return keys
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : key.startsWith('[') || i === 0 ? key : `.${key}`))
    .join('');
}

/** The lines of a multi-line text that changed: what is left after the common head and tail. */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return [
    ...a.slice(head, a.length - tail).map((l) => `- ${l}`),
    ...b.slice(head, b.length - tail).map((l) => `+ ${l}`),
  ];
}

/**
 * One line per named list (keyedByName) whose items that both sides have are in a different order:
 * microdiff compares mappings by key and cannot see it.
 */
function reorderings(a: unknown, b: unknown, at: readonly (string | number)[] = []): string[] {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return [];
  const x = a as Record<string | symbol, unknown>;
  const y = b as Record<string | symbol, unknown>;
  const common = Object.keys(x).filter((k) => Object.hasOwn(y, k));
  const lines: string[] = [];
  if (x[NAMED] && y[NAMED]) {
    const before = common.map((k) => k.slice(1, -1));
    const after = Object.keys(y)
      .filter((k) => Object.hasOwn(x, k))
      .map((k) => k.slice(1, -1));
    if (before.join('\0') !== after.join('\0')) {
      lines.push(`~ ${fieldPath(at)} order: ${show(before.join(', '))} → ${show(after.join(', '))}`);
    }
  }
  for (const k of common) lines.push(...reorderings(x[k], y[k], [...at, Array.isArray(a) ? Number(k) : k]));
  return lines;
}

/** One line per changed field (a changed multi-line text also shows its changed lines). */
function describe(d: Difference): string[] {
  const where = fieldPath(d.path);
  if (d.type === 'CREATE') return [`+ ${where}: ${show(d.value)}`];
  if (d.type === 'REMOVE') return [`- ${where}: ${show(d.oldValue)}`];
  if (typeof d.oldValue === 'string' && typeof d.value === 'string' && `${d.oldValue}${d.value}`.includes('\n')) {
    return [`~ ${where}:`, ...changedLines(d.oldValue, d.value).map((l) => `    ${show(l)}`)];
  }
  return [`~ ${where}: ${show(d.oldValue)} → ${show(d.value)}`];
}

/**
 * The objects of a dist/ tree by file, per output folder (`prod`, `gitops/argocd`), with each
 * kustomization.yaml. SUMMARY.md is left out: it follows from the objects, which the review lists.
 */
function byFolder(files: Files): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  for (const [file, text] of files) {
    if (path.basename(file) === SUMMARY) continue;
    const folder = path.dirname(file);
    if (!out.has(folder)) out.set(folder, new Map());
    out.get(folder)!.set(file, load(text));
  }
  return out;
}

/**
 * A folder's kustomization as the review compares it: everything it says (a `namePrefix`, patches,
 * a changed namespace all change what the cluster gets), but its `resources` only where they differ
 * from the folder's object files on either side. An object added or removed is already listed as
 * such; a file kept but no longer listed (the cluster stops applying it) is not, and shows here.
 */
function kustomizationView(
  kustomization: unknown,
  objects: ReadonlySet<string>,
  other: { readonly resources: ReadonlySet<string>; readonly objects: ReadonlySet<string> },
): unknown {
  if (typeof kustomization !== 'object' || kustomization === null) return kustomization;
  const { resources, ...rest } = kustomization as { resources?: unknown };
  if (!Array.isArray(resources)) return kustomization;
  const listed = new Set(resources.map(String));
  const regular = (r: string): boolean =>
    listed.has(r) === objects.has(r) && other.resources.has(r) === other.objects.has(r);
  const notable = resources.map(String).filter((r) => !regular(r));
  return { ...rest, resources: Object.fromEntries(notable.map((r) => [`[${r}]`, 'listed'])) };
}

/** The resources a folder's kustomization lists, and its object files, by name within the folder. */
function indexOf(
  folder: string,
  objects: ReadonlyMap<string, unknown>,
): { resources: Set<string>; objects: Set<string> } {
  const kustomization = objects.get(path.join(folder, KUSTOMIZATION)) as { resources?: unknown } | undefined;
  const resources = Array.isArray(kustomization?.resources) ? kustomization.resources.map(String) : [];
  const files = [...objects.keys()].map((f) => path.basename(f)).filter((f) => f !== KUSTOMIZATION);
  return { resources: new Set(resources), objects: new Set(files) };
}

/** The files of a folder that are objects (its kustomization.yaml is the folder's index). */
function objectsOnly(objects: ReadonlyMap<string, unknown>): Map<string, unknown> {
  return new Map([...objects].filter(([f]) => path.basename(f) !== KUSTOMIZATION));
}

/** The lines of a SUMMARY.md section, after its heading and up to the next one. */
function sectionOf(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const cells = (row: string): string[] =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

/** Each table row of a section by its first cell, as column heading → value. */
function tableRows(lines: readonly string[]): Map<string, Map<string, string>> {
  const rows = new Map<string, Map<string, string>>();
  let headings: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('|')) continue;
    if (lines[i + 1]?.startsWith('| ---')) headings = cells(line);
    else if (!line.startsWith('| ---')) {
      const [key, ...values] = cells(line);
      rows.set(key!, new Map(values.map((v, j) => [headings[j + 1] ?? `column ${j + 2}`, v])));
    }
  }
  return rows;
}

/** What moved in a folder's SUMMARY.md: capacity cells old → new, flows added (+) or removed (-). */
export function summaryLines(before: string, after: string): string[] {
  const out: string[] = [];
  const a = tableRows(sectionOf(before, CAPACITY));
  const b = tableRows(sectionOf(after, CAPACITY));
  const capacity: string[] = [];
  const show = (row: ReadonlyMap<string, string>): string =>
    [...row]
      .filter(([, v]) => v !== '')
      .map(([h, v]) => `${h} ${v}`)
      .join(', ');
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const old = a.get(key);
    const now = b.get(key);
    if (!old) capacity.push(`+ ${key}: ${show(now!)}`);
    else if (!now) capacity.push(`- ${key}: ${show(old)}`);
    else {
      for (const [heading, value] of now) {
        if (old.get(heading) !== value) capacity.push(`~ ${key}, ${heading}: ${old.get(heading) ?? '-'} → ${value}`);
      }
    }
  }
  if (capacity.length > 0) out.push('  capacity:', ...capacity.map((l) => `      ${l}`));
  const flows = (text: string): string[] => sectionOf(text, TRAFFIC).filter((l) => l.startsWith('- '));
  const oldFlows = new Set(flows(before));
  const newFlows = new Set(flows(after));
  const changed = [
    ...[...oldFlows].filter((f) => !newFlows.has(f)).map((f) => `- ${f.slice(2)}`),
    ...[...newFlows].filter((f) => !oldFlows.has(f)).map((f) => `+ ${f.slice(2)}`),
  ];
  if (changed.length > 0) out.push('  flows:', ...changed.map((l) => `      ${l}`));
  return out;
}

/** The review of `after` against `before` (both dist/ trees by relative path), as lines of text. */
export function reviewLines(before: Files, after: Files): string[] {
  const old = byFolder(before);
  const now = byFolder(after);
  const lines: string[] = [];
  for (const folder of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(folder) ?? new Map<string, unknown>();
    const b = now.get(folder) ?? new Map<string, unknown>();
    if (!old.has(folder) || !now.has(folder)) {
      const objects = objectsOnly(old.has(folder) ? a : b);
      lines.push(`${folder}: ${old.has(folder) ? 'removed' : 'added'}, ${objects.size} objects (${kinds(objects)})`);
      continue;
    }
    const section: string[] = [];
    const counts = { added: 0, removed: 0, changed: 0 };
    const index = { a: indexOf(folder, a), b: indexOf(folder, b) };
    const view = (side: 'a' | 'b', file: string, object: unknown): unknown =>
      path.basename(file) === KUSTOMIZATION
        ? kustomizationView(object, index[side].objects, index[side === 'a' ? 'b' : 'a'])
        : keyedByName(object);
    for (const file of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      if (!a.has(file)) {
        counts.added++;
        section.push(`  + ${label(file, b.get(file))}`);
      } else if (!b.has(file)) {
        counts.removed++;
        section.push(`  - ${label(file, a.get(file))}`);
      } else {
        const before = view('a', file, a.get(file));
        const after = view('b', file, b.get(file));
        const changes = [
          ...diff({ o: before }, { o: after }).flatMap((d) => describe({ ...d, path: d.path.slice(1) })),
          ...reorderings(before, after),
        ];
        if (changes.length === 0) continue;
        counts.changed++;
        section.push(`  ~ ${label(file, b.get(file))}`);
        section.push(...changes.map((l) => `      ${l}`));
      }
    }
    const summaries = [before, after].map((files) => files.get(`${folder}/${SUMMARY}`));
    if (summaries[0] !== undefined && summaries[1] !== undefined) {
      section.push(...summaryLines(summaries[0], summaries[1]));
    }
    if (section.length === 0) continue;
    const summary = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${n} ${what}`);
    lines.push(
      `${folder}: ${summary.length > 0 ? summary.join(', ') : 'no object changed; SUMMARY.md did'}`,
      ...section,
    );
  }
  return lines;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: 'pipe' });
}

/** The merge base of HEAD with main (or origin/main, in a clone without a local main). */
export function defaultBase(root: string): string {
  for (const main of ['main', 'origin/main']) {
    try {
      return git(['merge-base', 'HEAD', main], root).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('diff: no branch main or origin/main to compare with; name a git ref: npm run diff -- <git-ref>');
}

/** The commit `ref` names; a clear error when it names none. */
function commitOf(root: string, ref: string): string {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root).trim();
  } catch {
    throw new Error(`diff: "${ref}" is not a commit in this repository`);
  }
}

/** dist/ as committed at `ref`, by path relative to dist/. */
export function distAt(root: string, ref: string): Map<string, string> {
  const files = git(['ls-tree', '-r', '--name-only', ref, '--', 'dist/'], root).split('\n').filter(Boolean);
  return new Map(files.map((f) => [f.slice('dist/'.length), git(['show', `${ref}:${f}`], root)]));
}

/** The whole review of the working tree's dist/ against `ref`. */
export function review(root: string, ref: string | undefined): string {
  const base = commitOf(root, ref ?? defaultBase(root));
  const short = base.slice(0, 7);
  const lines = reviewLines(distAt(root, base), readTree(path.join(root, 'dist')));
  const against = ref === undefined ? `the merge base with main (${short})` : `${ref} (${short})`;
  if (lines.length === 0) return `No cluster changes: dist/ is what it was at ${against}.\n`;
  return `Cluster changes against ${against}:\n\n${lines.join('\n')}\n`;
}

/** The command line (`npm run diff [-- <git-ref>]`): prints the review; exits 2 when it cannot be made. */
export function main(argv: readonly string[]): void {
  try {
    process.stdout.write(review(ROOT, argv[0]));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
  }
}
