/** Kept apart from config.ts (which loads Ajv and YAML) so that a synth can name it without loading them. */

/** A config file that cannot be used; `problems` lists every reason, each a full sentence. */
export class ConfigError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = [...problems];
  }
}
