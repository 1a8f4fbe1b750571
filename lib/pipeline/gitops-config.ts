/**
 * config/gitops.yaml: where Argo CD and Flux find this repository, where each environment goes and
 * from which revision; and the output folders of the bootstrap objects, which their paths name.
 */
import * as path from 'path';
import schema from '../../config/gitops.schema.json';
import type { SyncWindow } from '../delivery/argocd';
import { FLUX_NAMESPACE, FluxDependency, GitRevision, fluxDependencyProblems, fluxRootName } from '../delivery/flux';
import type { EnvironmentConfig } from '../environment';
import { ConfigError, GITOPS_FILE, parseYamlFile, readConfigFile } from './config';

/** Where one environment is deployed, and from which revision (at most one of branch, tag, commit). */
export interface GitopsEnvironment {
  readonly server: string;
  readonly branch?: string;
  readonly tag?: string;
  readonly commit?: string;
  readonly syncWindows?: readonly SyncWindow[];
  /** Replaces `flux.dependsOn` for this environment. */
  readonly fluxDependsOn?: readonly FluxDependency[];
}

/** Keys left out take the defaults of the construct props they feed (see config/gitops.schema.json). */
export interface GitopsConfig {
  readonly file: string;
  readonly repoURL: string;
  readonly branch: string;
  /** Namespaces no environment may take, on top of RESERVED_NAMESPACES. */
  readonly reservedNamespaces?: readonly string[];
  readonly argocd?: {
    readonly namespace?: string;
    readonly project?: string;
    readonly repositorySecret?: string;
  };
  readonly flux?: {
    readonly namespace?: string;
    readonly interval?: string;
    readonly timeout?: string;
    readonly secretRef?: string;
    readonly dependsOn?: readonly FluxDependency[];
  };
  /** By environment name. */
  readonly environments: Readonly<Record<string, GitopsEnvironment>>;
}

/** Where the validation plugin publishes the output (cdk8s.yaml `publishTo`), from the repository root. */
export const PUBLISHED = 'dist';
/** The output folder of the GitOps bootstrap objects (and of their SUMMARY.md). */
export const GITOPS = 'gitops';
/** The output folder of the Argo CD bootstrap objects. */
export const ARGOCD_FOLDER = `${GITOPS}/argocd`;

/** The output folder of one cluster's Flux bootstrap objects. */
export function fluxFolder(env: string): string {
  return `${GITOPS}/flux/${env}`;
}

/** An output folder as GitOps tools see it: relative to the repository root. */
export function repoPath(folder: string): string {
  return `${PUBLISHED}/${folder}`;
}

const REVISION_KEYS = ['branch', 'tag', 'commit'] as const;

/** An SSH URL (`ssh://` or `user@host:path`): Argo CD and Flux can only clone it with a key. */
export function isSshURL(url: string): boolean {
  return !url.startsWith('https://');
}

/** The revision an environment is deployed from: its own branch, tag or commit, else the top-level branch. */
export function revisionOf(config: GitopsConfig, env: string): GitRevision {
  const e = config.environments[env]!;
  if (e.tag !== undefined) return { tag: e.tag };
  if (e.commit !== undefined) return { commit: e.commit };
  return { branch: e.branch ?? config.branch };
}

/** The Kustomizations environment `env`'s waits for: its own `fluxDependsOn`, else `flux.dependsOn`. */
export function fluxDependsOnOf(config: GitopsConfig, env: string): readonly FluxDependency[] | undefined {
  return config.environments[env]!.fluxDependsOn ?? config.flux?.dependsOn;
}

/** Namespaces no environment may take, and whose they are: Kubernetes' own and the platform's defaults. */
export const RESERVED_NAMESPACES: Readonly<Record<string, string>> = {
  default: 'Kubernetes itself',
  'kube-system': 'Kubernetes itself',
  'kube-public': 'Kubernetes itself',
  'kube-node-lease': 'Kubernetes itself',
  argocd: 'Argo CD',
  'flux-system': 'Flux',
  'envoy-gateway-system': 'Envoy Gateway',
  'ingress-nginx': 'ingress-nginx',
  'cert-manager': 'cert-manager',
  'cnpg-system': 'the CloudNativePG operator',
  'external-secrets': 'External Secrets',
  monitoring: 'monitoring (Prometheus)',
};

/**
 * Every environment whose namespace is reserved: built in (RESERVED_NAMESPACES, any `kube-*`), named by
 * the config for the platform (Argo CD, Flux, an edge, Prometheus, DNS, the CloudNativePG operator, of
 * any environment), or listed in `reservedNamespaces`. The one check of namespace ownership.
 */
