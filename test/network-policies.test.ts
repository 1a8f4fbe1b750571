import { PRIVATE_RANGES } from '../lib/network-policies';
import { allOf, find, manifestsOf } from './helpers';

const prod = manifestsOf('prod');
const policy = (name: string) => find(prod, 'NetworkPolicy', name).spec;
const apps = (peer: any): string[] => peer.podSelector.matchExpressions[0].values;

test('default deny of ingress and egress for every pod', () => {
  expect(policy('default-deny-all')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
});

test('DNS to the cluster DNS only', () => {
  const egress = policy('allow-dns').egress[0];
  expect(egress.to).toEqual([
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ]);
  expect(egress.ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
});

test('the ingress controller and Prometheus reach the app on 8000, from their configured namespaces', () => {
  const ingress = policy('allow-easyflow-app').ingress;
  expect(
    ingress.map((r: any) => [r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], r.ports[0].port]),
  ).toEqual([
    ['ingress-nginx', 8000],
    ['monitoring', 8000],
  ]);
});

test('app, workers and beat reach postgres and redis, and the internet on 443 but not private ranges', () => {
  for (const name of ['allow-easyflow-app', 'allow-celery-worker', 'allow-celery-beat']) {
    const egress = policy(name).egress;
    expect(egress.map((r: any) => r.ports[0].port)).toEqual([5432, 6379, 443]);
    expect(egress[2].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }]);
  }
  expect(PRIVATE_RANGES).toEqual(
    expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']),
  );
});

test('postgres accepts only the app, Celery, the backup and its exporter; redis only the app, Celery and its exporter', () => {
  expect(apps(policy('allow-postgres').ingress[0].from[0])).toEqual([
    'celery-beat',
    'celery-worker',
    'easyflow-app',
    'postgres-backup',
    'postgres-exporter',
  ]);
  expect(apps(policy('allow-redis').ingress[0].from[0])).toEqual([
    'celery-beat',
    'celery-worker',
    'easyflow-app',
    'redis-exporter',
  ]);
  expect(policy('allow-postgres').egress).toBeUndefined();
});

test('backup and exporters talk only to their database; Prometheus scrapes the exporters', () => {
  expect(policy('allow-postgres-backup').egress).toEqual([
    {
      to: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['postgres'] }] } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    },
  ]);
  expect(policy('allow-postgres-exporter').ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9187 }]);
  expect(apps(policy('allow-redis-exporter').egress[0].to[0])).toEqual(['redis']);
});

test('every port a policy opens is a port a container listens on', () => {
  const listening = new Set<number>();
  for (const w of [...allOf(prod, 'Deployment'), ...allOf(prod, 'StatefulSet')]) {
    for (const c of w.spec.template.spec.containers) for (const p of c.ports ?? []) listening.add(p.containerPort);
  }
  for (const p of allOf(prod, 'NetworkPolicy')) {
    for (const rule of p.spec.ingress ?? []) for (const port of rule.ports) expect(listening).toContain(port.port);
  }
});
