import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { dump, load } from 'js-yaml';
import { ALL_OBJECTS, allObjects } from '../../lib/pipeline/synth';
import { hashInputs } from '../../lib/platform/inputs';
import { takeHandoff, writeHandoff } from '../../lib/platform/handoff';
import { readTree, writeTree } from '../../lib/platform/tree';
import { EasyflowValidation } from '../../lib/validation/plugin';
import { readSchemaFiles, verdictMemo } from '../../lib/validation/verdict-memo';
import { bundles, codeKey } from '../../lib/platform/cache';
import { ROOT } from '../../lib/platform/paths';
import { rendered } from '../helpers';

let tmp: string;
let outdir: string;
let dist: string;
let logged: string[];
// The app's parent process is the "CLI" whose handoff the plugin takes.
const cli = process.ppid;

/** What the app leaves: ALL_OBJECTS in the CLI's folder and a handoff of the dist/ tree (`edit`ed). */
function app(
  edit: (files: Map<string, string>) => void = () => undefined,
  dir = outdir,
  inputs = rendered().inputs,
): ValidationContext {
  const files = new Map(rendered().files);
  edit(files);
  const written = new Map([[ALL_OBJECTS, allObjects(files)]]);
  writeTree(dir, written);
  writeHandoff(dir, written, files, { inputs, restored: false });
  return new ValidationContext([path.join(dir, ALL_OBJECTS)], 'easyflow-validation', '1.0.0', {}, false);
}

/**
 * An edit that keeps one output folder of the render: the tests of a verdict need only the folder
 * of the object they break, and those of what the plugin does with a verdict (where it publishes,
 * what it refuses) need not judge every object again.
 */
const only =
  (folder: string, edit: (files: Map<string, string>) => void = () => undefined) =>
  (files: Map<string, string>): void => {
    for (const f of [...files.keys()]) if (!f.startsWith(`${folder}/`)) files.delete(f);
    edit(files);
  };
const SMALL = 'gitops/argocd';
const small = only(SMALL);
const smallCount = (): number => rendered().folders.get(SMALL)!.length;
function smallFiles(): Map<string, string> {
  const files = new Map(rendered().files);
  small(files);
  return files;
}

function plugin(props: Partial<ConstructorParameters<typeof EasyflowValidation>[0]> = {}): EasyflowValidation {
  return new EasyflowValidation({ outdir, publishTo: dist, cli, ...props });
}

