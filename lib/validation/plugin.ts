/**
 * The cdk8s CLI validation plugin registered in cdk8s.yaml. It checks every manifest the app of this
 * synth wrote (strict Kubernetes 1.27/1.36 and CRD schemas, then the project policy) and reports
 * each violation with the object, the field and the rule. It reads the app's files from the app's
 * handoff record (platform/handoff.ts), not from the CLI's output folder, which a concurrent synth
 * may empty at any moment. Only when everything passed, and only for a plain `cdk8s synth` (the
 * CLI wrote its configured output folder: no `--output`, `--stdout` or `--format helm`), does it
 * replace dist/ with exactly the validated bytes, holding the publish lock.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import type { Validation, ValidationContext, ValidationViolatingResource } from 'cdk8s-cli/plugins';
import { changedInputs } from '../platform/inputs';
import { Handoff, takeHandoff } from '../platform/handoff';
import { LockTimeout } from '../platform/lock';
import {
  KUSTOMIZATION,
  PublishError,
  publishTree,
  repairPublish,
  waitingLine,
  withPublishLock,
} from '../platform/tree';
import { codeKey } from '../platform/cache';
import { ROOT } from '../platform/paths';
import type { Manifest } from './schema';
import { SchemaFiles, VerdictMemo, parseMemo, readSchemaFiles, verdictMemo } from './verdict-memo';

export interface EasyflowValidationProps {
  /** The CLI's output folder (cdk8s.yaml `output`). */
  readonly outdir: string;
  /**
   * Folder replaced by the validated output of a plain `cdk8s synth`.
   * @default - nothing is published
   */
  readonly publishTo?: string;
  /**
   * The CLI's `--validation-reports-output-file`: the CLI refuses to overwrite it after the plugins
   * ran, so a synth naming an existing file publishes nothing.
   * @default - no reports file
   */
  readonly reportsFile?: string;
  /**
   * Where passes are kept for the next synth of the same plugin code, schemas and files.
   * @default node_modules/.cache/easyflow/verdicts
   */
  readonly verdictsDir?: string;
  /**
   * The process whose app's handoff is validated.
   * @default process.pid (the CLI, which runs the plugin in its own process)
   */
  readonly cli?: number;
}

/** Files the CLI may leave in its output folder that must never reach dist/. */
const NOT_PUBLISHED = new Set(['construct-metadata.json']);

/** This file as scripts/ts-run.js loads it for the CLI: the bundle whose code key keys the verdicts. */
const PLUGIN_ENTRY = path.join(ROOT, 'lib', 'validation', 'plugin.ts');

/** The objects of every folder. */
function total(counts: ReadonlyArray<readonly [string, number]>): number {
  return counts.reduce((n, [, count]) => n + count, 0);
}

/**
 * The validators (Ajv, CEL and every schema: most of a validation's time), loaded only when a
 * verdict is not kept.
 */
