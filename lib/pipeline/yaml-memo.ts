/**
 * The YAML text of objects an earlier render wrote. cdk8s's Yaml.stringify is a function of the
 * object alone and of the code of cdk8s and `yaml`, and a one-value or one-construct edit changes
 * a few of a synth's two hundred objects, while stringifying them all costs about 0.12 s. The
 * texts are kept in one table per Node.js version and package.json of cdk8s and each of its
 * dependencies (`yaml` among them), by the sha256 of an injective text of each object (identity):
 * a text is reused only for an object that is the same value, down to every string, number and
 * undefined. The table holds the objects of the last render only.
 */
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { CACHE_DIR, byIdentity, packageTexts } from '../platform/cache';

export interface YamlMemo {
  /** Yaml.stringify(doc), or the text an earlier render got for the same value. */
  stringify(doc: unknown): string;
  /** Keeps the texts of every object stringified through this memo, for the next render. */
  keep(): void;
}

/** The memo under `cacheDir`. */
export function yamlMemo(cacheDir: string = path.join(CACHE_DIR, 'yaml')): YamlMemo {
  const table = packageTexts(cacheDir, 'cdk8s');
  return {
    stringify: (doc) => byIdentity(table, [], doc, (d) => Yaml.stringify(d)),
    keep: () => table.keep(),
  };
}
