/**
 * The CRDs' CEL rules (x-kubernetes-validations): objects the API server would reject fail the
 * synth with the rule's own message, the object and the field; what cannot be evaluated says so.
 */
import { CelValidator, escapeProperty } from '../../lib/validation/cel';
import { formatViolations, validateFolders } from '../../lib/validation/validate';
import { Manifest, SchemaValidator } from '../../lib/validation/schema';
import { ENVIRONMENTS, find, manifestsOf } from '../helpers';

const validator = new SchemaValidator();
const prod = manifestsOf('prod');
const edit = (kind: string, name: string, change: (m: any) => void): Manifest => {
  const m = structuredClone(find(prod, kind, name));
  change(m);
  return m;
};
const celOf = (m: Manifest) => validator.validate([m]).filter((v) => v.rule.startsWith('CEL'));

test.each(ENVIRONMENTS)('%s: every object passes the CRDs CEL rules', (env) => {
  expect(validator.validate(manifestsOf(env)).filter((v) => v.rule.startsWith('CEL'))).toEqual([]);
});

test('ClientTrafficPolicy: ciphers with TLS 1.3 only is rejected with the rule message', () => {
  const bad = edit('ClientTrafficPolicy', 'easyflow-https', (m) => (m.spec.tls.minVersion = '1.3'));
  expect(celOf(bad)).toEqual([
    {
      object: 'ClientTrafficPolicy/easyflow-https',
      field: 'spec.tls',
      rule: "CEL gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy: has(self.minVersion) && self.minVersion == '1.3' ? !has(self.ciphers) : true",
      message: 'setting ciphers has no effect if the minimum possible TLS version is 1.3',
    },
  ]);
});

test('ClientTrafficPolicy: a map-literal rule (minVersion <= maxVersion)', () => {
  const bad = edit('ClientTrafficPolicy', 'easyflow-https', (m) => {
    m.spec.tls = { minVersion: '1.3', maxVersion: '1.2' };
  });
  expect(celOf(bad).map((v) => v.message)).toEqual(['minVersion must be smaller or equal to maxVersion']);
});

test('Gateway: TLS on an HTTP listener', () => {
  const bad = edit('Gateway', 'easyflow-gateway', (m) => (m.spec.listeners[0].tls = m.spec.listeners[1].tls));
  expect(celOf(bad).map((v) => [v.field, v.message])).toEqual([
    ['spec.listeners', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"],
  ]);
});

test('HTTPRoute: two parentRefs to one Gateway need distinct sectionNames; `namespace` is read as __namespace__', () => {
  const twice = edit('HTTPRoute', 'easyflow-api', (m) => {
    m.spec.parentRefs = [{ name: 'easyflow-gateway' }, { name: 'easyflow-gateway' }];
  });
  expect(celOf(twice).map((v) => [v.field, v.message])).toEqual([
    ['spec.parentRefs', 'sectionName must be unique when parentRefs includes 2 or more references to the same parent'],
  ]);
  // Different namespaces are different parents: only right if the rule sees `namespace`.
  const apart = edit('HTTPRoute', 'easyflow-api', (m) => {
    m.spec.parentRefs = [
      { name: 'easyflow-gateway', namespace: 'a' },
      { name: 'easyflow-gateway', namespace: 'b' },
    ];
  });
  expect(celOf(apart)).toEqual([]);
});

test('HTTPRoute: a rule on a defaulted field (filter type) sees the default the API server applies', () => {
  const bad = edit('HTTPRoute', 'easyflow-https-redirect', (m) => {
    m.spec.rules[0].filters[0].requestRedirect.path = { replaceFullPath: '/x', type: 'ReplacePrefixMatch' };
  });
  expect(celOf(bad).map((v) => v.message)).toContain("type must be 'ReplaceFullPath' when replaceFullPath is set");
});

test('a violation fails the synth with one line naming the folder, object, field, message and rule', () => {
  const bad = edit('ClientTrafficPolicy', 'easyflow-https', (m) => (m.spec.tls.minVersion = '1.3'));
  // With the Gateway it targets: the policy checks an edge policy's references.
  const gateway = find(prod, 'Gateway', 'easyflow-gateway');
  const report = formatViolations(validateFolders(new Map([['prod', [gateway, bad]]]), validator));
  expect(report).toBe(
    'prod: ClientTrafficPolicy/easyflow-https: spec.tls: setting ciphers has no effect if the minimum possible TLS version is 1.3 ' +
      "[CEL gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy: has(self.minVersion) && self.minVersion == '1.3' ? !has(self.ciphers) : true]",
  );
});

describe('the evaluator itself', () => {
  const schema = (rules: object[], properties: object = {}) =>
    new Map([
      [
        'example.com/v1/Thing',
        {
          type: 'object',
          properties: {
            spec: { type: 'object', properties, 'x-kubernetes-validations': rules },
          },
        },
      ],
    ]);
  const thing = (spec: object): Manifest => ({
    apiVersion: 'example.com/v1',
    kind: 'Thing',
    metadata: { name: 't' },
    spec,
  });

  test('a function it lacks is reported by name, never passed', () => {
    const v = new CelValidator(
      schema([{ rule: 'isURL(self.url)', message: 'must be a URL' }], { url: { type: 'string' } }),
    );
    expect(v.validate(thing({ url: 'https://example.com' }))).toEqual([
      {
        object: 'Thing/t',
        field: 'spec',
        rule: 'CEL (unevaluated) example.com/v1/Thing: isURL(self.url)',
        message: 'cannot evaluate this rule: unbound function: isURL',
      },
    ]);
  });

  test('a runtime error (no such key) rejects the object, as the API server does', () => {
    const v = new CelValidator(schema([{ rule: 'self.a == 1', message: 'a must be 1' }], { a: { type: 'integer' } }));
    expect(v.validate(thing({})).map((x) => x.message)).toEqual(['a must be 1 (evaluation error: field not found: a)']);
    expect(v.validate(thing({ a: 1 }))).toEqual([]);
  });

  test('messageExpression and fieldPath', () => {
    const v = new CelValidator(
      schema(
        [
          {
            rule: 'self.replicas <= 3',
            messageExpression: "'replicas ' + string(self.replicas) + ' > 3'",
            fieldPath: '.replicas',
          },
        ],
        { replicas: { type: 'integer' } },
      ),
    );
    expect(v.validate(thing({ replicas: 5 }))).toMatchObject([{ field: 'spec.replicas', message: 'replicas 5 > 3' }]);
  });

  test('transition rules (oldSelf) are not evaluated, and each is listed by name', () => {
    expect(validator.transitionRules()).toEqual([
      { gvk: 'postgresql.cnpg.io/v1/Cluster', at: 'spec.serviceAccountName', rule: 'self == oldSelf' },
      { gvk: 'postgresql.cnpg.io/v1/ScheduledBackup', at: 'spec.cluster', rule: 'self == oldSelf' },
    ]);
  });

  test('Kubernetes property-name escaping', () => {
    expect(['namespace', 'a.b', 'x-y', 'p/q', 'a__b', 'plain'].map(escapeProperty)).toEqual([
      '__namespace__',
      'a__dot__b',
      'x__dash__y',
      'p__slash__q',
      'a__underscores__b',
      'plain',
    ]);
  });
});
