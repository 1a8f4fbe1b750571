/** Every check of a synth's objects, per output folder: strict schemas, then the project policy. */
import { checkPolicy } from './policy';
import { Manifest, SchemaValidator, Violation } from './schema';
import type { FolderCheck, ObjectValidator } from './verdict-memo';

/** Schema and policy violations of every folder; folders without any are left out. */
export function validateFolders(
  folders: ReadonlyMap<string, readonly Manifest[]>,
  validator: ObjectValidator = new SchemaValidator(),
  policy: FolderCheck = checkPolicy,
): Map<string, Violation[]> {
  const out = new Map<string, Violation[]>();
  for (const [folder, manifests] of folders) {
    const violations = [...validator.validate(manifests), ...policy(manifests)];
    if (violations.length > 0) out.set(folder, violations);
  }
  return out;
}

/** One line per violation: `<folder>: <Kind/name>: <field>: <message> [<rule>]`. */
export function formatViolations(byFolder: ReadonlyMap<string, readonly Violation[]>): string {
  const lines: string[] = [];
  for (const [folder, violations] of byFolder) {
    for (const v of violations) {
      lines.push(`${folder}: ${v.object}: ${v.field || '(object)'}: ${v.message} [${v.rule}]`);
    }
  }
  return lines.join('\n');
}
