import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { ARGOCD_ROOT } from '../../lib/delivery/argocd';
import { fluxRootName } from '../../lib/delivery/flux';
import { ConfigError, loadEnvironments } from '../../lib/pipeline/config';
import {
  ARGOCD_FOLDER,
  GITOPS,
  PUBLISHED,
  fluxFolder,
  parseGitopsConfig,
  repoPath,
} from '../../lib/pipeline/gitops-config';
import { EnvironmentRender, Rendered, RenderEnvironment, renderProject } from '../../lib/pipeline/synth';
import { identity } from '../../lib/platform/cache';
import { propDefaults } from '../../scripts/config-docs';
import type { EnvironmentConfig } from '../../lib/environment';
import { Manifest, SchemaValidator } from '../../lib/validation/schema';
import { CONFIG_DIR, ROOT, find, rendered, writeConfig } from '../helpers';

type Json = Record<string, any>;

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const MINIMAL = fs.readFileSync(path.join(FIXTURES, 'minimal.yaml'), 'utf8');
const GITOPS_FIXTURE = load(fs.readFileSync(path.join(FIXTURES, 'gitops.yaml'), 'utf8')) as Json;
const ALL = GITOPS_FIXTURE.environments as Record<string, Json>;

/** The config folder every project of this file is written to, so that its files keep their names. */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-gitops-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The namespace the fixture gives environment `name`. */
const namespaceOf = (name: string): string => `flows-${name}`;

/**
 * These tests are about the GitOps objects, which are rendered each time; an environment's own part
 * depends only on its config value (its name among it), so each distinct one is rendered once per file.
 */
const environments = new Map<string, EnvironmentRender>();
const environment: RenderEnvironment = (env, render) => {
  const key = identity(env);
  if (key === undefined) return render();
  if (!environments.has(key)) environments.set(key, render());
  return structuredClone(environments.get(key)!);
};

/** Renders a project of the minimal environment config under each name, with the fixture gitops.yaml. */
function project(names: readonly string[], gitops: Json = GITOPS_FIXTURE): Rendered {
  fs.rmSync(dir, { recursive: true, force: true });
  const text = (name: string): string =>
    MINIMAL.replace('easyflow-min', namespaceOf(name)).replace('api.min.example.com', `${name}.example.com`);
  writeConfig(dir, Object.fromEntries(names.map((name) => [name, text(name)])), gitops);
  return renderProject(dir, { environment });
}

const objects = (r: Rendered, folder: string): readonly Manifest[] => r.folders.get(folder) ?? [];
const names = (manifests: readonly Manifest[]): string[] => manifests.map((m) => `${m.kind}/${m.metadata.name}`);
const gitopsFolders = (r: Rendered): string[] => [...r.folders.keys()].filter((f) => f.startsWith(`${GITOPS}/`));

