/**
 * From config to files. One cdk8s App per environment (an App's synthesis grows faster than
 * linearly with its charts); one YAML file per object, a kustomization.yaml and a SUMMARY.md per
 * folder; the GitOps bootstrap objects in gitops/. The app only writes the CLI's output folder:
 * the validation plugin (lib/validation/plugin.ts) checks it and alone replaces dist/.
 */
import { App, Chart, Yaml } from 'cdk8s';
import { ArgoCdDelivery } from '../delivery/argocd';
import type { EnvironmentConfig } from '../environment';
import { ConfigError, ParseConfig, loadEnvironments } from './config';
import { EasyflowChart } from '../easyflow-chart';
import { FluxDelivery, HealthCheck, revisionName } from '../delivery/flux';
import { chartLabels } from '../platform/labels';
import {
  ARGOCD_FOLDER,
  GITOPS,
  GitopsConfig,
  fluxFolder,
  loadGitopsConfig,
  repoPath,
  revisionOf,
  fluxDependsOnOf,
} from './gitops-config';
import { PropsError } from '../platform/checks';
import { summaryOf } from './summary';
import { summarizeGitops } from './gitops-summary';
import { KUSTOMIZATION, SUMMARY } from '../platform/tree';
import { Inputs, withInputs } from '../platform/inputs';
import { RunOptions, runWith } from './run';
import type { Manifest } from '../validation/schema';

export { ALL_OBJECTS, allObjects } from './run';

/** Everything a synth writes: relative path -> content, and the objects of each folder. */
export interface Rendered {
  readonly files: ReadonlyMap<string, string>;
  /** Folder (`prod`, `gitops/argocd`, ...) -> its objects. */
  readonly folders: ReadonlyMap<string, readonly Manifest[]>;
  /** The config it was rendered from (the publish refuses it once they changed). */
  readonly inputs: Inputs;
}

/** `<kind>-<name>.yaml`, lower case: stable, unique within a folder, readable in a diff. */
export function fileName(m: Manifest): string {
  return `${m.kind.toLowerCase()}-${m.metadata.name}.yaml`;
}

/** How a render writes an object as YAML: cdk8s's own, or a memo of it (yaml-memo.ts). */
export type ToYaml = (doc: unknown) => string;

const cdk8sYaml: ToYaml = (doc) => Yaml.stringify(doc);

/** One folder's files: each object, then a kustomization.yaml listing them in name order. */
export function folderFiles(
  folder: string,
  manifests: readonly Manifest[],
  toYaml: ToYaml = cdk8sYaml,
): Map<string, string> {
  const objects = new Map<string, string>();
  for (const m of manifests) {
    const name = fileName(m);
    if (objects.has(name)) {
      throw new Error(`${folder}/${name}: two objects would be written to this file; names must be unique per kind`);
    }
    objects.set(name, toYaml(m));
  }
  const resources = [...objects.keys()].sort();
  const files = new Map<string, string>(resources.map((f) => [`${folder}/${f}`, objects.get(f)!]));
  files.set(
    `${folder}/${KUSTOMIZATION}`,
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
  );
  return files;
}

/** Synthesizes one environment's chart. */
export function synthEnvironment(env: EnvironmentConfig): EasyflowChart {
  return new EasyflowChart(new App(), env.name, env);
}

/** One environment's render: its objects, its files, and the workloads Flux waits for. */
export interface EnvironmentRender {
  readonly manifests: Manifest[];
  readonly files: Array<[string, string]>;
  readonly healthChecks: HealthCheck[];
}

/** One environment's output: its render, for its config. */
interface EnvironmentOutput extends EnvironmentRender {
  readonly environment: EnvironmentConfig;
}

/** How a render gets each environment's part: by rendering it, or from a memo (render-memo.ts). */
export type RenderEnvironment = (env: EnvironmentConfig, render: () => EnvironmentRender) => EnvironmentRender;

/** What a render may be given: how objects are written as YAML, how environments are rendered. */
export interface RenderOptions {
  /** @default cdk8s's Yaml.stringify */
  readonly toYaml?: ToYaml;
  /** @default each environment rendered */
  readonly environment?: RenderEnvironment;
  /** @default each environment file parsed and checked */
  readonly parse?: ParseConfig;
}

