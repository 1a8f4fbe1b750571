import * as fs from 'fs';
import * as path from 'path';
import { configDocs } from '../../scripts/config-docs';
import { ROOT } from '../helpers';

test('config/README.md documents every key and is up to date (npm run docs:config)', () => {
  const docs = configDocs();
  expect(fs.readFileSync(path.join(ROOT, 'config', 'README.md'), 'utf8')).toBe(docs);
  const undocumented = docs
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .filter((l) => l.split('|')[4]!.trim() === '');
  expect(undocumented).toEqual([]);
});