/** Every path a bootstrap object points a GitOps tool at, relative to the repository root. */
function pathsOf(r: Rendered): string[] {
  return gitopsFolders(r).flatMap((folder) =>
    objects(r, folder).flatMap((m: Json) => {
      if (m.kind === 'Application') return [m.spec.source.path as string];
      if (m.kind === 'Kustomization') return [(m.spec.path as string).replace(/^\.\//, '')];
      return [];
    }),
  );
}

describe('from config alone', () => {
  test('adding an environment adds its Application, destination and Flux folder, and changes nothing else', () => {
    const before = project(['alpha', 'beta']);
    const after = project(['alpha', 'beta', 'gamma']);
    expect(gitopsFolders(after)).toEqual([...gitopsFolders(before), fluxFolder('gamma')]);
    expect(names(objects(after, ARGOCD_FOLDER))).toEqual([
      ...names(objects(before, ARGOCD_FOLDER)),
      'Application/easyflow-gamma',
    ]);
    const app = find(objects(after, ARGOCD_FOLDER), 'Application', 'easyflow-gamma');
    expect(app.spec.destination).toEqual({ server: ALL.gamma!.server, namespace: namespaceOf('gamma') });
    expect(app.spec.source.path).toBe(repoPath('gamma'));
    expect(find(objects(after, ARGOCD_FOLDER), 'AppProject', 'flows').spec.destinations).toContainEqual({
      server: ALL.gamma!.server,
      namespace: namespaceOf('gamma'),
    });
    expect(names(objects(after, fluxFolder('gamma')))).toEqual([
      `GitRepository/${fluxRootName('gamma')}`,
      `Kustomization/${fluxRootName('gamma')}`,
      'GitRepository/easyflow-gamma',
      'Kustomization/easyflow-gamma',
    ]);
    // The other environments' objects, and their Flux folders, stay byte for byte as they were.
    for (const [file, content] of before.files) {
      if (file.startsWith(`${ARGOCD_FOLDER}/`) && !/appproject-flows|kustomization\.yaml/.test(file)) {
        expect({ file, content: after.files.get(file) }).toEqual({ file, content });
      }
      if (file.startsWith(`${GITOPS}/flux/`))
        expect({ file, content: after.files.get(file) }).toEqual({ file, content });
    }
  });

  test('removing an environment removes its Application, destination and Flux folder', () => {
    const before = project(['alpha', 'beta', 'gamma']);
    const after = project(['alpha', 'gamma']);
    expect(gitopsFolders(after)).toEqual(gitopsFolders(before).filter((f) => f !== fluxFolder('beta')));
    expect(names(objects(after, ARGOCD_FOLDER))).toEqual(
      names(objects(before, ARGOCD_FOLDER)).filter((n) => n !== 'Application/easyflow-beta'),
    );
    const destinations = find(objects(after, ARGOCD_FOLDER), 'AppProject', 'flows').spec.destinations;
    expect(destinations.map((d: Json) => d.namespace)).toEqual([namespaceOf('alpha'), namespaceOf('gamma')]);
    expect([...after.files.keys()].filter((f) => f.includes('beta'))).toEqual([]);
  });

  test('each root object applies exactly the folder it is written to', () => {
    const r = project(['alpha', 'beta']);
    const argoRoot = find(objects(r, ARGOCD_FOLDER), 'Application', ARGOCD_ROOT);
    expect(argoRoot.spec.source).toEqual({
      repoURL: GITOPS_FIXTURE.repoURL,
      targetRevision: GITOPS_FIXTURE.branch,
      path: repoPath(ARGOCD_FOLDER),
    });
    for (const env of ['alpha', 'beta']) {
      const flux = objects(r, fluxFolder(env));
      expect(find(flux, 'Kustomization', fluxRootName(env)).spec.path).toBe(`./${repoPath(fluxFolder(env))}`);
      expect(find(flux, 'GitRepository', fluxRootName(env)).spec.ref).toEqual({ branch: GITOPS_FIXTURE.branch });
    }
  });

  test('the Argo CD root may manage every object of its folder, and nothing else', () => {
    const r = project(['alpha', 'beta']);
    const argo = objects(r, ARGOCD_FOLDER);
    const root = find(argo, 'Application', ARGOCD_ROOT);
    const project_ = find(argo, 'AppProject', root.spec.project);
    expect(project_.spec.destinations).toEqual([{ server: root.spec.destination.server, namespace: 'gitops' }]);
    expect(project_.spec.clusterResourceWhitelist).toEqual([]);
    for (const m of argo) {
      expect(m.metadata.namespace).toBe(root.spec.destination.namespace);
      expect(project_.spec.namespaceResourceWhitelist).toContainEqual({
        group: m.apiVersion.split('/')[0],
        kind: m.kind,
      });
    }
  });

  test('every path a bootstrap object names is a rendered folder with a kustomization.yaml', () => {
    const r = project(['alpha', 'beta', 'gamma']);
    const paths = pathsOf(r);
    expect(paths.length).toBe(1 + 3 + 2 * 3);
    for (const p of paths) {
      expect(p.startsWith(`${PUBLISHED}/`)).toBe(true);
      expect({ path: p, built: r.files.has(`${p.slice(PUBLISHED.length + 1)}/kustomization.yaml`) }).toEqual({
        path: p,
        built: true,
      });
    }
  });

  test('a changed interval, branch or health check changes only files the root objects apply', () => {
    const base = project(['alpha', 'beta']);
    const changed = project(['alpha', 'beta'], {
      ...GITOPS_FIXTURE,
      branch: 'release',
      flux: { ...GITOPS_FIXTURE.flux, interval: '11m', timeout: '13m' },
    });
    const differing = [...changed.files.keys()].filter((f) => changed.files.get(f) !== base.files.get(f));
    expect(differing.length).toBeGreaterThan(0);
    const applied = gitopsFolders(base);
    for (const file of differing.filter((f) => f !== `${GITOPS}/SUMMARY.md`)) {
      expect({ file, applied: applied.some((folder) => path.dirname(file) === folder) }).toEqual({
        file,
        applied: true,
      });
    }
    expect(find(objects(changed, fluxFolder('alpha')), 'Kustomization', 'easyflow-alpha').spec).toMatchObject({
      interval: '11m',
      timeout: '13m',
    });
  });

  test('each environment is deployed from its own branch, tag or commit; the bootstrap follows the branch', () => {
    const r = project(['alpha', 'beta', 'gamma']);
    const refs = { alpha: { branch: 'alpha' }, beta: { tag: 'v2.3.0' }, gamma: { commit: ALL.gamma!.commit } };
    for (const [env, ref] of Object.entries(refs)) {
      expect(find(objects(r, fluxFolder(env)), 'GitRepository', `easyflow-${env}`).spec.ref).toEqual(ref);
      expect(find(objects(r, ARGOCD_FOLDER), 'Application', `easyflow-${env}`).spec.source.targetRevision).toBe(
        Object.values(ref)[0],
      );
    }
    const noRevision = { ...GITOPS_FIXTURE, environments: { alpha: { server: ALL.alpha!.server } } };
    expect(
      find(objects(project(['alpha'], noRevision), fluxFolder('alpha')), 'GitRepository', 'easyflow-alpha').spec.ref,
    ).toEqual({ branch: GITOPS_FIXTURE.branch });
  });

  test('a private repository: every GitRepository reads flux.secretRef', () => {
    const r = project(['alpha']);
    for (const m of objects(r, fluxFolder('alpha')).filter((o) => o.kind === 'GitRepository') as Json[]) {
      expect(m.spec.secretRef).toEqual({ name: GITOPS_FIXTURE.flux.secretRef });
    }
  });

  test('every Flux object of every folder has a name of its own, so environments may share a cluster', () => {
    const r = project(['alpha', 'beta', 'gamma']);
    const all = gitopsFolders(r)
      .filter((f) => f !== ARGOCD_FOLDER)
      .flatMap((f) => objects(r, f).map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`));
    expect(all.length).toBe(3 * 4);
    expect(new Set(all).size).toBe(all.length);
  });

  test('every bootstrap object built from every key is valid, strictly, against its CRD', () => {
    const r = project(['alpha', 'beta', 'gamma']);
    const validator = new SchemaValidator(['v1.27.0']);
    for (const folder of gitopsFolders(r))
      expect({ folder, violations: validator.validate(objects(r, folder)) }).toEqual({ folder, violations: [] });
  });

  test("each environment's Kustomization waits for its own fluxDependsOn, else flux.dependsOn; the roots never wait", () => {
    const r = project(['alpha', 'beta', 'gamma']);
    const namespace = GITOPS_FIXTURE.flux.namespace;
    const resolved = (deps: Json[]) => deps.map((d) => ({ namespace, ...d }));
    const expected: Record<string, Json[] | undefined> = {
      alpha: resolved(GITOPS_FIXTURE.flux.dependsOn),
      beta: undefined,
      gamma: resolved(ALL.gamma!.fluxDependsOn),
    };
    for (const [env, dependsOn] of Object.entries(expected)) {
      const flux = objects(r, fluxFolder(env));
      expect(find(flux, 'Kustomization', `easyflow-${env}`).spec.dependsOn).toEqual(dependsOn);
      expect(find(flux, 'Kustomization', fluxRootName(env)).spec.dependsOn).toBeUndefined();
    }
  });

  test('sync windows reach the AppProject, for the Application of their environment only', () => {
    const r = project(['alpha', 'beta']);
    const w = ALL.alpha!.syncWindows[0];
    expect(find(objects(r, ARGOCD_FOLDER), 'AppProject', 'flows').spec.syncWindows).toEqual([
      { ...w, applications: ['easyflow-alpha'] },
    ]);
  });
});

describe('a key left out renders exactly as the key set to its documented default', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'gitops.schema.json'), 'utf8'));
  const defaults = propDefaults();
  const cases = Object.entries(schema.properties as Record<string, Json>).flatMap(([section, node]) =>
    Object.entries((node.properties ?? {}) as Record<string, Json>)
      .filter(([, leaf]) => leaf['x-default-of'] !== undefined)
      .map(([key, leaf]) => [section, key, /^'(.*)'$/.exec(defaults.get(leaf['x-default-of'])!)?.[1]] as const)
      .filter(([, , value]) => value !== undefined),
  );

  test('there are cases', () => expect(cases.length).toBeGreaterThanOrEqual(5));

  test.each(cases)('%s.%s = %p', (section, key, value) => {
    const rest = Object.entries(GITOPS_FIXTURE[section] as Json).filter(([k]) => k !== key);
    const without = { ...GITOPS_FIXTURE, [section]: Object.fromEntries(rest) };
    const explicit = { ...GITOPS_FIXTURE, [section]: Object.fromEntries([...rest, [key, value]]) };
    expect([...project(['alpha'], explicit).files]).toEqual([...project(['alpha'], without).files]);
  });
});

/** What parseGitopsConfig says about `text`: each problem, or none. */
function problemsOf(file: string, text: string, envs: readonly EnvironmentConfig[]): string[] {
  try {
    parseGitopsConfig(file, text, envs);
  } catch (e) {
    return [...(e as ConfigError).problems];
  }
  return [];
}

describe('config/gitops.yaml', () => {
  const envs = loadEnvironments(CONFIG_DIR);
  const text = fs.readFileSync(path.join(CONFIG_DIR, 'gitops.yaml'), 'utf8');
  const problems = (t: string): string[] => problemsOf('config/gitops.yaml', t, envs);

  test('is valid, and its Secret names are commented out examples (the repository is public)', () => {
    expect(problems(text)).toEqual([]);
  });

  test('names exactly the configured environments', () => {
    expect(problems(text.replace(/ {2}staging:\n.*\n/, ''))).toEqual([
      'config/gitops.yaml: environments.staging is missing: config/staging.yaml needs a destination',
    ]);
    expect(problems(`${text}  nowhere:\n    server: https://nowhere.example.com\n`)).toEqual([
      'config/gitops.yaml: environments.nowhere has no config/nowhere.yaml',
    ]);
  });

  test('bad values name the key and the value', () => {
    expect(problems(text.replace(/( {2}prod:\n {4}server: ).*/, '$1prod'))).toEqual([
      'config/gitops.yaml: environments.prod.server is "prod": it must be an https:// URL',
    ]);
    expect(problems(text.replace('interval: 5m', 'intervall: 5m'))).toContainEqual(
      'config/gitops.yaml: flux.intervall is not a known key (did you mean flux.interval?); allowed here: namespace, interval, timeout, secretRef, dependsOn',
    );
  });
});

describe('test/fixtures/gitops.yaml edited', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'gitops.yaml'), 'utf8');
  const envs = Object.keys(ALL).map((name) => ({ name }) as EnvironmentConfig);
  const problems = (edit: (t: string) => string): string[] => {
    const edited = edit(text);
    if (edited === text) throw new Error('the edit changed nothing');
    return problemsOf('gitops.yaml', edited, envs);
  };

  test('the fixture is valid', () => {
    expect(problems((t) => `${t}\n`)).toEqual([]);
  });

  test('a commit is a full SHA', () => {
    expect(problems((t) => t.replace(ALL.gamma!.commit, 'abc'))).toEqual([
      'gitops.yaml: environments.gamma.commit is "abc" but must match ^[0-9a-f]{40}$',
    ]);
  });

  test('a revision is one of branch, tag or commit', () => {
    expect(problems((t) => t.replace('    tag: v2.3.0\n', '$&    branch: release\n'))).toEqual([
      'gitops.yaml: environments.beta sets branch and tag; a revision is one of branch, tag or commit',
    ]);
  });

  test("an environment named gitops-<other> is refused: its Flux objects would take the other's root name", () => {
    const envs = [...Object.keys(ALL), 'gitops-alpha'].map((name) => ({ name }) as EnvironmentConfig);
    const withCollision = `${text}  gitops-alpha:\n    server: https://ga.example.com\n`;
    expect(problemsOf('gitops.yaml', withCollision, envs)).toEqual([
      'gitops.yaml: environments.gitops-alpha: its Flux objects easyflow-gitops-alpha would take the name of the Flux root of environment alpha; rename it',
    ]);
  });

  test('an SSH repository needs the Secret names of both tools', () => {
    expect(problems((t) => t.replace(/^ {2}(repositorySecret|secretRef): .*\n/gm, ''))).toEqual([
      `gitops.yaml: argocd.repositorySecret is required: repoURL ${GITOPS_FIXTURE.repoURL} is an SSH URL, which needs a key`,
      `gitops.yaml: flux.secretRef is required: repoURL ${GITOPS_FIXTURE.repoURL} is an SSH URL, which needs a key`,
    ]);
  });

  test('a Flux dependency on the environment itself, listed twice or misnamed is refused', () => {
    expect(
      problems((t) =>
        t
          .replace('    - name: infra-crds\n', '    - name: infra-crds\n    - name: easyflow-alpha\n')
          .replace('      - name: gamma-infra\n', '      - name: Gamma\n      - name: gamma-infra\n'),
      ),
    ).toEqual([
      "gitops.yaml: flux.dependsOn.1 is flux/easyflow-alpha, a Kustomization of this environment's own: it would wait for itself (for environment alpha)",
      'gitops.yaml: environments.gamma.fluxDependsOn.0.name is "Gamma": it must be a Kubernetes object name (lower-case DNS subdomain)',
    ]);
    expect(
      problems((t) =>
        t.replace(
          '      namespace: platform\nenvironments:',
          '      namespace: platform\n    - name: infra-crds\n      namespace: flux\nenvironments:',
        ),
      ),
    ).toEqual(['gitops.yaml: flux.dependsOn.2 lists flux/infra-crds a second time (for environment alpha)']);
  });

  test('a sync window with a bad kind, schedule or duration is refused', () => {
    const bad = (t: string): string =>
      t
        .replace("schedule: '0 18 * * 5'", "schedule: '0 18 * *'")
        .replace('duration: 62h', 'duration: 3 days')
        .replace('kind: deny', 'kind: block');
    expect(problems(bad)).toEqual([
      'gitops.yaml: environments.alpha.syncWindows.0.kind is "block" but must be one of "allow", "deny"',
      'gitops.yaml: environments.alpha.syncWindows.0.schedule is "0 18 * *": it is not a valid cron schedule: expected 5 fields (minute hour day-of-month month day-of-week), found 4',
      'gitops.yaml: environments.alpha.syncWindows.0.duration is "3 days": it must be a duration such as 30s, 5m, 1h or 1h30m',
    ]);
  });
});