/** Renders `env`; a value its constructs refuse is a ConfigError naming the environment's file. */
function renderEnvironment(env: EnvironmentConfig, toYaml: ToYaml): EnvironmentRender {
  let chart: EasyflowChart;
  try {
    chart = synthEnvironment(env);
  } catch (e) {
    if (e instanceof PropsError) throw new ConfigError(e.problems.map((p) => `${env.file}: ${p}`));
    throw e;
  }
  const manifests = chart.toJson() as Manifest[];
  const files: Array<[string, string]> = [
    ...folderFiles(env.name, manifests, toYaml),
    [`${env.name}/${SUMMARY}`, summaryOf(chart, manifests)],
  ];
  return { manifests, files, healthChecks: [...chart.healthChecks] };
}

/** The bootstrap charts by output folder: Argo CD's one, then one Flux folder per environment (cluster). */
function gitopsCharts(gitops: GitopsConfig, outputs: readonly EnvironmentOutput[]): Map<string, Chart> {
  const labels = chartLabels('easyflow-gitops');
  const chart = (id: string): Chart => new Chart(new App(), id, { labels, disableResourceNameHashes: true });
  const argo = chart('argocd');
  new ArgoCdDelivery(argo, 'delivery', {
    repoURL: gitops.repoURL,
    revision: gitops.branch,
    path: repoPath(ARGOCD_FOLDER),
    namespace: gitops.argocd?.namespace,
    project: gitops.argocd?.project,
    environments: outputs.map(({ environment: e }) => ({
      name: e.name,
      namespace: e.namespace,
      server: gitops.environments[e.name]!.server,
      revision: revisionName(revisionOf(gitops, e.name)),
      path: repoPath(e.name),
      syncWindows: gitops.environments[e.name]!.syncWindows,
    })),
  });
  const out = new Map<string, Chart>([[ARGOCD_FOLDER, argo]]);
  for (const { environment: e, healthChecks } of outputs) {
    const flux = chart(`flux-${e.name}`);
    new FluxDelivery(flux, 'delivery', {
      environment: e.name,
      targetNamespace: e.namespace,
      repoURL: gitops.repoURL,
      branch: gitops.branch,
      revision: revisionOf(gitops, e.name),
      path: repoPath(e.name),
      bootstrapPath: repoPath(fluxFolder(e.name)),
      healthChecks,
      namespace: gitops.flux?.namespace,
      interval: gitops.flux?.interval,
      timeout: gitops.flux?.timeout,
      secretRef: gitops.flux?.secretRef,
      dependsOn: fluxDependsOnOf(gitops, e.name),
    });
    out.set(fluxFolder(e.name), flux);
  }
  return out;
}

/**
 * Loads `configDir` and renders every file of a synth, as `options` say.
 * Throws ConfigError on bad config and InputsChanged when the config changed while it was read.
 */
export function renderProject(configDir: string, options: RenderOptions = {}): Rendered {
  const { result, inputs } = withInputs(configDir, () => renderFiles(configDir, options));
  return { ...result, inputs };
}

function renderFiles(configDir: string, options: RenderOptions): Omit<Rendered, 'inputs'> {
  const toYaml = options.toYaml ?? cdk8sYaml;
  const environments = loadEnvironments(configDir, options.parse);
  const gitops = loadGitopsConfig(configDir, environments);
  const outputs = environments.map((env): EnvironmentOutput => {
    const render = (): EnvironmentRender => renderEnvironment(env, toYaml);
    return { environment: env, ...(options.environment ? options.environment(env, render) : render()) };
  });
  const files = new Map<string, string>();
  const folders = new Map<string, readonly Manifest[]>();
  for (const out of outputs) {
    folders.set(out.environment.name, out.manifests);
    for (const [file, content] of out.files) files.set(file, content);
  }
  const bootstrap = new Map<string, readonly Manifest[]>();
  for (const [folder, chart] of gitopsCharts(gitops, outputs)) {
    const manifests = chart.toJson() as Manifest[];
    bootstrap.set(folder, manifests);
    folders.set(folder, manifests);
    for (const [file, content] of folderFiles(folder, manifests, toYaml)) files.set(file, content);
  }
  files.set(`${GITOPS}/${SUMMARY}`, summarizeGitops(gitops, bootstrap));
  return { files, folders };
}

/** The app's part of a synth: returns the exit code. Bad config writes nothing. */
export function runSynth(o: Omit<RunOptions, 'render'>): number {
  return runWith({ ...o, render: renderProject });
}
