/**
 * `npm run set-image -- <env> <tag>`: sets `image.tag` in config/<env>.yaml and re-synthesizes.
 * Only the tag's characters change (comments, order and layout stay), an invalid tag or a config
 * that would no longer validate is refused before anything is written, and a failed synth puts
 * the old file back.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Scalar, isScalar, parseDocument } from 'yaml';
import { isDnsLabel } from '../lib/platform/checks';
import { ConfigError, parseConfig } from '../lib/pipeline/config';
import { tagProblem } from '../lib/platform/image';

/** The config text with `image.tag` replaced by `tag`, everything else byte for byte the same. */
export function withImageTag(file: string, text: string, tag: string): string {
  const problem = tagProblem(tag);
  if (problem) throw new ConfigError([`set-image: "${tag}" cannot be deployed: ${problem}`]);
  const node = parseDocument(text).getIn(['image', 'tag'], true);
  if (!isScalar(node) || !node.range) throw new ConfigError([`${file}: image.tag is missing or not a plain value`]);
  const [start, end] = node.range as [number, number, number];
  const quote = (node as Scalar).type === Scalar.QUOTE_DOUBLE ? '"' : "'";
  const updated = `${text.slice(0, start)}${quote}${tag}${quote}${text.slice(end)}`;
  parseConfig(file, updated);
  return updated;
}

export interface SetImageOptions {
  readonly configDir: string;
  readonly environment: string;
  readonly tag: string;
  /** Re-synthesizes; returns the exit code. */
  readonly synth: () => number;
  readonly log: (line: string) => void;
}

export function setImage(o: SetImageOptions): number {
  const file = path.join(o.configDir, `${o.environment}.yaml`);
  if (!isDnsLabel(o.environment) || !fs.existsSync(file)) {
    o.log(`set-image: no environment "${o.environment}" (expected ${file})`);
    return 1;
  }
  const before = fs.readFileSync(file, 'utf8');
  let after: string;
  try {
    after = withImageTag(file, before, o.tag);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    o.log(e.message);
    return 1;
  }
  fs.writeFileSync(file, after);
  const code = o.synth();
  if (code !== 0) {
    fs.writeFileSync(file, before);
    o.log(`set-image: the synth failed; ${file} was restored`);
    return code;
  }
  o.log(`set-image: ${o.environment} now deploys ${o.tag}; review it with npm run diff, then commit ${file} and dist/`);
  return 0;
}

if (require.main === module) {
  const [environment, tag] = process.argv.slice(2);
  if (environment === undefined || tag === undefined) {
    console.error('usage: npm run set-image -- <env> <tag>');
    process.exitCode = 2;
  } else {
    process.exitCode = setImage({
      configDir: 'config',
      environment,
      tag,
      log: (line) => console.error(line),
      synth: () =>
        spawnSync(path.join('node_modules', '.bin', 'cdk8s'), ['synth'], {
          stdio: 'inherit',
          env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
        }).status ?? 1,
    });
  }
}
