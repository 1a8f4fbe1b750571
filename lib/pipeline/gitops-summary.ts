/**
 * The review page of the GitOps bootstrap (dist/gitops/SUMMARY.md): what each root object manages,
 * where every environment goes and from which revision, its sync windows, and the commands of a
 * first bootstrap, with the names of the Secrets an operator creates for a private repository.
 * Derived from the synthesized objects, plus the Secret names, which no object carries.
 */
import type { Manifest } from '../validation/schema';
import { ARGOCD_ROOT } from '../delivery/argocd';
import { ARGOCD_FOLDER, GitopsConfig, isSshURL, repoPath } from './gitops-config';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function of(manifests: readonly Manifest[], kind: string): Obj[] {
  return manifests.filter((m) => m.kind === kind) as Obj[];
}

function windowText(w: Obj): string {
  const manual = w.manualSync ? 'manual sync allowed' : 'manual sync blocked';
  return `${w.kind} \`${w.schedule}\` for ${w.duration} (${w.timeZone}), ${manual}`;
}

function argoSection(config: GitopsConfig, folder: string, manifests: readonly Manifest[]): string[] {
  const apps = of(manifests, 'Application');
  const projects = of(manifests, 'AppProject');
  const root = apps.find((a) => a.metadata.name === ARGOCD_ROOT)!;
  const namespace = root.metadata.namespace as string;
  const windows = projects.flatMap((p) => (p.spec.syncWindows ?? []) as Obj[]);
  const secret = config.argocd?.repositorySecret;
  const clusters = [...new Set(apps.map((a) => a.spec.destination.server as string))].filter(
    (s) => s !== root.spec.destination.server,
  );
  return [
    `## Argo CD: \`${repoPath(folder)}/\``,
    '',
    `The root Application \`${root.metadata.name}\` (AppProject \`${root.spec.project}\`, namespace \`${namespace}\`) ` +
      `syncs \`${root.spec.source.path}\` at \`${root.spec.source.targetRevision}\`: itself, the AppProjects ` +
      `${projects.map((p) => `\`${p.metadata.name}\``).join(', ')} and these Applications.`,
    '',
    '| Application | Project | Cluster | Namespace | Revision | Path | Sync windows |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...apps
      .filter((a) => a !== root)
      .map((a) => {
        const own = windows.filter((w) => (w.applications as string[]).includes(a.metadata.name));
        return (
          `| ${a.metadata.name} | ${a.spec.project} | ${a.spec.destination.server} | ${a.spec.destination.namespace} ` +
          `| \`${a.spec.source.targetRevision}\` | \`${a.spec.source.path}\` | ${own.map(windowText).join('<br>') || '-'} |`
        );
      }),
    '',
    'First bootstrap, once per Argo CD instance (later changes arrive by pull request):',
    '',
    ...clusters.map((s) => `- register the cluster ${s}: \`argocd cluster add <its kube context>\``),
    ...(secret === undefined
      ? []
      : [
          `- repository credentials: \`kubectl -n ${namespace} create secret generic ${secret} --from-literal=type=git ` +
            `--from-literal=url=${config.repoURL} ${
              isSshURL(config.repoURL)
                ? '--from-file=sshPrivateKey=<deploy key>'
                : '--from-literal=username=<user> --from-literal=password=<token>'
            }\`, then ` +
            `\`kubectl -n ${namespace} label secret ${secret} argocd.argoproj.io/secret-type=repository\``,
        ]),
    `- \`kubectl apply -k ${repoPath(folder)}\``,
  ];
}

function fluxSection(config: GitopsConfig, folder: string, manifests: readonly Manifest[]): string[] {
  const kustomizations = of(manifests, 'Kustomization');
  const sources = new Map(of(manifests, 'GitRepository').map((g) => [g.metadata.name as string, g]));
  const root = kustomizations.find((k) => k.spec.path === `./${repoPath(folder)}`)!;
  const namespace = root.metadata.namespace as string;
  const ref = (k: Obj): string => {
    const r = sources.get(k.spec.sourceRef.name)!.spec.ref as Record<string, string>;
    return Object.entries(r)
      .map(([kind, value]) => `${kind} \`${value}\``)
      .join(', ');
  };
  const secret = config.flux?.secretRef;
  return [
    `### \`${repoPath(folder)}/\``,
    '',
    '| Kustomization | Path | Revision | Interval | Prune | Health checks |',
    '| --- | --- | --- | --- | --- | --- |',
    ...kustomizations.map(
      (k) =>
        `| ${k.metadata.name} | \`${k.spec.path}\` | ${ref(k)} | ${k.spec.interval} | ${k.spec.prune ? 'yes' : 'no'}, ` +
        `${k.spec.deletionPolicy} on delete | ${((k.spec.healthChecks ?? []) as Obj[]).map((h) => `${h.kind}/${h.name}`).join(', ') || '-'} |`,
    ),
    '',
    `First bootstrap of this cluster: \`flux install\`, ${
      secret === undefined
        ? ''
        : `\`flux create secret git ${secret} --namespace=${namespace} --url=${config.repoURL} ${
            isSshURL(config.repoURL) ? '--private-key-file=<deploy key>' : '--username=<user> --password=<token>'
          }\`, `
    }then \`kubectl apply -k ${repoPath(folder)}\`.`,
  ];
}

/** dist/gitops/SUMMARY.md from the objects of the bootstrap folders: Argo CD's, and every other one is a cluster's Flux folder. */
export function summarizeGitops(config: GitopsConfig, folders: ReadonlyMap<string, readonly Manifest[]>): string {
  const lines = [
    '# GitOps bootstrap',
    '',
    `Generated by \`cdk8s synth\` from \`config/gitops.yaml\`; repository ${config.repoURL}. ` +
      'Each tool is bootstrapped once by hand; from then on its root object applies the folder it lives in, ' +
      'itself included, so every change below reaches the clusters by pull request.',
    '',
  ];
  lines.push(
    ...argoSection(config, ARGOCD_FOLDER, folders.get(ARGOCD_FOLDER)!),
    '',
    '## Flux: one folder per environment, applied in its cluster',
    '',
  );
  for (const [folder, manifests] of folders) {
    if (folder !== ARGOCD_FOLDER) lines.push(...fluxSection(config, folder, manifests), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
