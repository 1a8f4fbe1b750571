import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, loadEnvironments } from '../../lib/pipeline/config';
import { parseGitopsConfig } from '../../lib/pipeline/gitops-config';
import { CONFIG_DIR } from '../helpers';

describe('config/gitops.yaml', () => {
  const envs = loadEnvironments(CONFIG_DIR);
  const text = fs.readFileSync(path.join(CONFIG_DIR, 'gitops.yaml'), 'utf8');
  const problems = (t: string): string[] => {
    try {
      parseGitopsConfig('config/gitops.yaml', t, envs);
    } catch (e) {
      return [...(e as ConfigError).problems];
    }
    return [];
  };

  test('names exactly the configured environments', () => {
    expect(problems(text.replace(/ {2}prod:\n.*\n/, ''))).toEqual([
      'config/gitops.yaml: environments.prod is missing: config/prod.yaml needs a destination',
    ]);
    expect(problems(`${text}  nowhere:\n    server: https://nowhere.example.com\n`)).toEqual([
      'config/gitops.yaml: environments.nowhere has no config/nowhere.yaml',
    ]);
  });

  test('bad values name the key and the value', () => {
    expect(problems(text.replace(/( {2}prod:\n {4}server: ).*/, '$1prod'))).toEqual([
      'config/gitops.yaml: environments.prod.server is "prod" but must match ^https://[^\\s]+$',
    ]);
    expect(problems(text.replace('interval: 5m', 'intervall: 5m'))).toContainEqual(
      'config/gitops.yaml: flux.intervall is not a known key (did you mean flux.interval?); allowed here: namespace, interval, timeout',
    );
  });
});
