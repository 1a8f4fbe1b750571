import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadEnvironments, parseConfig, readConfigFile } from '../../lib/pipeline/config';
import { renderMemo } from '../../lib/pipeline/render-memo';
import { EnvironmentRender, Rendered, renderProject } from '../../lib/pipeline/synth';
import type { EnvironmentConfig } from '../../lib/environment';
import { hashInputs } from '../../lib/platform/inputs';
import { SCRIPTS_DIR } from '../../lib/platform/paths';
import { noteRead } from '../../lib/platform/reads';
import { writeInto } from '../../lib/platform/tree';
import { CONFIG_DIR, sameSizeEdit } from '../helpers';

let tmp: string;
let config: string;
let scripts: string;
let cache: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-renders-'));
  config = path.join(tmp, 'config');
  scripts = path.join(tmp, 'scripts');
  cache = path.join(tmp, 'cache');
  writeInto(
    tmp,
    new Map([
      ['config/dev.yaml', 'tag: "1.0"\n'],
      ['config/gitops.yaml', 'branch: main\n'],
      ['config/README.md', 'not read by a render\n'],
      ['scripts/backup.sh', 'pg_dump\n'],
    ]),
  );
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A render as the real one reads: every *.yaml of the config folder and the scripts it embeds. */
function render(during: () => void = () => undefined): Rendered {
  const texts = ['dev.yaml', 'gitops.yaml'].map((f) => readConfigFile(path.join(config, f)));
  during();
  const script = path.join(scripts, 'backup.sh');
  noteRead(script, fs.readFileSync(script, 'utf8'));
  return { files: new Map([['dev/x.yaml', texts.join('')]]), folders: new Map([['dev', []]]), inputs: {} };
}

const memo = (code = 'code') => renderMemo(config, code, cache, scripts);

test('a render is kept and found by the next synth of the same code and inputs, with the inputs of now', () => {
  expect(memo().found).toBeUndefined();
  const made = memo().render(() => render());
  const found = memo().found!;
  expect(found.files).toEqual(made.files);
  expect(found.folders).toEqual(made.folders);
  expect(found.inputs).toEqual(hashInputs(config));
});

test.each([
  ['a config file edited', () => sameSizeEdit(path.join(config, 'dev.yaml'), '1.0', '1.1')],
  ['a config file nobody renders, edited', () => sameSizeEdit(path.join(config, 'README.md'), 'not', 'NOT')],
  ['a config file added', () => fs.writeFileSync(path.join(config, 'prod.yaml'), 'tag: "1.0"\n')],
  ['an embedded script edited', () => sameSizeEdit(path.join(scripts, 'backup.sh'), 'pg_dump', 'pg_dumq')],
])('%s (same size, time stamp put back) is a new key', (_what, edit) => {
  memo().render(() => render());
  expect(memo().found).toBeDefined();
  edit();
  expect(memo().found).toBeUndefined();
});

test('other code is a new key', () => {
  memo('code').render(() => render());
  expect(memo('Code').found).toBeUndefined();
});

test('a render that read a file changed and changed back while it ran is not kept', () => {
  const file = path.join(config, 'dev.yaml');
  const m = memo();
  m.render(() => {
    sameSizeEdit(file, '1.0', '2.0');
    const r = render();
    sameSizeEdit(file, '2.0', '1.0');
    return r;
  });
  expect(memo().found).toBeUndefined();
});

test('a render that did not read every config *.yaml (one was gone while it listed the folder) is not kept', () => {
  memo().render(() => {
    readConfigFile(path.join(config, 'gitops.yaml'));
    return { files: new Map(), folders: new Map(), inputs: {} };
  });
  expect(memo().found).toBeUndefined();
});

test('a file added to the config folder while the render ran: not kept', () => {
  memo().render(() => render(() => fs.writeFileSync(path.join(config, 'prod.yaml'), 'x: 1\n')));
  fs.rmSync(path.join(config, 'prod.yaml'));
  expect(memo().found).toBeUndefined();
});

test('an unreadable entry is no render: it renders again', () => {
  memo().render(() => render());
  const [entry] = fs.readdirSync(cache).filter((f) => f.endsWith('.json'));
  for (const text of ['{"files": [', '{}', '{"files": [], "folders": []}']) {
    fs.writeFileSync(path.join(cache, entry!), text);
    expect(memo().found).toBeUndefined();
  }
  fs.rmSync(path.join(cache, entry!));
  fs.mkdirSync(path.join(cache, entry!));
  expect(memo().found).toBeUndefined();
});

test('the real render reads exactly what the key hashes, so it is kept, and found as it was made', () => {
  const real = renderMemo(CONFIG_DIR, 'code', cache, SCRIPTS_DIR);
  const made = real.render(() => renderProject(CONFIG_DIR, { environment: real.environment }));
  const found = renderMemo(CONFIG_DIR, 'code', cache, SCRIPTS_DIR).found!;
  expect(found.files).toEqual(made.files);
  expect(found.folders).toEqual(made.folders);
  // Every environment's part was kept too: a render from them alone is the same render.
  const again = renderMemo(CONFIG_DIR, 'code', cache, SCRIPTS_DIR);
  const rendered: string[] = [];
  const parts = renderProject(CONFIG_DIR, {
    environment: (env, render) =>
      again.environment(env, () => {
        rendered.push(env.name);
        return render();
      }),
  });
  expect(rendered).toEqual([]);
  expect(parts.files).toEqual(made.files);
});

