/**
 * The cdk8s CLI validation plugin registered in cdk8s.yaml. It checks every manifest the app wrote
 * (strict Kubernetes 1.27/1.36 and CRD schemas, then the project policy) and reports each violation
 * with the object, the field and the rule. Only when everything passed does it replace dist/ with
 * the validated output: it is the CLI's last step, so a synth that fails anywhere leaves the
 * committed dist/ exactly as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import type { Validation, ValidationContext, ValidationViolatingResource } from 'cdk8s-cli/plugins';
import { KUSTOMIZATION, readTree, swapIn } from '../platform/tree';
import { validateFolders } from './validate';
import { Memo } from '../platform/memo';
import type { Manifest } from './schema';

export interface EasyflowValidationProps {
  /** The CLI's output folder (cdk8s.yaml `output`). */
  readonly outdir: string;
  /**
   * Folder replaced by the validated output.
   * @default - nothing is published
   */
  readonly publishTo?: string;
}

/** Files the CLI may leave in its output folder that must never reach dist/. */
const NOT_PUBLISHED = new Set(['construct-metadata.json']);

export class EasyflowValidation implements Validation {
  private readonly outdir: string;
  private readonly publishTo?: string;

  constructor(props: EasyflowValidationProps) {
    if (!props?.outdir) {
      throw new Error('easyflow validation plugin: properties.outdir is required (the cdk8s.yaml output folder)');
    }
    this.outdir = path.resolve(props.outdir);
    this.publishTo = props.publishTo;
  }

  public async validate(context: ValidationContext): Promise<void> {
    const folders = new Map<string, Manifest[]>();
    const fileOf = new Map<string, string>();
    const parsed = new Memo<Manifest[]>('parsed-yaml');
    for (const file of context.manifests) {
      if (path.basename(file) === KUSTOMIZATION) continue;
      const folder = path
        .relative(this.outdir, path.dirname(path.resolve(file)))
        .split(path.sep)
        .join('/');
      const text = fs.readFileSync(file, 'utf8');
      for (const m of parsed.get(text, () => loadAll(text) as Manifest[])) {
        folders.set(folder, [...(folders.get(folder) ?? []), m]);
        fileOf.set(`${folder}/${m.kind}/${m.metadata.name}`, file);
      }
    }

    parsed.flush();

    const byRule = new Map<string, { message: string; resources: ValidationViolatingResource[] }>();
    for (const [folder, violations] of validateFolders(folders)) {
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
    const success = byRule.size === 0;
    context.report.submit(success ? 'success' : 'failure', {
      objects: String([...folders.values()].reduce((n, m) => n + m.length, 0)),
    });
    if (success && this.publishTo) {
      for (const name of NOT_PUBLISHED) fs.rmSync(path.join(this.outdir, name), { force: true });
      const count = readTree(this.outdir).size;
      // The CLI is done with its output folder: it becomes dist/ in two renames.
      swapIn(this.outdir, this.publishTo);
      context.logger.log(`published ${count} files to ${this.publishTo}/`);
    }
  }
}
