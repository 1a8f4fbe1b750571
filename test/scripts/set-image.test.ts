import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recoverInterrupted, withRelease, writeJournal } from '../../lib/pipeline/release';
import { INTERRUPTED, setImage, withImageTag } from '../../scripts/set-image';
import { parseConfig } from '../../lib/pipeline/config';
import { fixture } from '../helpers';

const PROD = fixture('prod.yaml');

test('only the tag changes: comments, order and layout stay byte for byte', () => {
  const updated = withImageTag('config/prod.yaml', PROD, '1.4.2');
  expect(updated).toBe(PROD.replace("tag: '1.0.0'", "tag: '1.4.2'"));
});

test.each([
  ['latest', 'set-image: "latest" cannot be deployed: "latest" is not a release: pin a version tag'],
  ['', 'set-image: "" cannot be deployed: the tag is empty'],
  [
    'v1 2',
    'set-image: "v1 2" cannot be deployed: a tag is 1-128 letters, digits, "_", "." or "-" and does not start with "." or "-"',
  ],
])('refuses %j', (tag, message) => {
  expect(() => withImageTag('config/prod.yaml', PROD, tag)).toThrow(message);
});

describe('a release by digest: <tag>@sha256:<digest>', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const other = `sha256:${'f'.repeat(64)}`;
  const withDigest = PROD.replace("tag: '1.0.0'\n", `tag: '1.0.0'\n  digest: '${other}'\n`);

  test('adds image.digest under the tag, everything else byte for byte the same', () => {
    expect(withImageTag('config/prod.yaml', PROD, `1.4.2@${digest}`)).toBe(
      PROD.replace("tag: '1.0.0'\n", `tag: '1.4.2'\n  digest: '${digest}'\n`),
    );
  });

  test('replaces a digest already there', () => {
    expect(withImageTag('config/prod.yaml', withDigest, `1.4.2@${digest}`)).toBe(
      PROD.replace("tag: '1.0.0'\n", `tag: '1.4.2'\n  digest: '${digest}'\n`),
    );
  });

  test('a tag alone removes the old digest, which would pull the previous build under the new tag', () => {
    expect(withImageTag('config/prod.yaml', withDigest, '1.4.2')).toBe(PROD.replace("tag: '1.0.0'", "tag: '1.4.2'"));
  });

  test('is what parses back', () => {
    const image = parseConfig('config/prod.yaml', withImageTag('config/prod.yaml', PROD, `2.0.0@${digest}`)).image;
    expect(image).toMatchObject({ tag: '2.0.0', digest });
  });

  test.each([
    [
      '1.4.2@sha256:abc',
      'set-image: "1.4.2@sha256:abc" cannot be deployed: a digest is sha256: followed by 64 lower-case hex digits',
    ],
    [
      `latest@${digest}`,
      `set-image: "latest@${digest}" cannot be deployed: "latest" is not a release: pin a version tag`,
    ],
  ])('refuses %j', (release, message) => {
    expect(() => withImageTag('config/prod.yaml', PROD, release)).toThrow(message);
  });

  test('a production environment refuses a tag without its digest before anything is written', () => {
    const production = `${withDigest.replace('network:\n', "network:\n  apiServerCIDR: ['10.0.0.0/28']\n")}tier: production\n`;
    expect(() => withImageTag('config/prod.yaml', production, '1.4.2')).toThrow(
      'config/prod.yaml: image.digest is required for tier: production',
    );
    expect(withImageTag('config/prod.yaml', production, `1.4.2@${digest}`)).toContain(`digest: '${digest}'`);
  });
});

