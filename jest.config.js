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
};
