import { EnvironmentNamespace, EnvironmentNamespaceProps } from '../../lib/workloads/namespace';
import { IMAGE_DIGESTS_LABEL, TIER_LABEL } from '../../lib/platform/labels';
import { find } from '../helpers';
import { scratch } from '../charts';

test('enforces, audits and warns on the restricted Pod Security Standard; cluster-scoped', () => {
  const { chart, synth } = scratch();
  new EnvironmentNamespace(chart, 'ns', { name: 'easyflow-x' });
  const ns = find(synth(), 'Namespace', 'easyflow-x');
  expect(ns.metadata.namespace).toBeUndefined();
  for (const mode of ['enforce', 'audit', 'warn']) {
    expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
  }
});

test('a bad name is refused', () => {
  const { chart } = scratch();
  expect(() => new EnvironmentNamespace(chart, 'ns', { name: 'Easy_Flow' })).toThrow(
    'test/ns: name "Easy_Flow" must be a DNS label',
  );
});

test('the tier label the policy reads: non-production unless said', () => {
  const { chart, synth } = scratch();
  new EnvironmentNamespace(chart, 'a', { name: 'a' });
  new EnvironmentNamespace(chart, 'b', { name: 'b', tier: 'production' });
  expect(find(synth(), 'Namespace', 'a').metadata.labels[TIER_LABEL]).toBe('non-production');
  expect(find(synth(), 'Namespace', 'b').metadata.labels[TIER_LABEL]).toBe('production');
  expect(find(synth(), 'Namespace', 'b').metadata.labels[IMAGE_DIGESTS_LABEL]).toBeUndefined();
});

test('digests pending: the Namespace says so, for the policy and the reviewer', () => {
  const { chart, synth } = scratch();
  const props: Required<EnvironmentNamespaceProps> = { name: 'c', tier: 'production', imageDigests: 'pending' };
  new EnvironmentNamespace(chart, 'c', props);
  expect(find(synth(), 'Namespace', 'c').metadata.labels[IMAGE_DIGESTS_LABEL]).toBe('pending');
});
