/** config/gitops.yaml: where Argo CD and Flux find this repository and where each environment goes. */
import * as path from 'path';
import schema from '../../config/gitops.schema.json';
import type { EnvironmentConfig } from '../environment';
import { ConfigError, GITOPS_FILE, parseYamlFile, readConfigFile } from './config';

export interface GitopsConfig {
  readonly file: string;
  readonly repoURL: string;
  readonly branch: string;
  readonly argocd: { readonly namespace: string; readonly project: string };
  readonly flux: { readonly namespace: string; readonly interval: string; readonly timeout: string };
  /** By environment name. */
  readonly environments: Readonly<Record<string, { readonly server: string; readonly branch?: string }>>;
}

/** Parses gitops.yaml and checks that it names exactly the configured environments. */
export function parseGitopsConfig(
  file: string,
  text: string,
  environments: readonly EnvironmentConfig[],
): GitopsConfig {
  const config = { ...(structuredClone(parseYamlFile(file, text, schema)) as Omit<GitopsConfig, 'file'>), file };
  const names = environments.map((e) => e.name);
  const problems = [
    ...names
      .filter((n) => !(n in config.environments))
      .map((n) => `${file}: environments.${n} is missing: config/${n}.yaml needs a destination`),
    ...Object.keys(config.environments)
      .filter((n) => !names.includes(n))
      .map((n) => `${file}: environments.${n} has no config/${n}.yaml`),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function loadGitopsConfig(dir: string, environments: readonly EnvironmentConfig[]): GitopsConfig {
  const file = path.join(dir, GITOPS_FILE);
  return parseGitopsConfig(file, readConfigFile(file), environments);
}
