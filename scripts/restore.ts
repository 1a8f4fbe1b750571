/**
 * `npm run restore -- <env> <archive> [--out <file>]`: writes the restore Job for one archive of an
 * environment's nightly backup (PostgresRestore: its ServiceAccount, NetworkPolicies and Job) to
 * stdout or to `<file>`, never into dist/ (a restore is a one-off, not something GitOps keeps
 * applying). The objects pass the same schema and policy checks as dist/ before anything is
 * written; apply them with `kubectl apply -f`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { dump } from 'js-yaml';
import { isDnsLabel } from '../lib/platform/checks';
import { chartLabels } from '../lib/platform/labels';
import { sourceFolderOf } from '../lib/platform/paths';
import { ConfigError, loadConfig } from '../lib/pipeline/config';
import { synthEnvironment } from '../lib/pipeline/synth';
import { checkPolicy } from '../lib/validation/policy';
import { Manifest, SchemaValidator } from '../lib/validation/schema';
import { PostgresRestore } from '../lib/workloads/postgres-restore';

/** The restore objects for `archive` in the environment of `configDir/<environment>.yaml`, checked. */
export function restoreManifests(configDir: string, environment: string, archive: string): Manifest[] {
  const file = path.join(configDir, `${environment}.yaml`);
  if (!isDnsLabel(environment) || !fs.existsSync(file)) {
    throw new ConfigError([`restore: no environment "${environment}" (expected ${file})`]);
  }
  const env = loadConfig(file);
  const environmentChart = synthEnvironment(env);
  const instance = `easyflow-${env.name}`;
  const chart = new Chart(environmentChart.node.scope!, 'restore', {
    namespace: env.namespace,
    labels: chartLabels(instance),
    disableResourceNameHashes: true,
  });
  new PostgresRestore(chart, 'restore', {
    postgres: environmentChart.postgres,
    backup: environmentChart.backup,
    archive,
    resources: env.backup.resources,
    instance,
  });
  const manifests = chart.toJson() as Manifest[];
  // The policy sees the environment too: the Job's NetworkPolicies and ServiceAccount must fit in.
  const violations = [
    ...new SchemaValidator().validate(manifests),
    ...checkPolicy([...(environmentChart.toJson() as Manifest[]), ...manifests]),
  ];
  if (violations.length > 0) {
    throw new ConfigError(violations.map((v) => `restore: ${v.object}: ${v.field}: ${v.message} [${v.rule}]`));
  }
  return manifests;
}

/** The manifests as one multi-document YAML file. */
export function toYaml(manifests: readonly Manifest[]): string {
  return manifests.map((m) => `---\n${dump(m, { lineWidth: -1, noRefs: true })}`).join('');
}

/**
 * Where `--out` may write: anywhere but the project's tracked folders (dist/, which only a
 * validated synth replaces, config/, the code), links resolved.
 */
export function outProblem(root: string, out: string): string | undefined {
  const folder = sourceFolderOf(root, out);
  if (folder === undefined) return undefined;
  const why = folder === 'dist' ? 'which only cdk8s synth writes' : 'a tracked folder of this project';
  return `restore: --out ${out} is inside ${folder}/ (links resolved), ${why}; write it elsewhere`;
}

if (require.main === module) {
  const [environment, archive, flag, out, ...rest] = process.argv.slice(2);
  if (!environment || !archive || (flag !== undefined && (flag !== '--out' || !out)) || rest.length > 0) {
    console.error('usage: npm run restore -- <env> <archive file name> [--out <file>]');
    process.exitCode = 2;
  } else {
    try {
      const problem = out === undefined ? undefined : outProblem(process.cwd(), out);
      if (problem) throw new ConfigError([problem]);
      const yaml = toYaml(restoreManifests('config', environment, archive));
      if (out === undefined) process.stdout.write(yaml);
      else {
        fs.writeFileSync(out, yaml);
        console.error(`restore: wrote ${out}; apply it with kubectl apply -f ${out}`);
      }
    } catch (e) {
      // A bad environment, archive name or a violation: the message says which, without a stack.
      if (!(e instanceof Error)) throw e;
      console.error(e.message);
      process.exitCode = 1;
    }
  }
}
