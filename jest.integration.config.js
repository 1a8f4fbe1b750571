/** Integration tests against real PostgreSQL and promtool (started and installed by .ci/run). */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['**/integration/**/*.test.ts'],
  testPathIgnorePatterns: [],
  testTimeout: 120000,
  testSequencer: '<rootDir>/test/integration/sequencer.js',
};
