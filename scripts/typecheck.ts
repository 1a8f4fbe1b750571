/**
 * `npm run typecheck`: `tsc --noEmit -p .` (incremental), whose pass is kept by every answer tsc
 * was given. While it checks, each question tsc asks the file system (a file's text, whether a
 * file or folder exists, a folder's entries, a glob of the project's files, a real path) is
 * recorded with its answer (a text by its sha256). The next run asks them all again first: when
 * every answer is the same, and so is the code that checks (this script's bundle, which requires
 * TypeScript, with the packages' versions and Node.js's: codeKey), tsc would read exactly the same
 * program, so the pass stands without checking.
 * The one answer left out is tsc's own build info, which it rewrites on every check: it decides
 * what tsc checks again, never the result. A failed check is never kept.
 */
import * as path from 'path';
import * as ts from 'typescript';
import { CACHE_DIR, codeKey, contentKey, keepEntry, readJson } from '../lib/platform/cache';
import { ROOT } from '../lib/platform/paths';

/** The file system questions tsc asks through its System, each recorded with its answer. */
const QUESTIONS = ['readFile', 'fileExists', 'directoryExists', 'getDirectories', 'readDirectory', 'realpath'] as const;
type Question = (typeof QUESTIONS)[number];

/** A question with its arguments, and its answer as JSON (a file's text as its sha256). */
type Asked = [question: Question, args: unknown[], answer: string];

/** Kept passes: one per project folder and code, a few code versions back. */
const KEPT = 4;

/** An answer as recorded: a file's text by its sha256, anything else as JSON. */
function recorded(question: Question, value: unknown): string {
  if (question === 'readFile' && typeof value === 'string') return contentKey([value]);
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * `question(...args)` answered by `system` now, as recorded; a question that throws has an answer
 * no recording holds, so the check runs again. JSON keeps an argument left out as null, and no
 * question takes null, so null is given back as left out.
 */
export function answer(system: ts.System, question: Question, args: unknown[]): string {
  const given = args.map((a) => (a === null ? undefined : a));
  try {
    return recorded(question, (system[question] as (...a: unknown[]) => unknown).apply(system, given));
  } catch {
    return '(threw)';
  }
}

/**
 * `system` with every question recorded in `asked` (the first answer to each); `unstable` is set
 * when a question asked again got another answer (a file edited while tsc read), and the pass is
 * then not kept. Questions about `ignored` (tsc's build info) pass through unrecorded.
 */
export function recording(
  system: ts.System,
  asked: Map<string, Asked>,
  ignored: string,
  unstable: { set: boolean },
): ts.System {
  const asking = { ...system };
  for (const question of QUESTIONS) {
    const original = system[question] as ((...a: unknown[]) => unknown) | undefined;
    if (original === undefined) continue;
    (asking as unknown as Record<Question, unknown>)[question] = (...args: unknown[]): unknown => {
      const value = original.apply(system, args);
      if (args[0] === ignored) return value;
      const id = JSON.stringify([question, args]);
      const given = recorded(question, value);
      const earlier = asked.get(id);
      if (earlier === undefined) asked.set(id, [question, args, given]);
      else if (earlier[2] !== given) unstable.set = true;
      return value;
    };
  }
  return asking;
}

/** What a typecheck found, and whether an earlier pass was reused instead of checking. */
export interface Typecheck {
  readonly reused: boolean;
  readonly diagnostics: readonly ts.Diagnostic[];
}

/**
 * Type-checks the project whose tsconfig.json is in `project`, or reuses the pass kept in
 * `cacheDir` when tsc would be given the same answers. `code` is the key of the code that checks
 * (codeKey of this script's bundle); without it nothing is reused or kept.
 */
export function typecheck(project: string, cacheDir: string, code: string | undefined): Typecheck {
  const root = path.resolve(project);
  const name = code === undefined ? undefined : `${contentKey([code, root])}.json`;
  const kept = name === undefined ? undefined : readJson(cacheDir, name);
  if (Array.isArray(kept) && (kept as Asked[]).every(([q, args, given]) => answer(ts.sys, q, args) === given)) {
    return { reused: true, diagnostics: [] };
  }

  const asked = new Map<string, Asked>();
  const unstable = { set: false };
  const configFile = path.join(root, 'tsconfig.json');
  // Undefined only after onUnRecoverableConfigFileDiagnostic, which throws.
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, undefined, {
    ...recording(ts.sys, asked, '', unstable),
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  // Whatever tsconfig.json says, nothing but tsc's build info is written (`tsc --noEmit`).
  const options = { ...parsed.options, noEmit: true };
  const buildInfo = ts.getTsBuildInfoEmitOutputFilePath(options) ?? '';
  const system = recording(ts.sys, asked, buildInfo, unstable);
  const program = ts.createIncrementalProgram({
    rootNames: parsed.fileNames,
    options,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
    projectReferences: parsed.projectReferences,
    host: ts.createIncrementalCompilerHost(options, system),
  });
  // tsc's order: settings and syntax first; types only when those are sound; then what writing
  // the build info reported.
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
  ];
  if (diagnostics.length === 0) {
    diagnostics.push(...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics());
  }
  diagnostics.push(...program.emit().diagnostics);
  if (name !== undefined && diagnostics.length === 0 && !unstable.set) {
    keepEntry(cacheDir, name, JSON.stringify([...asked.values()]), KEPT);
  }
  return { reused: false, diagnostics };
}

/** The command line: checks the project, prints what tsc would, exits 1 on an error (2 on an argument). */
export function main(argv: readonly string[]): void {
  if (argv.length > 0) {
    console.error(`typecheck: takes no arguments (it checks tsconfig.json's project), got ${argv.join(' ')}`);
    process.exitCode = 2;
    return;
  }
  const { diagnostics } = typecheck(
    ROOT,
    path.join(CACHE_DIR, 'typecheck'),
    codeKey(path.join(ROOT, 'scripts', 'typecheck.ts')),
  );
  if (diagnostics.length === 0) return;
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  };
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  process.stdout.write(
    `${format(diagnostics, host)}\nFound ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}.\n`,
  );
  process.exitCode = 1;
}
