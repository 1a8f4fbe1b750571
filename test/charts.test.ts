/** The scratch charts of the construct tests (charts.ts) leave nothing behind. */
import * as fs from 'fs';
import * as os from 'os';
import type { App } from 'cdk8s';
import { scratch } from './charts';

/** What cdk8s's Testing.app() leaves in the temporary folder: an empty folder per app. */
const leftovers = (): string[] => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('cdk8s.outdir.'));

test('a scratch chart makes no folder (Testing.app() left one per chart, a hundred per npm test)', () => {
  const before = leftovers();
  expect(scratch().synth()).toEqual([]);
  expect(leftovers()).toEqual(before);
});

test("a test that wrote the scratch app's output would fail, never write somewhere", () => {
  expect(() => (scratch().chart.node.root as App).synth()).toThrow(/ENOTDIR/);
});
