// The cdk8s CLI loads validation plugins with a plain require(); the plugin itself is TypeScript
// (lib/validation/plugin.ts), loaded through tsx so it shares the code the tests exercise.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('../../lib/validation/plugin.ts', __filename);
