/** Each dist/ folder is what Argo CD and Flux build: `kubectl kustomize` must accept it as is. */
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { ROOT, rendered } from './helpers';

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) {
  console.warn('kubectl is not installed: the kustomize build test is skipped (.ci/run installs it)');
}

(kubectl ? test.each : test.skip.each)([...rendered().folders.keys()])(
  'kubectl kustomize dist/%s builds exactly its objects',
  (folder) => {
    const out = execFileSync('kubectl', ['kustomize', path.join(ROOT, 'dist', folder)], { encoding: 'utf8' });
    const built = (loadAll(out) as Array<{ kind: string; metadata: { name: string } }>)
      .map((m) => `${m.kind}/${m.metadata.name}`)
      .sort();
    expect(built).toEqual(
      rendered()
        .folders.get(folder)!
        .map((m) => `${m.kind}/${m.metadata.name}`)
        .sort(),
    );
  },
);
