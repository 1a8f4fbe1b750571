/**
 * The cdk8s CLI validation plugin registered in cdk8s.yaml. It checks every manifest the app wrote
 * (strict Kubernetes 1.27/1.36 and CRD schemas, then the project policy) and reports each violation
 * with the object, the field and the rule. Only when everything passed does it replace dist/ with
 * the validated output: it is the CLI's last step, so a synth that fails anywhere leaves the
 * committed dist/ exactly as it was.
 */
import * as path from 'path';
import type { Validation, ValidationContext, ValidationViolatingResource } from 'cdk8s-cli/plugins';
import { KUSTOMIZATION, publish, readTree, validateFolders } from '../synth';
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
    for (const file of context.manifests) {
      if (path.basename(file) === KUSTOMIZATION) continue;
      const folder = path
        .relative(this.outdir, path.dirname(path.resolve(file)))
        .split(path.sep)
        .join('/');
      for (const m of context.parseManifest(file) as Manifest[]) {
        folders.set(folder, [...(folders.get(folder) ?? []), m]);
        fileOf.set(`${folder}/${m.kind}/${m.metadata.name}`, file);
      }
    }

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
      const files = readTree(this.outdir);
      for (const name of NOT_PUBLISHED) files.delete(name);
      publish(files, this.publishTo);
      context.logger.log(`published ${files.size} files to ${this.publishTo}/`);
    }
  }
}
