import { Endpoint, Policies, allows, inCIDR, policyTypes, selectorMatches } from '../../lib/validation/network';

const pod = (namespace: string, labels: Record<string, string>, ip = '10.0.0.9', namedPorts = {}): Endpoint => ({
  namespace,
  labels,
  ip,
  namedPorts,
});
const api = pod('a', { app: 'api' }, '10.0.0.1', { http: { port: 8000 } });
const db = pod('a', { app: 'db' }, '10.0.0.2');
const monitor = pod('mon', { app: 'prom' }, '10.0.1.1');
const np = (name: string, spec: object, namespace = 'a') => ({ metadata: { name, namespace }, spec });
const denyAll = np('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

test('label selectors: matchLabels and matchExpressions are ANDed, the empty selector matches all', () => {
  expect(selectorMatches({}, { app: 'x' })).toBe(true);
  expect(selectorMatches(undefined, { app: 'x' })).toBe(false);
  const sel = { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] };
  expect(selectorMatches(sel, { app: 'x' })).toBe(true);
  expect(selectorMatches(sel, { app: 'x', tier: 'db' })).toBe(false);
  expect(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'Exists' }] }, { k: '' })).toBe(true);
  expect(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }, { k: '' })).toBe(false);
  expect(() => selectorMatches({ matchExpressions: [{ key: 'k', operator: 'Gt' }] }, {})).toThrow(
    'unknown label selector operator "Gt"',
  );
});

test('CIDRs per address family, with IPv4-mapped IPv6 kept apart', () => {
  expect(inCIDR('10.1.2.3', '10.0.0.0/8')).toBe(true);
  expect(inCIDR('11.1.2.3', '10.0.0.0/8')).toBe(false);
  expect(inCIDR('fd00::1', '0.0.0.0/0')).toBe(false);
  expect(inCIDR('fd00::1', 'fc00::/7')).toBe(true);
  expect(inCIDR('::ffff:10.0.0.1', '::ffff:0:0/96')).toBe(true);
  expect(() => inCIDR('10.0.0.1', '10.0.0.0')).toThrow('"10.0.0.0" is not a CIDR');
});

test('inCIDR remembers answers per address and range, never across them', () => {
  for (let i = 0; i < 2; i++) {
    expect(inCIDR('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCIDR('10.1.2.3', '10.1.2.0/31')).toBe(false);
    expect(inCIDR('10.1.2.2', '10.1.2.0/31')).toBe(false);
    expect(inCIDR('10.1.2.1', '10.1.2.0/31')).toBe(true);
    expect(() => inCIDR('10.0.0.1', '10.0.0.0/x')).toThrow('"10.0.0.0/x" is not a CIDR');
    expect(() => inCIDR('10.0.0.1', '10.0.0.0/33')).toThrow('"10.0.0.0/33" is not a CIDR');
    expect(() => inCIDR('10.0.0.1', '10.0.0.0/8/9')).toThrow('"10.0.0.0/8/9" is not a CIDR');
    expect(inCIDR('fd00::1', 'fd00::/128')).toBe(false);
  }
});

test('one Policies set answers each endpoint by the policies that select it, asked in any order', () => {
  const onlyApi = np('api-ingress', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] });
  const set = new Policies([onlyApi]);
  const flows = [
    { from: db, to: api, port: 8000 },
    { from: api, to: db, port: 5432 },
    { from: monitor, to: db, port: 5432 },
    { from: db, to: api, port: 8000 },
  ];
  expect(flows.map((f) => set.allows(f))).toEqual([false, true, true, false]);
  expect(flows.map((f) => set.allows(f))).toEqual(flows.map((f) => allows([onlyApi], f)));
  // A peer's match is kept per rule entry and endpoint; the port is asked each time.
  const fromMonitor = np('from-monitor', {
    podSelector: { matchLabels: { app: 'api' } },
    ingress: [
      { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'prom' } } }], ports: [{ port: 9000 }] },
    ],
  });
  const ports = new Policies([fromMonitor]);
  expect([9000, 8000, 9000].map((port) => ports.allows({ from: monitor, to: api, port }))).toEqual([true, false, true]);
  expect(ports.allows({ from: db, to: api, port: 9000 })).toBe(false);
});

