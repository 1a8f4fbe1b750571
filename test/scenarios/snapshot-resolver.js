/**
 * Jest's snapshot resolver: the snapshots of `test/scenarios/<scenario>.test.ts` live in the
 * top-level `__snapshots__/<scenario>.snap`, one file per scenario, named for what it holds.
 */
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const SNAPSHOTS = path.join(ROOT, '__snapshots__');
const SCENARIOS = __dirname;

module.exports = {
  resolveSnapshotPath: (testPath, extension) =>
    path.join(SNAPSHOTS, path.basename(testPath).replace(/\.test\.ts$/, '') + extension),
  resolveTestPath: (snapshotPath, extension) =>
    path.join(SCENARIOS, path.basename(snapshotPath, extension) + '.test.ts'),
  testPathForConsistencyCheck: path.join(SCENARIOS, 'edge-ingress-nginx.test.ts'),
};
