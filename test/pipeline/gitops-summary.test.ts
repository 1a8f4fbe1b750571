import * as fs from 'fs';
import * as path from 'path';
import { loadEnvironments } from '../../lib/pipeline/config';
import { ARGOCD_FOLDER, GITOPS, GitopsConfig, parseGitopsConfig, repoPath } from '../../lib/pipeline/gitops-config';
import { summarizeGitops } from '../../lib/pipeline/gitops-summary';
import { CONFIG_DIR, allOf, rendered } from '../helpers';

const bootstrap = new Map([...rendered().folders].filter(([folder]) => folder.startsWith(`${GITOPS}/`)));
const config = parseGitopsConfig(
  'config/gitops.yaml',
  fs.readFileSync(path.join(CONFIG_DIR, 'gitops.yaml'), 'utf8'),
  loadEnvironments(CONFIG_DIR),
);
const summary = summarizeGitops(config, bootstrap);

test('is the committed dist/gitops/SUMMARY.md', () => {
  expect(rendered().files.get(`${GITOPS}/SUMMARY.md`)).toBe(summary);
});

test('one row per Application: cluster, namespace, revision, path', () => {
  const apps = allOf(bootstrap.get(ARGOCD_FOLDER)!, 'Application').filter((a) => a.metadata.name !== 'easyflow-gitops');
  expect(apps.length).toBe(Object.keys(config.environments).length);
  for (const a of apps) {
    const { server, namespace } = a.spec.destination;
    const { targetRevision, path: p } = a.spec.source;
    expect(summary).toContain(
      `| ${a.metadata.name} | ${a.spec.project} | ${server} | ${namespace} | \`${targetRevision}\` | \`${p}\` |`,
    );
  }
  expect(summary).toContain(`syncs \`${repoPath(ARGOCD_FOLDER)}\``);
});

test('sync windows are shown on the row of their Application', () => {
  const windows = Object.entries(config.environments).filter(([, e]) => (e.syncWindows ?? []).length > 0);
  for (const [env, e] of windows) {
    const row = summary.split('\n').find((l) => l.startsWith(`| easyflow-${env} |`))!;
    for (const w of e.syncWindows!) expect(row).toContain(`${w.kind} \`${w.schedule}\` for ${w.duration}`);
  }
});

test('every cluster folder says how to bootstrap it', () => {
  for (const folder of [...bootstrap.keys()].filter((f) => f !== ARGOCD_FOLDER)) {
    expect(summary).toContain(`### \`${repoPath(folder)}/\``);
    expect(summary).toContain(`then \`kubectl apply -k ${repoPath(folder)}\`.`);
  }
  expect(summary).toContain(`- \`kubectl apply -k ${repoPath(ARGOCD_FOLDER)}\``);
});

test('a private repository: the commands that create each Secret, named as in config', () => {
  const ssh: GitopsConfig = {
    ...config,
    repoURL: 'ssh://git@example.com/deploy.git',
    argocd: { repositorySecret: 'deploy-repo' },
    flux: { secretRef: 'deploy-auth' },
  };
  const text = summarizeGitops(ssh, bootstrap);
  expect(text).toContain(
    '`kubectl -n argocd create secret generic deploy-repo --from-literal=type=git --from-literal=url=ssh://git@example.com/deploy.git --from-file=sshPrivateKey=<deploy key>`, then `kubectl -n argocd label secret deploy-repo argocd.argoproj.io/secret-type=repository`',
  );
  expect(text).toContain(
    '`flux create secret git deploy-auth --namespace=flux-system --url=ssh://git@example.com/deploy.git --private-key-file=<deploy key>`',
  );
  expect(summary).not.toContain('create secret');
});

test('a private HTTPS repository: a token instead of a key', () => {
  const https: GitopsConfig = {
    ...config,
    argocd: { repositorySecret: 'deploy-repo' },
    flux: { secretRef: 'deploy-auth' },
  };
  const text = summarizeGitops(https, bootstrap);
  expect(text).toContain('--from-literal=username=<user> --from-literal=password=<token>`');
  expect(text).toContain(
    `flux create secret git deploy-auth --namespace=flux-system --url=${config.repoURL} --username=<user> --password=<token>\``,
  );
});
