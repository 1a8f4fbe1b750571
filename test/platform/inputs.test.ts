import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputsChanged, changedInputs, hashInputs, withInputs } from '../../lib/platform/inputs';

let config: string;
beforeEach(() => {
  config = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-inputs-'));
  fs.writeFileSync(path.join(config, 'prod.yaml'), "image: { tag: '1.0.0' }\n");
  fs.writeFileSync(path.join(config, 'gitops.yaml'), 'repoURL: x\n');
});
afterEach(() => fs.rmSync(config, { recursive: true, force: true }));

test('nothing changed: no change, whatever the modification times', () => {
  const before = hashInputs(config);
  fs.utimesSync(path.join(config, 'prod.yaml'), 0, 0);
  expect(changedInputs(before)).toEqual([]);
});

test.each([
  [
    'an edit, same size',
    (f: string) => fs.writeFileSync(path.join(f, 'prod.yaml'), "image: { tag: '1.0.1' }\n"),
    ['prod.yaml'],
  ],
  ['a new environment', (f: string) => fs.writeFileSync(path.join(f, 'qa.yaml'), ''), ['', 'qa.yaml']],
  ['a removed environment', (f: string) => fs.rmSync(path.join(f, 'prod.yaml')), ['', 'prod.yaml']],
])('%s is named', (_case, edit, changed) => {
  const before = hashInputs(config);
  edit(config);
  expect(changedInputs(before)).toEqual(changed.map((f) => (f === '' ? `${config}/` : path.join(config, f))));
});

test('hidden files (editors, set-image scratch files) are not inputs', () => {
  const before = hashInputs(config);
  fs.writeFileSync(path.join(config, '.prod.yaml.swp'), 'x');
  expect(changedInputs(before)).toEqual([]);
});

test('a render during which the config changed is refused: what it read cannot be known', () => {
  expect(withInputs(config, () => 7)).toEqual({ result: 7, inputs: hashInputs(config) });
  const render = (): void => fs.appendFileSync(path.join(config, 'prod.yaml'), '# edited meanwhile\n');
  expect(() => withInputs(config, render)).toThrow(new InputsChanged([path.join(config, 'prod.yaml')]));
  expect(() => withInputs(config, render)).toThrow(`${config}/prod.yaml changed while this synth ran`);
});
