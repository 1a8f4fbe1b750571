/**
 * Whole environments' charts, built from a fixture or from the committed config changed as data:
 * for tests that look at a chart itself (its health checks, its constructs), not only its objects.
 */
import * as fs from 'fs';
import * as path from 'path';
import { dump, load } from 'js-yaml';
import type { EasyflowChart } from '../lib/easyflow-chart';
import { synthEnvironment } from '../lib/pipeline/synth';
import { parseConfig } from '../lib/pipeline/config';
import { CONFIG_DIR, fixture } from './helpers';

/** The chart of a fixture environment (`test/fixtures/<name>.yaml`), independent of config/. */
export function fixtureChart(name: string): EasyflowChart {
  return synthEnvironment(parseConfig(`config/${name}.yaml`, fixture(`${name}.yaml`)));
}

/** One environment's chart from its committed config, optionally changed as data first. */
export function environmentChart(env: string, change: (config: any) => void = () => undefined): EasyflowChart {
  const config: any = load(fs.readFileSync(path.join(CONFIG_DIR, `${env}.yaml`), 'utf8'));
  change(config);
  return synthEnvironment(parseConfig(`config/${env}.yaml`, dump(config)));
}