beforeEach(() => {
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-plugin-'));
  outdir = path.join(tmp, 'out');
  dist = path.join(tmp, 'dist');
  writeTree(dist, new Map([['prod/old.yaml', 'old']]));
});
afterEach(() => {
  takeHandoff(cli, 0);
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('valid output is reported as success, summarized per folder, and published to dist/ exactly', async () => {
  const ctx = app();
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(true);
  expect(readTree(dist)).toEqual(new Map([...rendered().files].sort(([a], [b]) => a.localeCompare(b))));
  const objects = [...rendered().folders.values()].flat().length;
  expect(logged).toEqual([
    ...[...rendered().folders].map(([f, m]) => expect.stringMatching(new RegExp(`^${f} +${m.length} objects$`))),
    `validated ${objects} objects; published ${rendered().files.size} files to ${dist}/`,
  ]);
  expect(takeHandoff(cli, 0)).toBeUndefined();
});

test('a violation fails the report, names the object, the field and the rule, and leaves dist/ alone', async () => {
  const ctx = app(
    only('prod', (files) => {
      const f = 'prod/deployment-celery-beat.yaml';
      files.set(f, files.get(f)!.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'));
    }),
  );
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations).toEqual([
    expect.objectContaining({
      ruleName: 'policy/read-only-root',
      recommendation: 'must be true',
      violatingConstructs: [
        expect.objectContaining({
          resourceName: 'prod: Deployment/celery-beat',
          locations: ['spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'],
          manifestPath: `${dist}/prod/deployment-celery-beat.yaml`,
        }),
      ],
    }),
  ]);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('a ReplicaSet added in code, privileged on the host with :latest, fails the synth (issue 19)', async () => {
  const ctx = app(
    only('prod', (files) => {
      const d = load(files.get('prod/deployment-easyflow-app.yaml')!) as any;
      const spec = d.spec.template.spec;
      spec.hostNetwork = true;
      spec.hostPID = true;
      spec.volumes.push({ name: 'host', hostPath: { path: '/' } });
      spec.containers[0].securityContext.privileged = true;
      spec.containers[0].image = 'ghcr.io/easyflow/easyflow:latest';
      const rs = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { ...d.metadata, name: 'sneaky' },
        spec: { replicas: 1, selector: d.spec.selector, template: d.spec.template },
      };
      files.set('prod/replicaset-sneaky.yaml', dump(rs));
    }),
  );
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(false);
  const found = ctx.report
    .toJson()
    .violations.filter((v) => v.violatingConstructs.some((c) => c.resourceName === 'prod: ReplicaSet/sneaky'))
    .map((v) => v.ruleName);
  expect(found).toEqual(
    expect.arrayContaining(['policy/privileged', 'policy/host-namespaces', 'policy/host-path', 'policy/pinned-image']),
  );
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('an unknown field is a schema violation', async () => {
  const ctx = app(
    only('staging', (files) => {
      const f = 'staging/service-redis.yaml';
      files.set(f, files.get(f)!.replace('  type: ClusterIP', '  type: ClusterIP\n  tpye: x'));
    }),
  );
  await plugin().validate(ctx);
  expect(ctx.report.toJson().violations.map((v) => [v.ruleName, v.violatingConstructs[0]!.locations])).toEqual([
    ['schema v1.27.0', ['spec.tpye']],
    ['schema v1.36.0', ['spec.tpye']],
  ]);
});

test('an object a CRD CEL rule rejects fails the synth with the rule message, object and field', async () => {
  const ctx = app(
    only('prod', (files) => {
      const f = 'prod/clienttrafficpolicy-easyflow-https.yaml';
      files.set(f, files.get(f)!.replace('minVersion: "1.2"', 'minVersion: "1.3"'));
    }),
  );
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations).toEqual([
    expect.objectContaining({
      ruleName: expect.stringMatching(/^CEL gateway.envoyproxy.io\/v1alpha1\/ClientTrafficPolicy: /),
      recommendation: 'setting ciphers has no effect if the minimum possible TLS version is 1.3',
      violatingConstructs: [
        expect.objectContaining({ resourceName: 'prod: ClientTrafficPolicy/easyflow-https', locations: ['spec.tls'] }),
      ],
    }),
  ]);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('output written elsewhere (--output, --format helm) is validated there and never published', async () => {
  const other = path.join(tmp, 'other');
  const ctx = app(small, other);
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(true);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
  expect(logged.at(-1)).toBe(
    `validated ${smallCount()} objects written to ${path.relative('.', other)}/; ${dist}/ was not changed`,
  );
});

test('with --stdout nothing is published and the summary goes to stderr', async () => {
  const errors: string[] = [];
  jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  const tmpOut = path.join(tmp, 'stdout');
  app(small, tmpOut);
  const ctx = new ValidationContext([path.join(tmpOut, ALL_OBJECTS)], 'easyflow-validation', '1.0.0', {}, true);
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(true);
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
  expect(logged).toEqual([]);
  expect(errors.at(-1)).toBe(`validated ${smallCount()} objects written to standard output; ${dist}/ was not changed`);
});

test('files the CLI lists that are not what the app wrote (another synth rewrote them) fail the synth', async () => {
  const other = path.join(tmp, 'other');
  const ctx = app(undefined, other);
  fs.appendFileSync(path.join(other, ALL_OBJECTS), '# changed\n');
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations[0]!.recommendation).toBe(
    `${path.relative('.', other)}/ changed while this synth ran; nothing was published`,
  );
});

test('a plain synth publishes the handed-off bytes even when its scratch folder was emptied meanwhile', async () => {
  const ctx = app(small);
  fs.rmSync(outdir, { recursive: true });
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(true);
  expect(readTree(dist).size).toBe(smallFiles().size);
});

test('without a handoff from its own app the synth fails and publishes nothing', async () => {
  const ctx = app();
  await plugin({ cli: 1 }).validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations[0]!.recommendation).toBe(
    'the app of this synth left no output record; nothing was published',
  );
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('an existing --validation-reports-output-file fails the synth before anything is published', async () => {
  const reportsFile = path.join(tmp, 'reports.json');
  fs.writeFileSync(reportsFile, '{}');
  const ctx = app();
  await plugin({ reportsFile }).validate(ctx);
  expect(ctx.report.toJson().violations[0]!.recommendation).toBe(
    `the validation reports file ${reportsFile} already exists and the CLI will not overwrite it; nothing was published`,
  );
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('a publish killed between its renames is repaired by the next synth, even a failing one', async () => {
  fs.renameSync(dist, path.join(tmp, '.dist.previous'));
  await plugin({ cli: 1 }).validate(app());
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
  expect(logged[0]).toMatch(/dist\/ was restored: a synth killed while publishing had left the last published tree/);
});

test('a render whose config changed before its publish is refused, under the lock: dist/ stays', async () => {
  const config = path.join(tmp, 'config');
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(config, 'prod.yaml'), "image: { tag: '1.0.0' }\n");
  const ctx = app(small, outdir, hashInputs(config));
  // What another synth or set-image does between this synth's render and its publish.
  fs.writeFileSync(path.join(config, 'prod.yaml'), "image: { tag: '1.0.1' }\n");
  await plugin().validate(ctx);
  expect(ctx.report.success).toBe(false);
  expect(ctx.report.toJson().violations[0]!.recommendation).toBe(
    `${config}/prod.yaml changed while this synth ran; ${dist}/ was not changed; run it again`,
  );
  expect([...readTree(dist)]).toEqual([['prod/old.yaml', 'old']]);
});

test('a file that appeared in config/ meanwhile (a new environment) is a change too', async () => {
  const config = path.join(tmp, 'config');
  fs.mkdirSync(config);
  const ctx = app(small, outdir, hashInputs(config));
  fs.writeFileSync(path.join(config, 'qa.yaml'), '');
  await plugin().validate(ctx);
  expect(ctx.report.toJson().violations[0]!.recommendation).toMatch(
    new RegExp(`^${config}/, ${config}/qa.yaml changed while this synth ran`),
  );
});

test('a symbolic link as dist/ is refused by name, never replaced by a folder', async () => {
  const real = path.join(tmp, 'real-dist');
  fs.renameSync(dist, real);
  fs.symlinkSync(real, dist);
  const ctx = app(small);
  await plugin().validate(ctx);
  expect(ctx.report.toJson().violations[0]!.recommendation).toMatch(
    new RegExp(`^${dist} is a symbolic link \\(to ${real}\\); a synth replaces`),
  );
  expect(fs.lstatSync(dist).isSymbolicLink()).toBe(true);
  expect([...readTree(real)]).toEqual([['prod/old.yaml', 'old']]);
});

test('quietCli drops the CLI lines around a validation and, after a success, its report', async () => {
  const p = plugin();
  p.quietCli();
  console.log('Performing validations');
  await p.validate(app(small));
  console.log('Validations finished');
  console.log('');
  console.log('Validation Report (easyflow-validation@1.0.0)\n...');
  console.log('Validations ended succesfully');
  expect(logged.filter((l) => /Validat|Performing|^$/.test(l) && !l.startsWith('validated'))).toEqual([]);
});

test('the plugin needs to know the output folder', () => {
  expect(() => new EasyflowValidation({} as never)).toThrow(
    'easyflow validation plugin: properties.outdir is required (the cdk8s.yaml output folder)',
  );
});

describe('a verdict kept by an earlier synth', () => {
  const entry = path.join(ROOT, 'lib', 'validation', 'plugin.ts');
  const verdictsDir = () => path.join(tmp, 'verdicts');
  const readOnlyOff = only('prod', (files) => {
    const f = 'prod/deployment-celery-beat.yaml';
    files.set(f, files.get(f)!.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'));
  });
  beforeEach(() => (bundles()[entry] = 'the plugin bundle'));
  afterEach(() => Reflect.deleteProperty(bundles(), entry));

  test('a pass is kept, and the same summary and publish follow from it', async () => {
    await plugin({ verdictsDir: verdictsDir() }).validate(app(small));
    expect(fs.readdirSync(path.join(verdictsDir(), 'passes'))).toHaveLength(1);
    const first = [...logged];
    logged.length = 0;
    const ctx = app(small);
    await plugin({ verdictsDir: verdictsDir() }).validate(ctx);
    expect(ctx.report.success).toBe(true);
    expect(logged).toEqual(first);
    expect(readTree(dist)).toEqual(new Map([...smallFiles()].sort(([a], [b]) => a.localeCompare(b))));
  });

  test('a failure is never kept', async () => {
    const ctx = app(readOnlyOff);
    await plugin({ verdictsDir: verdictsDir() }).validate(ctx);
    expect(ctx.report.success).toBe(false);
    expect(fs.existsSync(path.join(verdictsDir(), 'passes'))).toBe(false);
  });

  test('it stands for exactly its code and files: other plugin code judges them again', async () => {
    // A pass kept for these violating files (as a plugin without the rule would have): believed...
    const files = new Map(rendered().files);
    readOnlyOff(files);
    const counts: Array<[string, number]> = [['prod', rendered().folders.get('prod')!.length]];
    verdictMemo(codeKey(entry)!, readSchemaFiles(), files, verdictsDir()).pass(counts);
    const kept = app(readOnlyOff);
    await plugin({ verdictsDir: verdictsDir() }).validate(kept);
    expect(kept.report.success).toBe(true);
    // ...by that code only: an edit of the plugin is a new key, and the files are judged.
    bundles()[entry] = 'the plugin bundle, edited';
    const judged = app(readOnlyOff);
    await plugin({ verdictsDir: verdictsDir() }).validate(judged);
    expect(judged.report.success).toBe(false);
  });
});
