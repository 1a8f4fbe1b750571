// The cdk8s CLI loads validation plugins with a plain require(); the plugin itself is TypeScript
// (lib/validation/plugin.ts), loaded through scripts/ts-run.js like the app, so it shares the code
// the tests exercise and costs no TypeScript compilation on a warm synth.
module.exports = require('../../scripts/ts-run').load('lib/validation/plugin.ts');