describe('git ref names and durations the tools can parse', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'gitops.yaml'), 'utf8');
  const envs = Object.keys(ALL).map((name) => ({ name }) as EnvironmentConfig);
  const refused = (ref: string, why: string): string =>
    `gitops.yaml: environments.alpha.branch is ${JSON.stringify(ref)}: it is not a branch or tag name git accepts: it ${why}`;

  test.each([
    ['release..1', 'has ".."'],
    ['-x', 'has a part starting with "." or "-"'],
    ['x/.hidden', 'has a part starting with "." or "-"'],
    ['x.lock', 'has a part ending in ".lock"'],
    ['x.lock/y', 'has a part ending in ".lock"'],
    ['x@{1}', 'has "@{"'],
    ['x~1', 'has a space, a control character or one of ~ ^ : ? * [ \\'],
    ['x\ty', 'has a space, a control character or one of ~ ^ : ? * [ \\'],
    ['release/', 'starts or ends with "/" or has "//"'],
    ['a//b', 'starts or ends with "/" or has "//"'],
    ['release.', 'ends with "."'],
    ['@', 'is "@"'],
  ])('branch %p', (ref, why) => {
    const edited = text.replace('    branch: alpha\n', `    branch: ${JSON.stringify(ref)}\n`);
    expect(problemsOf('gitops.yaml', edited, envs)).toEqual([refused(ref, why)]);
  });

  test('good names pass, at every key that takes one', () => {
    const edited = text
      .replace('branch: trunk', 'branch: release/2026-12')
      .replace('    branch: alpha\n', '    branch: feature/x_y-1.2\n')
      .replace('tag: v2.3.0', 'tag: v2.3.0-rc.1');
    expect(problemsOf('gitops.yaml', edited, envs)).toEqual([]);
    expect(problemsOf('gitops.yaml', text.replace('tag: v2.3.0', 'tag: v2..3'), envs)).toEqual([
      'gitops.yaml: environments.beta.tag is "v2..3": it is not a branch or tag name git accepts: it has ".."',
    ]);
  });

  test('a sync window longer than Go can hold, or zero, is refused', () => {
    expect(problemsOf('gitops.yaml', text.replace('duration: 62h', 'duration: 9999999999999h'), envs)).toEqual([
      'gitops.yaml: environments.alpha.syncWindows.0.duration is "9999999999999h": it must be a duration such as 30s, 5m, 1h or 1h30m',
    ]);
    expect(problemsOf('gitops.yaml', text.replace('duration: 62h', 'duration: 999999h'), envs)).toEqual([
      'gitops.yaml: environments.alpha.syncWindows.0.duration is "999999h": it must be at most a year (8760h)',
    ]);
    expect(problemsOf('gitops.yaml', text.replace('duration: 62h', 'duration: 0m'), envs)).toEqual([
      'gitops.yaml: environments.alpha.syncWindows.0.duration is "0m": it must be longer than 0s',
    ]);
  });
});