function reservedNamespaceProblems(
  file: string,
  config: Omit<GitopsConfig, 'file'>,
  environments: readonly EnvironmentConfig[],
): string[] {
  const owners = new Map(Object.entries(RESERVED_NAMESPACES));
  const reserve = (namespace: string | undefined, owner: string): void => {
    if (namespace !== undefined && !owners.has(namespace)) owners.set(namespace, owner);
  };
  reserve(config.argocd?.namespace, `Argo CD (${file}: argocd.namespace)`);
  reserve(config.flux?.namespace, `Flux (${file}: flux.namespace)`);
  for (const e of environments) {
    reserve(e.edge?.namespace, `the edge's data plane (${e.file}: edge.namespace)`);
    reserve(e.edge?.migrateFromNamespace, `the edge's data plane (${e.file}: edge.migrateFromNamespace)`);
    reserve(e.network?.prometheusNamespace, `Prometheus (${e.file}: network.prometheusNamespace)`);
    reserve(e.network?.dnsNamespace, `the cluster DNS (${e.file}: network.dnsNamespace)`);
    reserve(e.network?.cnpgOperatorNamespace, `the CloudNativePG operator (${e.file}: network.cnpgOperatorNamespace)`);
  }
  for (const namespace of config.reservedNamespaces ?? [])
    reserve(namespace, `your clusters (${file}: reservedNamespaces)`);
  return environments.flatMap((e) => {
    const owner =
      owners.get(e.namespace) ?? (e.namespace?.startsWith('kube-') ? 'Kubernetes itself (kube-*)' : undefined);
    return owner === undefined
      ? []
      : [
          `${e.file}: namespace is "${e.namespace}", which is reserved for ${owner}; choose a namespace this project owns`,
        ];
  });
}

/** Parses gitops.yaml and checks that it names exactly the configured environments, none in a reserved namespace. */
export function parseGitopsConfig(
  file: string,
  text: string,
  environments: readonly EnvironmentConfig[],
): GitopsConfig {
  const config: GitopsConfig = {
    ...(structuredClone(parseYamlFile(file, text, schema)) as Omit<GitopsConfig, 'file'>),
    file,
  };
  const names = environments.map((e) => e.name);
  const ssh = isSshURL(config.repoURL);
  const problems = [
    ...names
      .filter((n) => !Object.hasOwn(config.environments, n))
      .map((n) => `${file}: environments.${n} is missing: config/${n}.yaml needs a destination`),
    ...Object.keys(config.environments)
      .filter((n) => !names.includes(n))
      .map((n) => `${file}: environments.${n} has no config/${n}.yaml`),
    ...Object.entries(config.environments)
      .map(([n, e]) => [n, REVISION_KEYS.filter((k) => e[k] !== undefined)] as const)
      .filter(([, set]) => set.length > 1)
      .map(
        ([n, set]) =>
          `${file}: environments.${n} sets ${set.join(' and ')}; a revision is one of branch, tag or commit`,
      ),
    ...Object.keys(config.environments)
      .filter((n) => names.some((other) => `easyflow-${n}` === fluxRootName(other)))
      .map(
        (n) =>
          `${file}: environments.${n}: its Flux objects easyflow-${n} would take the name of the Flux root of environment ${n.replace(/^gitops-/, '')}; rename it`,
      ),
    ...reservedNamespaceProblems(file, config, environments),
    ...Object.entries(config.environments).flatMap(([n, e]) =>
      fluxDependencyProblems(
        e.fluxDependsOn ? `environments.${n}.fluxDependsOn` : 'flux.dependsOn',
        fluxDependsOnOf(config, n) ?? [],
        n,
        config.flux?.namespace ?? FLUX_NAMESPACE,
      ).map((p) => `${file}: ${p}${e.fluxDependsOn ? '' : ` (for environment ${n})`}`),
    ),
    ...(ssh && config.argocd?.repositorySecret === undefined
      ? [`${file}: argocd.repositorySecret is required: repoURL ${config.repoURL} is an SSH URL, which needs a key`]
      : []),
    ...(ssh && config.flux?.secretRef === undefined
      ? [`${file}: flux.secretRef is required: repoURL ${config.repoURL} is an SSH URL, which needs a key`]
      : []),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function loadGitopsConfig(dir: string, environments: readonly EnvironmentConfig[]): GitopsConfig {
  const file = path.join(dir, GITOPS_FILE);
  return parseGitopsConfig(file, readConfigFile(file), environments);
}
