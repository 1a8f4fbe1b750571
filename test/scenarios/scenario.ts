/**
 * The paths of the code no committed environment takes, each a scenario: the minimal fixture
 * changed as data, rendered once, and every object snapshotted as YAML keyed `Kind/name` in
 * `__snapshots__/<scenario>.snap` (test/scenarios/snapshot-resolver.js). A code change shows its
 * effect on these paths in the pull request; `npx jest -u test/scenarios` rewrites them.
 */
import { Yaml } from 'cdk8s';
import { dump, load } from 'js-yaml';
import type { Manifest } from '../../lib/validation/schema';
import { fixture } from '../helpers';
import { environmentCached } from '../render-cache';

/** The objects of test/fixtures/minimal.yaml after `change`, which must change something. */
export function renderScenario(change: (config: any) => void): Manifest[] {
  const base = fixture('minimal.yaml');
  const config: any = load(base);
  change(config);
  const text = dump(config);
  if (text === dump(load(base))) throw new Error('the scenario changes nothing in test/fixtures/minimal.yaml');
  return environmentCached('config/scenario.yaml', text);
}

/** One snapshot test per object of the scenario, named `Kind/name`. */
export function snapshotScenario(change: (config: any) => void): void {
  const objects = renderScenario(change).map((m): [string, string] => [
    `${m.kind}/${m.metadata.name}`,
    Yaml.stringify(m),
  ]);
  test.each(objects)('%s', (_, yaml) => {
    expect(yaml).toMatchSnapshot();
  });
}
