import { EnvironmentNamespace, EnvironmentNamespaceProps } from '../../lib/workloads/namespace';
import { TIER_LABEL } from '../../lib/platform/labels';
import { find, scratch } from '../helpers';

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
  const props: Required<EnvironmentNamespaceProps> = { name: 'b', tier: 'production' };
  new EnvironmentNamespace(chart, 'b', props);
  expect(find(synth(), 'Namespace', 'a').metadata.labels[TIER_LABEL]).toBe('non-production');
  expect(find(synth(), 'Namespace', 'b').metadata.labels[TIER_LABEL]).toBe('production');
});
