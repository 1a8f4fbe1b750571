// The cdk8s CLI loads validation plugins with a plain require() and then constructs the class named
// in cdk8s.yaml. The plugin itself is TypeScript (lib/validation/plugin.ts), loaded through
// scripts/ts-run.js like the app, so it shares the code the tests exercise. Each instance the CLI
// makes keeps the CLI's console output short (see quietCli) and learns the CLI's reports file.
const { EasyflowValidation } = require('../../scripts/ts-run').load('lib/validation/plugin.ts');

/** The value of the CLI's --validation-reports-output-file (flag or CDK8S_ variable), if given. */
function reportsFile(argv) {
  const flag = '--validation-reports-output-file';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return process.env.CDK8S_VALIDATION_REPORTS_OUTPUT_FILE;
}

class CliEasyflowValidation extends EasyflowValidation {
  constructor(props) {
    super({ ...props, reportsFile: reportsFile(process.argv) });
    this.quietCli();
  }
}

module.exports = { EasyflowValidation: CliEasyflowValidation };