describe('no credentials in any URL', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'gitops.yaml'), 'utf8');
  const envs = Object.keys(ALL).map((name) => ({ name }) as EnvironmentConfig);
  const GIT =
    'Git credentials go in the Secret argocd.repositorySecret names (Argo CD) and the one flux.secretRef names (Flux), never in the URL';
  const SERVER =
    'cluster credentials go in the Secret Argo CD keeps for the cluster (argocd cluster add), never in the URL';
  const CREDENTIALS = 'must not carry credentials (user:password@ or token@ before the host)';

  test.each([
    ['https://x-access-token:TOKEN@github.com/easyflow/deploy.git', 'https://***@github.com/easyflow/deploy.git'],
    ['https://TOKEN@github.com/easyflow/deploy.git', 'https://***@github.com/easyflow/deploy.git'],
    ['ssh://git:pw@git.example.com/deploy.git', 'ssh://***@git.example.com/deploy.git'],
  ])('repoURL %s', (url, shown) => {
    expect(problemsOf('gitops.yaml', text.replace(GITOPS_FIXTURE.repoURL, url), envs)).toEqual([
      `gitops.yaml: repoURL is "${shown}": it ${CREDENTIALS}; ${GIT}`,
    ]);
  });

  test('server', () => {
    const edited = text.replace('https://alpha.k8s.example.com', 'https://admin:pw@alpha.k8s.example.com');
    expect(problemsOf('gitops.yaml', edited, envs)).toEqual([
      `gitops.yaml: environments.alpha.server is "https://***@alpha.k8s.example.com": it ${CREDENTIALS}; ${SERVER}`,
    ]);
  });

  test('a repoURL whose host is not a host', () => {
    for (const [url, host] of [
      ['https://github_com/easyflow/deploy.git', 'github_com'],
      ['https://999/easyflow/deploy.git', '999'],
      ['git@-github.com:easyflow/deploy.git', '-github.com'],
    ]) {
      expect(problemsOf('gitops.yaml', text.replace(GITOPS_FIXTURE.repoURL, url), envs)).toEqual([
        `gitops.yaml: repoURL is "${url}": it has "${host}", which is not a host name`,
      ]);
    }
  });

  test('an SSH login user is no credential, and any user@host:path needs the Secret names', () => {
    expect(
      problemsOf('gitops.yaml', text.replace(GITOPS_FIXTURE.repoURL, 'deploy@git.example.com:deploy.git'), envs),
    ).toEqual([]);
    const noSecrets = text
      .replace(/^ {2}(repositorySecret|secretRef): .*\n/gm, '')
      .replace(GITOPS_FIXTURE.repoURL, 'deploy@git.example.com:x.git');
    expect(problemsOf('gitops.yaml', noSecrets, envs)).toHaveLength(2);
  });

  test('any other string with a URL with credentials', () => {
    const edited = text.replace(
      'description: weekend freeze',
      'description: see https://ops:pw@wiki.example.com/freeze',
    );
    expect(problemsOf('gitops.yaml', edited, envs)).toEqual([
      'gitops.yaml: environments.alpha.syncWindows.0.description holds a URL with credentials; secrets belong in a Secret, never in config',
    ]);
  });

  test('a synth refuses a token in repoURL before anything is written', () => {
    expect(() =>
      project(['alpha'], { ...GITOPS_FIXTURE, repoURL: 'https://x-access-token:TOKEN@github.com/easyflow/deploy.git' }),
    ).toThrow(`gitops.yaml: repoURL is "https://***@github.com/easyflow/deploy.git": it ${CREDENTIALS}; ${GIT}`);
  });
});

