import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runWith } from '../../lib/pipeline/run';
import { CONFIG_DIR, renderConfig as render } from '../helpers';

/** Makes writes under a path containing `mockFull.under` fail as on a full disk. */
const mockFull: { under?: string } = {};
jest.mock('fs', () => {
  const actual = jest.requireActual('fs');
  return {
    ...actual,
    writeFileSync: (file: string, ...rest: unknown[]) => {
      if (mockFull.under && String(file).includes(mockFull.under)) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', syscall: 'write' });
      }
      return actual.writeFileSync(file, ...rest);
    },
  };
});

test('a full disk while the app writes its output is a message, never a stack trace', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-synth-full-'));
  const lines: string[] = [];
  try {
    mockFull.under = tmp;
    // What runSynth runs, with the committed config's render the kept one: the writing is what fails here.
    expect(runWith({ configDir: CONFIG_DIR, outdir: path.join(tmp, 'out'), log: (l) => lines.push(l), render })).toBe(
      1,
    );
  } finally {
    delete mockFull.under;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  expect(lines).toEqual([
    'synth failed: cannot write the output (ENOSPC: no space left on device, write); dist/ was not changed',
  ]);
});
