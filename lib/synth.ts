/**
 * From config to files: one cdk8s App per environment (an App's synthesis grows faster than
 * linearly with its charts), one YAML file per object in `<out>/<env>/`, a kustomization.yaml
 * listing them, validation of every object, and only then publication into `dist/`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import { ConfigError, EnvironmentConfig, loadEnvironments } from './config';
import { EasyflowChart } from './easyflow-chart';
import { checkPolicy } from './validation/policy';
import { Manifest, SchemaValidator, Violation } from './validation/schema';

/** One environment's synthesized objects and the files they are written to. */
export interface EnvironmentOutput {
  readonly name: string;
  readonly manifests: readonly Manifest[];
  /** File name -> content, including kustomization.yaml. */
  readonly files: ReadonlyMap<string, string>;
}

/** `<kind>-<name>.yaml`, lower case: stable, unique within an environment, readable in a diff. */
export function fileName(m: Manifest): string {
  return `${m.kind.toLowerCase()}-${m.metadata.name}.yaml`;
}

/** Synthesizes one environment. */
export function synthEnvironment(env: EnvironmentConfig): EnvironmentOutput {
  const chart = new EasyflowChart(new App(), env.name, env);
  const manifests = chart.toJson() as Manifest[];
  const files = new Map<string, string>();
  for (const m of manifests) {
    const name = fileName(m);
    if (files.has(name)) {
      throw new Error(
        `${env.file}: two objects would be written to ${env.name}/${name}; object names must be unique per kind`,
      );
    }
    files.set(name, Yaml.stringify(m));
  }
  const resources = [...files.keys()].sort();
  const sorted = new Map<string, string>(resources.map((f) => [f, files.get(f)!]));
  sorted.set(
    'kustomization.yaml',
    Yaml.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
  );
  return { name: env.name, manifests, files: sorted };
}

/** Writes each environment into `dir/<env>/`, replacing what was there. */
export function writeTree(dir: string, outputs: readonly EnvironmentOutput[]): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const out of outputs) {
    const envDir = path.join(dir, out.name);
    fs.mkdirSync(envDir, { recursive: true });
    for (const [file, content] of out.files) {
      fs.writeFileSync(path.join(envDir, file), content);
    }
  }
}

/**
 * Replaces `target` with a copy of `source` so that `target` is never half-written: the copy is
 * built beside it, then swapped in with two renames.
 */
export function publish(source: string, target: string): void {
  const parent = path.dirname(path.resolve(target));
  const base = path.basename(target);
  const incoming = path.join(parent, `${base}.incoming-${process.pid}`);
  const outgoing = path.join(parent, `${base}.outgoing-${process.pid}`);
  fs.rmSync(incoming, { recursive: true, force: true });
  fs.cpSync(source, incoming, { recursive: true });
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, outgoing);
  fs.renameSync(incoming, target);
  if (hadTarget) fs.rmSync(outgoing, { recursive: true, force: true });
}

/** Formats violations, one line each, grouped by environment. */
export function formatViolations(byEnv: ReadonlyMap<string, readonly Violation[]>): string {
  const lines: string[] = [];
  for (const [env, violations] of byEnv) {
    for (const v of violations) {
      lines.push(`${env}: ${v.object}: ${v.field || '(object)'}: ${v.message} [${v.rule}]`);
    }
  }
  return lines.join('\n');
}

export interface RunOptions {
  /** Folder of `<env>.yaml` files. */
  readonly configDir: string;
  /** Where the CLI expects the manifests (CDK8S_OUTDIR). */
  readonly outdir: string;
  /** The committed folder GitOps syncs; replaced only after everything succeeded. */
  readonly distDir: string;
  /** Where messages go. */
  readonly log: (line: string) => void;
}

/** The whole synth: returns the process exit code; never leaves `distDir` half-written. */
export function runSynth(o: RunOptions): number {
  let outputs: EnvironmentOutput[];
  try {
    outputs = loadEnvironments(o.configDir).map(synthEnvironment);
  } catch (e) {
    if (e instanceof ConfigError) {
      o.log(`synth failed: invalid configuration; ${o.distDir}/ was not changed\n${e.message}`);
      return 1;
    }
    throw e;
  }
  const validator = new SchemaValidator();
  const byEnv = new Map<string, Violation[]>();
  for (const out of outputs) {
    const violations = [...validator.validate(out.manifests), ...checkPolicy(out.manifests)];
    if (violations.length > 0) byEnv.set(out.name, violations);
  }
  if (byEnv.size > 0) {
    o.log(
      `synth failed: manifests break the Kubernetes schema or the project policy; ${o.distDir}/ was not changed\n${formatViolations(byEnv)}`,
    );
    return 1;
  }
  writeTree(o.outdir, outputs);
  publish(o.outdir, o.distDir);
  o.log(`synthesized ${outputs.map((x) => `${x.name} (${x.manifests.length} objects)`).join(', ')} into ${o.distDir}/`);
  return 0;
}