describe('setImage', () => {
  let dir: string;
  let lines: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-set-image-'));
    fs.writeFileSync(path.join(dir, 'prod.yaml'), PROD);
    lines = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (tag: string, synth = async () => 0, environment = 'prod', published = () => false) =>
    setImage({
      configDir: dir,
      dist: path.join(dir, 'dist'),
      environment,
      tag,
      synth,
      published,
      log: (l) => lines.push(l),
    });
  const config = (): string => fs.readFileSync(path.join(dir, 'prod.yaml'), 'utf8');
  const tick = () => new Promise((r) => setTimeout(r, 50));

  test('a synth killed between its two renames: dist/ is put back before the release is judged', async () => {
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'kept.yaml'), 'old tree\n');
    const killedMidPublish = async () => {
      fs.renameSync(dist, path.join(dir, '.dist.previous'));
      return 1;
    };
    expect(await run('2.0.0', killedMidPublish)).toBe(1);
    expect(fs.readFileSync(path.join(dist, 'kept.yaml'), 'utf8')).toBe('old tree\n');
    expect(fs.existsSync(path.join(dir, '.dist.previous'))).toBe(false);
    expect(config()).toBe(PROD);
    expect(lines.join('\n')).toContain('was restored');
  });

  test('writes the tag and re-synthesizes', async () => {
    let synths = 0;
    expect(await run('2.0.0', async () => ++synths && 0)).toBe(0);
    expect(synths).toBe(1);
    expect(config()).toContain("tag: '2.0.0'");
  });

  test('an invalid tag is refused before anything is written or synthesized', async () => {
    expect(
      await run('latest', () => {
        throw new Error('must not synth');
      }),
    ).toBe(1);
    expect(config()).toBe(PROD);
    expect(lines.join('\n')).toContain('"latest" is not a release');
  });

  test('the release is written down before the config changes and forgotten once config and dist/ agree', async () => {
    const journal = path.join(dir, '.set-image.json');
    let during: unknown;
    expect(
      await run('2.0.0', async () => {
        during = JSON.parse(fs.readFileSync(journal, 'utf8'));
        return 0;
      }),
    ).toBe(0);
    expect(during).toEqual({
      environment: 'prod',
      tag: '2.0.0',
      file: path.join(dir, 'prod.yaml'),
      before: PROD,
      after: PROD.replace("tag: '1.0.0'", "tag: '2.0.0'"),
    });
    expect(fs.existsSync(journal)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['prod.yaml']);
  });

  test('a failed synth puts the old file back', async () => {
    expect(await run('2.0.0', async () => 2)).toBe(2);
    expect(config()).toBe(PROD);
    expect(lines.join('\n')).toContain('was restored');
  });

  test('a synth that failed after publishing (killed late) keeps the new tag: config and dist/ agree', async () => {
    expect(
      await run(
        '2.0.0',
        async () => 1,
        'prod',
        () => true,
      ),
    ).toBe(0);
    expect(config()).toContain("tag: '2.0.0'");
  });

  test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s during a synth that completes is deferred: the new tag stays with dist/, exit code 130',
    async (signal) => {
      const synth = async (): Promise<number> => {
        process.emit(signal, signal);
        await tick();
        return 0;
      };
      expect(await run('2.0.0', synth)).toBe(INTERRUPTED);
      expect(config()).toContain("tag: '2.0.0'");
      expect(lines[0]).toBe('set-image: interrupted; finishing so that config/ and dist/ agree');
    },
  );

  test('an interrupt that ended the synth before its publish restores the old tag, exit code 130', async () => {
    const synth = async (): Promise<number> => {
      process.emit('SIGINT', 'SIGINT');
      await tick();
      return 1;
    };
    expect(await run('2.0.0', synth)).toBe(INTERRUPTED);
    expect(config()).toBe(PROD);
    expect(lines).toEqual([
      'set-image: interrupted; finishing so that config/ and dist/ agree',
      `set-image: the synth failed; ${dir}/prod.yaml was restored`,
    ]);
  });

  test('an interrupt that ended the synth after its publish keeps the new tag, exit code 130', async () => {
    const synth = async (): Promise<number> => {
      process.emit('SIGINT', 'SIGINT');
      await tick();
      return 1;
    };
    expect(await run('2.0.0', synth, 'prod', () => true)).toBe(INTERRUPTED);
    expect(config()).toContain("tag: '2.0.0'");
  });

  test('an unknown environment is refused', async () => {
    expect(await run('2.0.0', async () => 0, 'qa')).toBe(1);
    expect(lines).toEqual([`set-image: no environment "qa" (expected ${dir}/qa.yaml)`]);
  });
});

describe('a release killed with SIGKILL is found by the next set-image, synth or check:dist', () => {
  let dir: string;
  let lines: string[];
  const file = (): string => path.join(dir, 'prod.yaml');
  const AFTER = PROD.replace("tag: '1.0.0'", "tag: '2.0.0'");
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-release-'));
    lines = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** The state a set-image killed at some instant left: its journal and the config as it was then. */
  const killed = (config: string): void => {
    fs.writeFileSync(file(), config);
    writeJournal(dir, { environment: 'prod', tag: '2.0.0', file: file(), before: PROD, after: AFTER });
  };
  const recover = (published: boolean) =>
    recoverInterrupted({
      configDir: dir,
      dist: path.join(dir, 'dist'),
      published: () => published,
      log: (l) => lines.push(l),
    });

  test.each([
    [
      'after its publish: the release is complete',
      AFTER,
      true,
      AFTER,
      `set-image: found an interrupted release of prod 2.0.0: <file> and dist/ already agree, so it is complete`,
    ],
    [
      'before its publish: the old config is put back',
      AFTER,
      false,
      PROD,
      `set-image: found an interrupted release of prod 2.0.0: dist/ does not hold it, so <file> was put back as it was; run npm run set-image -- prod 2.0.0 again`,
    ],
    [
      'before it wrote the config: nothing to undo',
      PROD,
      false,
      PROD,
      `set-image: found an interrupted release of prod 2.0.0: it was stopped before it changed <file>; nothing to undo`,
    ],
    [
      'and the config was edited since: it stays as edited',
      `${AFTER}# edited\n`,
      false,
      `${AFTER}# edited\n`,
      `set-image: found an interrupted release of prod 2.0.0: <file> was changed since, so it was left as it is`,
    ],
  ])('killed %s', async (_case, config, published, expected, message) => {
    killed(config);
    await recover(published);
    expect(fs.readFileSync(file(), 'utf8')).toBe(expected);
    expect(lines).toEqual([message.replace('<file>', file())]);
    expect(fs.readdirSync(dir)).toEqual(['prod.yaml']);
  });

  test('the next set-image finishes it first, then makes its own release', async () => {
    killed(AFTER);
    const code = await setImage({
      configDir: dir,
      dist: path.join(dir, 'dist'),
      environment: 'prod',
      tag: '3.0.0',
      synth: async () => 0,
      published: () => false,
      log: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(lines[0]).toContain('set-image: found an interrupted release of prod 2.0.0: dist/ does not hold it');
    expect(fs.readFileSync(file(), 'utf8')).toBe(PROD.replace("tag: '1.0.0'", "tag: '3.0.0'"));
  });

  test('a release whose set-image is still running is left alone', async () => {
    killed(AFTER);
    await withRelease(dir, () => recover(false));
    expect(lines).toEqual([]);
    expect(fs.existsSync(path.join(dir, '.set-image.json'))).toBe(true);
  });
});