test('policyTypes default to Ingress, plus Egress when egress rules exist', () => {
  expect(policyTypes({ spec: {} })).toEqual(['Ingress']);
  expect(policyTypes({ spec: { egress: [] } })).toEqual(['Ingress', 'Egress']);
  expect(policyTypes({ spec: { policyTypes: ['Egress'] } })).toEqual(['Egress']);
});

test('no policy: everything flows; default deny: nothing does, on either side', () => {
  expect(allows([], { from: api, to: db, port: 5432 })).toBe(true);
  expect(allows([denyAll], { from: api, to: db, port: 5432 })).toBe(false);
  // Only the destination's namespace denies: the egress side is unrestricted, the ingress side is not.
  expect(allows([denyAll], { from: monitor, to: api, port: 8000 })).toBe(false);
  // An ingress-only policy in a namespace does not restrict egress.
  const ingressOnly = np('in', { podSelector: {}, policyTypes: ['Ingress'] });
  expect(allows([ingressOnly], { from: api, to: monitor, port: 9090 })).toBe(true);
});

test('a peer with namespaceSelector and podSelector is an AND; two peers are an OR', () => {
  const and = np('and', {
    podSelector: { matchLabels: { app: 'api' } },
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mon' } },
            podSelector: { matchLabels: { app: 'prom' } },
          },
        ],
      },
    ],
  });
  expect(allows([and], { from: monitor, to: api, port: 8000 })).toBe(true);
  expect(allows([and], { from: pod('mon', { app: 'other' }), to: api, port: 8000 })).toBe(false);
  expect(allows([and], { from: pod('b', { app: 'prom' }), to: api, port: 8000 })).toBe(false);
  const or = np('or', {
    podSelector: { matchLabels: { app: 'api' } },
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mon' } } },
          { podSelector: { matchLabels: { app: 'prom' } } },
        ],
      },
    ],
  });
  expect(allows([or], { from: pod('mon', { app: 'other' }), to: api, port: 8000 })).toBe(true);
  expect(allows([or], { from: pod('b', { app: 'prom' }), to: api, port: 8000 })).toBe(false);
  // A podSelector alone means the policy's own namespace.
  expect(allows([or], { from: pod('a', { app: 'prom' }), to: api, port: 8000 })).toBe(true);
});

test('ports: protocol defaults to TCP, named ports resolve on the destination, endPort is a range', () => {
  const rule = (ports: object[]) => np('p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports }] });
  expect(allows([rule([{ port: 53 }])], { from: api, to: db, port: 53, protocol: 'UDP' })).toBe(false);
  expect(allows([rule([{ protocol: 'UDP', port: 53 }])], { from: api, to: db, port: 53, protocol: 'UDP' })).toBe(true);
  expect(allows([rule([{ port: 'http' }])], { from: db, to: api, port: 8000 })).toBe(true);
  expect(allows([rule([{ port: 'http' }])], { from: api, to: db, port: 8000 })).toBe(false);
  expect(allows([rule([{ port: 8000, endPort: 8010 }])], { from: api, to: db, port: 8005 })).toBe(true);
  expect(allows([rule([{ port: 8000, endPort: 8010 }])], { from: api, to: db, port: 8011 })).toBe(false);
  expect(allows([rule([{ protocol: 'TCP' }])], { from: api, to: db, port: 1 })).toBe(true);
});

test('ipBlock with except, and never a match of the other address family', () => {
  const internet = np('net', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }] }],
  });
  expect(allows([internet], { from: api, to: { ip: '1.1.1.1' }, port: 443 })).toBe(true);
  expect(allows([internet], { from: api, to: { ip: '169.254.169.254' }, port: 80 })).toBe(false);
  expect(allows([internet], { from: api, to: { ip: '2606:4700::1111' }, port: 443 })).toBe(false);
  // A pod address is an address too: a pod in another namespace on 10/8 stays out.
  expect(allows([internet], { from: api, to: pod('b', {}, '10.9.9.9'), port: 443 })).toBe(false);
  // A selector never matches an address outside the cluster.
  const pods = np('pods', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] });
  expect(allows([pods], { from: api, to: { ip: '1.1.1.1' }, port: 443 })).toBe(false);
});

test('policies of another namespace do not apply', () => {
  expect(
    allows([np('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'b')], { from: api, to: db, port: 1 }),
  ).toBe(true);
});