test('a render that read a file twice and got different bytes, the last as hashed, is not kept', () => {
  const file = path.join(config, 'dev.yaml');
  memo().render(() => {
    sameSizeEdit(file, '1.0', '2.0');
    readConfigFile(file);
    sameSizeEdit(file, '2.0', '1.0');
    return render();
  });
  expect(memo().found).toBeUndefined();
});

describe("each environment's render", () => {
  const env = { name: 'dev', file: 'config/dev.yaml', tag: '1.0' } as unknown as EnvironmentConfig;
  const part = (tag = '1.0'): EnvironmentRender => ({
    manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: tag } }],
    files: [['dev/configmap.yaml', `tag: ${tag}\n`]],
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }],
  });
  /** Renders `e` through a fresh memo, counting the renders that ran. */
  function through(e: EnvironmentConfig, code = 'code', made = part(), during: () => void = () => undefined) {
    let ran = 0;
    const out = memo(code).environment(e, () => {
      ran++;
      during();
      const script = path.join(scripts, 'backup.sh');
      noteRead(script, fs.readFileSync(script, 'utf8'));
      return made;
    });
    return { out, ran };
  }

  test('is kept for the same code, environment value and scripts', () => {
    expect(through(env).ran).toBe(1);
    expect(through(env)).toEqual({ out: part(), ran: 0 });
  });

  test.each([
    ['another value of the environment', () => ({ e: { ...env, tag: '1.1' } as EnvironmentConfig, code: 'code' })],
    ['other code', () => ({ e: env, code: 'Code' })],
    [
      'an embedded script edited (same size, time stamp put back)',
      () => {
        sameSizeEdit(path.join(scripts, 'backup.sh'), 'pg_dump', 'pg_dumq');
        return { e: env, code: 'code' };
      },
    ],
  ])('%s renders it again', (_what, change) => {
    through(env);
    const { e, code } = change();
    expect(through(e, code).ran).toBe(1);
  });

  test('a render that read a script with other bytes than hashed is not kept', () => {
    const script = path.join(scripts, 'backup.sh');
    through(env, 'code', part(), () => {
      sameSizeEdit(script, 'pg_dump', 'pg_dumq');
      noteRead(script, fs.readFileSync(script, 'utf8'));
      sameSizeEdit(script, 'pg_dumq', 'pg_dump');
    });
    expect(through(env).ran).toBe(1);
  });

  test('a render JSON would not give back exactly is not kept; an unreadable entry is rendered again', () => {
    const odd = { ...part(), manifests: [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, n: NaN }] };
    through(env, 'code', odd);
    expect(through(env).ran).toBe(1);
    const dir = path.join(cache, 'environments');
    for (const text of ['{', '{"manifests": []}', 'null']) {
      for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), text);
      expect(through(env).ran).toBe(1);
    }
  });
});

describe("each environment file's config", () => {
  const text = 'tag: "1.0"\n';
  /** Parses through a fresh memo, counting the parses that ran. */
  function through(file = 'config/dev.yaml', t = text, code = 'code', fails = false) {
    let ran = 0;
    const parse = (f: string, x: string): EnvironmentConfig => {
      ran++;
      if (fails) throw new ConfigError([`${f}: bad`]);
      return { name: path.basename(f, '.yaml'), text: x } as unknown as EnvironmentConfig;
    };
    const out = memo(code).config(file, t, parse);
    return { out, ran };
  }

  test('is kept for the same code, file name and text', () => {
    expect(through().ran).toBe(1);
    expect(through()).toEqual({ out: { name: 'dev', text }, ran: 0 });
  });

  test.each([
    ['another text', () => through('config/dev.yaml', 'tag: "1.1"\n')],
    ['another file', () => through('config/prod.yaml')],
    ['other code', () => through('config/dev.yaml', text, 'Code')],
  ])('%s is parsed again', (_what, again) => {
    through();
    expect(again().ran).toBe(1);
  });

  test('a file that fails is never kept; an unreadable entry is parsed again', () => {
    expect(() => through('config/dev.yaml', text, 'code', true)).toThrow('config/dev.yaml: bad');
    expect(through().ran).toBe(1);
    const dir = path.join(cache, 'configs');
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), '{');
    expect(through().ran).toBe(1);
  });

  test('the real config folder loads the same through the memo, kept or not', () => {
    const real = renderMemo(CONFIG_DIR, 'code', cache, SCRIPTS_DIR);
    const parse = (file: string, t: string) => real.config(file, t, parseConfig);
    const plain = loadEnvironments(CONFIG_DIR);
    expect(loadEnvironments(CONFIG_DIR, parse)).toEqual(plain);
    expect(loadEnvironments(CONFIG_DIR, parse)).toEqual(plain);
    expect(fs.readdirSync(path.join(cache, 'configs'))).toHaveLength(plain.length);
  });
});