describe('no environment takes a namespace it does not own', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'gitops.yaml'), 'utf8');
  /** The fixture's environments, alpha in `namespace` with `extra` config. */
  const envsWith = (namespace: string, extra: Partial<EnvironmentConfig> = {}): EnvironmentConfig[] =>
    Object.keys(ALL).map(
      (name) =>
        ({
          name,
          file: `config/${name}.yaml`,
          namespace: name === 'alpha' ? namespace : `flows-${name}`,
          ...(name === 'beta' ? extra : {}),
        }) as EnvironmentConfig,
    );
  const reserved = (namespace: string, owner: string): string =>
    `config/alpha.yaml: namespace is "${namespace}", which is reserved for ${owner}; choose a namespace this project owns`;

  test.each([
    ['kube-system', 'Kubernetes itself'],
    ['default', 'Kubernetes itself'],
    ['kube-public', 'Kubernetes itself'],
    ['kube-node-lease', 'Kubernetes itself'],
    ['kube-anything', 'Kubernetes itself (kube-*)'],
    ['argocd', 'Argo CD'],
    ['flux-system', 'Flux'],
    ['envoy-gateway-system', 'Envoy Gateway'],
    ['cert-manager', 'cert-manager'],
    ['cnpg-system', 'the CloudNativePG operator'],
    ['external-secrets', 'External Secrets'],
    ['monitoring', 'monitoring (Prometheus)'],
  ])('built in: %s', (namespace, owner) => {
    expect(problemsOf('gitops.yaml', text, envsWith(namespace))).toEqual([reserved(namespace, owner)]);
  });

  test('the namespaces the config names for the platform, in gitops.yaml or any environment', () => {
    const argo = GITOPS_FIXTURE.argocd.namespace as string;
    const flux = GITOPS_FIXTURE.flux.namespace as string;
    expect(problemsOf('gitops.yaml', text, envsWith(argo))).toEqual([
      reserved(argo, 'Argo CD (gitops.yaml: argocd.namespace)'),
    ]);
    expect(problemsOf('gitops.yaml', text, envsWith(flux))).toEqual([
      reserved(flux, 'Flux (gitops.yaml: flux.namespace)'),
    ]);
    for (const [extra, owner] of [
      [{ edge: { namespace: 'edge' } }, "the edge's data plane (config/beta.yaml: edge.namespace)"],
      [
        { edge: { migrateFromNamespace: 'edge' } },
        "the edge's data plane (config/beta.yaml: edge.migrateFromNamespace)",
      ],
      [{ network: { prometheusNamespace: 'edge' } }, 'Prometheus (config/beta.yaml: network.prometheusNamespace)'],
      [{ network: { dnsNamespace: 'edge' } }, 'the cluster DNS (config/beta.yaml: network.dnsNamespace)'],
      [
        { network: { cnpgOperatorNamespace: 'edge' } },
        'the CloudNativePG operator (config/beta.yaml: network.cnpgOperatorNamespace)',
      ],
    ] as const) {
      expect(problemsOf('gitops.yaml', text, envsWith('edge', extra))).toEqual([reserved('edge', owner)]);
    }
  });

  test('reservedNamespaces extends the list; the built-in names stay reserved', () => {
    const extended = `${text}reservedNamespaces: [tenant-a, kube-system]\n`;
    expect(problemsOf('gitops.yaml', extended, envsWith('tenant-a'))).toEqual([
      reserved('tenant-a', 'your clusters (gitops.yaml: reservedNamespaces)'),
    ]);
    expect(problemsOf('gitops.yaml', extended, envsWith('kube-system'))).toEqual([
      reserved('kube-system', 'Kubernetes itself'),
    ]);
    expect(problemsOf('gitops.yaml', extended, envsWith('flows-alpha'))).toEqual([]);
  });

  test('a synth refuses it', () => {
    expect(() => project(['alpha'], { ...GITOPS_FIXTURE, reservedNamespaces: [namespaceOf('alpha')] })).toThrow(
      /easyflow-gitops-\w+\/alpha\.yaml: namespace is "flows-alpha", which is reserved for your clusters/,
    );
  });
});

describe('the committed dist/', () => {
  test("an environment that uses custom resources waits in Flux for the cluster's infrastructure", () => {
    const r = rendered();
    const builtIn = /^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io)\/v\d+)$/;
    for (const env of loadEnvironments(CONFIG_DIR).map((e) => e.name)) {
      const custom = objects(r, env).filter((m) => !builtIn.test(m.apiVersion));
      const kustomization = find(objects(r, fluxFolder(env)), 'Kustomization', `easyflow-${env}`);
      expect({ env, waits: (kustomization.spec.dependsOn ?? []).length > 0 }).toEqual({
        env,
        waits: custom.length > 0,
      });
    }
  });

  test('every path a bootstrap object names exists in dist/ with a kustomization.yaml', () => {
    const paths = pathsOf(rendered());
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) {
      expect({ path: p, exists: fs.existsSync(path.join(ROOT, p, 'kustomization.yaml')) }).toEqual({
        path: p,
        exists: true,
      });
    }
  });

  test('GitOps paths start at the folder the validation plugin publishes to', () => {
    const cdk8s = load(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as Json;
    expect(cdk8s.validations[0].properties.publishTo).toBe(PUBLISHED);
  });
});
