/**
 * The app's part of a synth once the config is rendered: writing the CLI's output folder and the
 * handoff to its validation plugin, and the messages. It loads no chart code, so a synth whose
 * render is kept (render-memo.ts) never loads cdk8s.
 */
import * as path from 'path';
import { ConfigError } from './config-error';
import { InputsChanged } from '../platform/inputs';
import { writeHandoff } from '../platform/handoff';
import { KUSTOMIZATION, isFsError, writeInto, writeTree } from '../platform/tree';
import type { Rendered } from './synth';

export interface RunOptions {
  /** Folder of `<env>.yaml` files and gitops.yaml. */
  readonly configDir: string;
  /** Where the CLI reads the manifests from (CDK8S_OUTDIR). */
  readonly outdir: string;
  /** Where messages go. */
  readonly log: (line: string) => void;
  /**
   * Run by `cdk8s synth`: write every object into one file in `outdir` (ALL_OBJECTS, the one path
   * the CLI lists and, with `--stdout`, prints) and hand the dist/ tree to the CLI's validation
   * plugin (platform/handoff.ts). Otherwise `outdir` gets the dist/ tree.
   * @default false
   */
  readonly cli?: boolean;
  /**
   * dist/ was just restored from a publish a killed synth left half-done: the messages say so
   * instead of "dist/ was not changed".
   * @default false
   */
  readonly restored?: boolean;
  /** Renders the config folder (synth.ts's renderProject, or a render kept from an earlier synth). */
  readonly render: (configDir: string) => Rendered;
  /**
   * Told what was written into `outdir` for the CLI, once it is (so that it can be written again).
   * @default nothing is told
   */
  readonly wrote?: (written: ReadonlyMap<string, string>) => void;
}

/** The file a synth run by the CLI writes into the CLI's output folder: every object, in folder order. */
export const ALL_OBJECTS = 'all.k8s.yaml';

/** Every object file of `files` (no kustomization.yaml or SUMMARY.md), as one multi-document YAML. */
export function allObjects(files: ReadonlyMap<string, string>): string {
  return [...files]
    .filter(([f]) => f.endsWith('.yaml') && path.posix.basename(f) !== KUSTOMIZATION)
    .map(([, text]) => text)
    .join('---\n');
}

/** The app's part of a synth with `o.render`: returns the exit code. Bad config writes nothing. */
export function runWith(o: RunOptions): number {
  let rendered: Rendered;
  const dist = o.restored ? 'dist/ was repaired (see above), nothing else changed' : 'dist/ was not changed';
  try {
    rendered = o.render(o.configDir);
  } catch (e) {
    if (e instanceof ConfigError) {
      o.log(`synth failed: invalid configuration; ${dist}\n${e.message}`);
      return 1;
    }
    if (e instanceof InputsChanged) {
      o.log(`synth failed: ${e.message}; ${dist}; run it again`);
      return 1;
    }
    throw e;
  }
  try {
    if (o.cli) {
      const written = new Map([[ALL_OBJECTS, allObjects(rendered.files)]]);
      // The CLI emptied its output folder; another synth's app may be writing there too.
      writeInto(o.outdir, written);
      writeHandoff(o.outdir, written, rendered.files, { inputs: rendered.inputs, restored: o.restored ?? false });
      o.wrote?.(written);
    } else {
      writeTree(o.outdir, rendered.files);
    }
  } catch (e) {
    // A full disk, a folder that cannot be written: the message, never a stack trace.
    if (!isFsError(e)) throw e;
    o.log(`synth failed: cannot write the output (${e.message}); ${dist}`);
    return 1;
  }
  if (!o.cli) {
    const counts = [...rendered.folders].map(([folder, m]) => `${folder} (${m.length})`);
    o.log(`synthesized ${counts.join(', ')} into ${o.outdir}/`);
  }
  return 0;
}
