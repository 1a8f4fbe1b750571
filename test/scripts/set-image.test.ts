import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setImage, withImageTag } from '../../scripts/set-image';
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

describe('setImage', () => {
  let dir: string;
  let lines: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-set-image-'));
    fs.writeFileSync(path.join(dir, 'prod.yaml'), PROD);
    lines = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (tag: string, synth = () => 0, environment = 'prod') =>
    setImage({ configDir: dir, environment, tag, synth, log: (l) => lines.push(l) });

  test('writes the tag and re-synthesizes', () => {
    let synths = 0;
    expect(run('2.0.0', () => ++synths && 0)).toBe(0);
    expect(synths).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'prod.yaml'), 'utf8')).toContain("tag: '2.0.0'");
  });

  test('an invalid tag is refused before anything is written or synthesized', () => {
    expect(
      run('latest', () => {
        throw new Error('must not synth');
      }),
    ).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'prod.yaml'), 'utf8')).toBe(PROD);
    expect(lines.join('\n')).toContain('"latest" is not a release');
  });

  test('a failed synth puts the old file back', () => {
    expect(run('2.0.0', () => 2)).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'prod.yaml'), 'utf8')).toBe(PROD);
    expect(lines.join('\n')).toContain('was restored');
  });

  test('an unknown environment is refused', () => {
    expect(run('2.0.0', () => 0, 'qa')).toBe(1);
    expect(lines).toEqual([`set-image: no environment "qa" (expected ${dir}/qa.yaml)`]);
  });
});
