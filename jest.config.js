/** Unit, snapshot, schema and policy tests: no services needed. */
module.exports = {
  testEnvironment: 'node',
  // __snapshots__/ is a root so that Jest sees a snapshot file whose scenario is gone (obsolete).
  roots: ['<rootDir>/test', '<rootDir>/__snapshots__'],
  snapshotResolver: '<rootDir>/test/scenarios/snapshot-resolver.js',
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/integration/'],
  // Hashes the code once per run, before the workers start, and hands them the keys (test/global-setup.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  maxWorkers: 2,
  // Jest's transform and haste-map cache, per checkout: under /tmp it grew by a full set for every
  // scratch copy a test or bench made (2.4 GB on this machine), and a fresh path is cold either way.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
