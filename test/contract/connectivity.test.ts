import type { EasyflowChart } from '../../lib/easyflow-chart';
import { allows } from '../../lib/validation/network';
import type { Manifest } from '../../lib/validation/schema';
import { ENVIRONMENTS, manifestsOf } from '../helpers';
import { environmentChart as environment, fixtureChart } from '../environment-charts';
import { FLOWS, everything, peersOf } from './flows';

/** Every row of the contract the environment's NetworkPolicies break, as readable lines. */
function breaches(chart: EasyflowChart, manifests: readonly Manifest[]): string[] {
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const peers = peersOf(chart, manifests);
  const endpoints = (name: string) => {
    const found = peers.get(name);
    if (!found) throw new Error(`the contract names an unknown peer "${name}"`);
    return found;
  };
  const out: string[] = [];
  for (const flow of FLOWS.filter((f) => f.when?.(chart) ?? true)) {
    for (const from of endpoints(flow.from)) {
      for (const to of endpoints(flow.to).filter((t) => t !== from)) {
        const allowed = allows(policies, { from, to, port: flow.port, protocol: flow.protocol });
        if (allowed !== flow.allow) {
          out.push(
            `${flow.from} (${from.ip}) -> ${flow.to} (${to.ip}) ${flow.protocol ?? 'TCP'}/${flow.port} is ` +
              `${allowed ? 'allowed' : 'denied'} but must be ${flow.allow ? 'allowed' : 'denied'}: ${flow.why}`,
          );
        }
      }
    }
  }
  return out;
}

describe.each(ENVIRONMENTS)('%s', (env) => {
  test('the synthesized NetworkPolicies keep the contract', () => {
    expect(breaches(environment(env), manifestsOf(env))).toEqual([]);
  });

  test('with migrations, NodeLocal DNSCache and S3 uploads on', () => {
    const chart = environment(env, everything);
    expect(breaches(chart, chart.toJson())).toEqual([]);
  });
});

test('prod with the StatefulSet database keeps the contract', () => {
  const chart = environment('prod', (c) => {
    c.postgres = {
      ...c.postgres,
      mode: 'statefulset',
      instances: undefined,
      image: 'docker.io/library/postgres:15.10-alpine',
    };
  });
  expect(breaches(chart, chart.toJson())).toEqual([]);
});

test('narrowed API server ranges (IPv4 and IPv6), other namespaces and Prometheus labels are honoured', () => {
  const chart = environment('prod', (c) => {
    c.edge = { ...c.edge, namespace: 'edge' };
    c.network = {
      prometheusNamespace: 'observability',
      dnsNamespace: 'dns',
      cnpgOperatorNamespace: 'databases',
      prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'k8s' },
      apiServerCIDR: ['172.20.0.0/28', 'fd00:20::/64'],
    };
  });
  expect(breaches(chart, chart.toJson())).toEqual([]);
});

test('the contract catches a broken policy', () => {
  const chart = fixtureChart('minimal');
  const manifests = chart
    .toJson()
    .filter((m: Manifest) => !(m.kind === 'NetworkPolicy' && m.metadata.name === 'allow-acme-http01-solver'));
  const ip = (peer: string) => peersOf(chart, manifests).get(peer)![0].ip;
  expect(breaches(chart, manifests)).toEqual([
    `edge (${ip('edge')}) -> acme-solver (${ip('acme-solver')}) TCP/8089 is denied but must be allowed: ` +
      "cert-manager's HTTP-01 challenge, or the TLS certificate is never issued",
  ]);
});

test('every metrics port of every environment is in the contract', () => {
  for (const env of ENVIRONMENTS) {
    const scraped = new Set(FLOWS.filter((f) => f.from === 'prometheus' && f.allow).map((f) => `${f.to}:${f.port}`));
    const metricsPorts = (manifestsOf(env) as any[])
      .filter((m) => m.spec?.template?.spec?.containers)
      .flatMap((m) =>
        m.spec.template.spec.containers.flatMap((c: any) =>
          (c.ports ?? [])
            .filter((p: any) => p.name === 'metrics')
            .map((p: any) => `${m.spec.template.metadata.labels.app}:${p.containerPort}`),
        ),
      );
    expect(metricsPorts.filter((p) => !scraped.has(p))).toEqual([]);
  }
});