function validators(): typeof import('./validate') & typeof import('./schema') & typeof import('./policy') {
  /* eslint-disable @typescript-eslint/no-require-imports -- an import would load them on start-up */
  return { ...require('./validate'), ...require('./schema'), ...require('./policy') };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The lines the CLI prints around a validation, which say nothing the plugin's summary does not. */
const CLI_CHATTER = new Set(['Performing validations', 'Validations finished', 'Validations ended succesfully', '']);

export class EasyflowValidation implements Validation {
  private readonly outdir: string;
  private readonly publishTo?: string;
  private readonly cli: number;
  private readonly reportsFile?: string;
  private readonly verdictsDir?: string;
  private succeeded = false;
  private stdout = false;

  constructor(props: EasyflowValidationProps) {
    if (!props?.outdir) {
      throw new Error('easyflow validation plugin: properties.outdir is required (the cdk8s.yaml output folder)');
    }
    this.outdir = path.resolve(props.outdir);
    this.publishTo = props.publishTo;
    this.cli = props.cli ?? process.pid;
    this.reportsFile = props.reportsFile;
    this.verdictsDir = props.verdictsDir;
  }

  /**
   * Keeps the CLI's own console output to what a reader needs: its fixed lines around the
   * validation and, after a success, its report table are dropped; on failure the report stays.
   * With `--stdout` whatever remains goes to stderr, so standard output carries only manifests.
   */
  public quietCli(): void {
    const log = console.log.bind(console);
    console.log = (...args: unknown[]): void => {
      const text = args.map(String).join(' ');
      if (CLI_CHATTER.has(text)) return;
      if (this.succeeded && text.startsWith('Validation Report (')) return;
      if (this.stdout) console.error(...args);
      else log(...args);
    };
  }

  public async validate(context: ValidationContext): Promise<void> {
    this.stdout = context.stdout ?? false;
    const say = (line: string): void => (context.stdout ? console.error(line) : context.logger.log(line));
    const fail = (ruleName: string, recommendation: string, fix: string): void => {
      context.report.addViolation({ ruleName, recommendation, fix, violatingResources: [] });
      context.report.submit('failure');
    };
    const onWait = (ms: number, holder: Parameters<typeof waitingLine>[2]): void =>
      say(waitingLine(this.publishTo!, ms, holder));
    let restored = false;
    if (this.publishTo) {
      // A synth killed while publishing left dist/ recoverable: repair it even if this synth fails.
      try {
        const notes = await repairPublish(this.publishTo, onWait);
        notes.forEach(say);
        restored = notes.length > 0;
      } catch (e) {
        if (!(e instanceof PublishError || e instanceof LockTimeout)) throw e;
        return fail('synth/publish', e.message, 'see the message; nothing else was done');
      }
    }
    // The app of this synth ran after this process started, which a clock step cannot move much.
    const started = this.cli === process.pid ? Date.now() - process.uptime() * 1000 - 1000 : 0;
    const handoff = takeHandoff(this.cli, started);
    const problem = !handoff
      ? 'the app of this synth left no output record'
      : this.reportsFile !== undefined && fs.existsSync(this.reportsFile)
        ? `the validation reports file ${this.reportsFile} already exists and the CLI will not overwrite it`
        : this.mismatch(handoff, context);
    if (problem !== undefined) {
      return fail(
        'synth/output',
        `${problem}; nothing was published`,
        'run the app through cdk8s.yaml (npx cdk8s synth), one synth per output folder at a time',
      );
    }
    const files = new Map(Object.entries(handoff!.files).filter(([f]) => !NOT_PUBLISHED.has(f)));

    // A verdict kept by an earlier synth of this same plugin code, schemas and files stands.
    const code = codeKey(PLUGIN_ENTRY);
    const schemas = readSchemaFiles();
    const memo = code === undefined ? undefined : verdictMemo(code, schemas, files, this.verdictsDir);
    let counts = memo?.passed;
    if (!counts) {
      const judged = this.judge(files, schemas, context, memo);
      if (!judged) return;
      counts = judged;
      memo?.pass(counts);
    }
    const objects = total(counts);

    const width = Math.max(...counts.map(([f]) => f.length));
    for (const [folder, count] of counts) say(`${folder.padEnd(width)}  ${count} objects`);
    const unchanged =
      restored || handoff!.restored
        ? `${this.publishTo}/ was repaired (see above), nothing else changed`
        : `${this.publishTo ?? 'nothing'}/ was not changed`;
    if (this.publish(handoff!, context)) {
      const target = this.publishTo!;
      let notes: string[];
      try {
        notes = await withPublishLock(
          target,
          () => {
            // Under the lock: a render of config that changed since it was read is older than what
            // is on disk, and possibly older than what another synth published meanwhile.
            const changed = changedInputs(handoff!.inputs);
            if (changed.length > 0) {
              throw new PublishError(`${changed.join(', ')} changed while this synth ran; ${unchanged}; run it again`);
            }
            return publishTree(files, target);
          },
          onWait,
        );
      } catch (e) {
        if (!(e instanceof PublishError || e instanceof LockTimeout)) throw e;
        return fail('synth/publish', e.message, 'see the message; the validation itself passed');
      }
      notes.forEach(say);
      say(`validated ${objects} objects; published ${files.size} files to ${target}/`);
    } else {
      const where = context.stdout ? 'standard output' : `${path.relative('.', handoff!.outdir)}/`;
      say(`validated ${objects} objects written to ${where}; ${unchanged}`);
    }
    this.succeeded = true;
    context.report.submit('success', { objects: String(objects) });
  }

  /**
   * Validates `files` against `schemas` and the policy (objects `memo` knows are not checked
   * against the schemas again). On violations it reports them (a failed synth) and returns
   * undefined; otherwise each folder and its object count.
   */
  private judge(
    files: ReadonlyMap<string, string>,
    schemas: SchemaFiles,
    context: ValidationContext,
    memo: VerdictMemo | undefined,
  ): Array<[string, number]> | undefined {
    const folders = new Map<string, Manifest[]>();
    const fileOf = new Map<string, string>();
    const yaml = memo ? parseMemo(this.verdictsDir && path.join(this.verdictsDir, 'parsed')) : undefined;
    for (const [file, text] of files) {
      if (!file.endsWith('.yaml') || path.basename(file) === KUSTOMIZATION) continue;
      const folder = path.posix.dirname(file);
      for (const m of (yaml ? yaml.parse(text) : loadAll(text)) as Manifest[]) {
        folders.set(folder, [...(folders.get(folder) ?? []), m]);
        fileOf.set(`${folder}/${m.kind}/${m.metadata.name}`, `${this.publishTo ?? '.'}/${file}`);
      }
    }
    const byRule = new Map<string, { message: string; resources: ValidationViolatingResource[] }>();
    const { SchemaValidator, validateFolders, checkPolicy } = validators();
    const validator = new SchemaValidator(undefined, undefined, undefined, undefined, schemas);
    const judged = memo
      ? validateFolders(folders, memo.objects(validator), memo.policy(checkPolicy))
      : validateFolders(folders, validator);
    memo?.keepObjects();
    yaml?.keep();
    for (const [folder, violations] of judged) {
      for (const v of violations) {
        const key = `${v.rule}\0${v.message}`;
        const entry = byRule.get(key) ?? { message: v.message, resources: [] };
        entry.resources.push({
          resourceName: `${folder}: ${v.object}`,
          locations: [v.field || '(object)'],
          manifestPath: fileOf.get(`${folder}/${v.object}`) ?? folder,
        });
        byRule.set(key, entry);
      }
    }
    for (const [key, { message, resources }] of byRule) {
      context.report.addViolation({
        ruleName: key.split('\0')[0]!,
        recommendation: message,
        fix: 'see lib/validation/ for the rule; fix the construct or config that produces this field',
        violatingResources: resources,
      });
    }
    const counts = [...folders].map(([folder, m]): [string, number] => [folder, m.length]);
    if (byRule.size > 0) {
      context.report.submit('failure', { objects: String(total(counts)) });
      return undefined;
    }
    return counts;
  }

  /** True for a plain synth: the CLI wrote its configured output folder and dist/ is to follow it. */
  private publish(handoff: Handoff, context: ValidationContext): boolean {
    return this.publishTo !== undefined && !context.stdout && handoff.outdir === this.outdir;
  }

  /**
   * Why the files the CLI listed are not the app's record, if they are not. A plain synth publishes
   * the record whatever happened to the CLI's scratch folder; otherwise that folder (or standard
   * output) is what the user reads, so it must hold exactly what is validated.
   */
  private mismatch(handoff: Handoff, context: ValidationContext): string | undefined {
    if (this.publish(handoff, context)) return undefined;
    const listed = new Map<string, string | undefined>();
    for (const file of context.manifests) {
      const rel = path.relative(handoff.outdir, path.resolve(file)).split(path.sep).join('/');
      let text: string | undefined;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        text = undefined;
      }
      listed.set(rel, text);
    }
    const recorded = Object.entries(handoff.written);
    const same =
      recorded.length === listed.size && recorded.every(([f, text]) => listed.has(f) && listed.get(f) === text);
    return same ? undefined : `${path.relative('.', handoff.outdir) || '.'}/ changed while this synth ran`;
  }
}
