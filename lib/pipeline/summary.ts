/**
 * A review page per environment (dist/<env>/SUMMARY.md): the workloads in one table, what they cost
 * (capacity.ts) and the traffic the NetworkPolicies allow as a Mermaid diagram and a list
 * (traffic.ts), so "prod: app 3..10 to 5..20" shows up in a pull request without reading YAML.
 * Derived from the synthesized objects and the peers of the environment's network (peers.ts).
 */
import type { EasyflowChart } from '../easyflow-chart';
import type { Endpoint } from '../validation/network';
import type { Manifest } from '../validation/schema';
import { REQUIRES_ENVOY_GATEWAY } from '../platform/labels';
import { capacityOf, capacitySection } from './capacity';
import { peersOf } from './peers';
import { allowedFlows, diagram, flowLine } from './traffic';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A workload as the summary shows it, whatever its kind. */
interface Workload {
  readonly kind: string;
  readonly name: string;
  /** The `app` label of its pods. */
  readonly app: string;
  readonly containers: Obj[];
  /** Fixed replicas, or undefined when an HPA or a schedule decides. */
  readonly replicas?: string;
  readonly schedule?: string;
}

/** What every workload with a pod template shows: its kind, name, pods' `app` label and containers. */
function podWorkload(m: Obj, pod: Obj): Workload {
  return {
    kind: m.kind,
    name: m.metadata.name,
    app: pod.metadata.labels.app,
    containers: [...(pod.spec.initContainers ?? []), ...pod.spec.containers],
  };
}

function workloadOf(m: Obj): Workload | undefined {
  switch (m.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return {
        ...podWorkload(m, m.spec.template),
        replicas: m.spec.replicas === undefined ? undefined : String(m.spec.replicas),
      };
    case 'Job':
      return { ...podWorkload(m, m.spec.template), replicas: 'once per release' };
    case 'CronJob':
      return {
        ...podWorkload(m, m.spec.jobTemplate.spec.template),
        schedule: `\`${m.spec.schedule}\` ${m.spec.timeZone ?? ''}`.trim(),
      };
    case 'Cluster': {
      const replicas = m.spec.instances - 1;
      return {
        kind: m.kind,
        name: m.metadata.name,
        app: m.spec.inheritedMetadata.labels.app,
        containers: [
          { image: m.spec.imageName, resources: m.spec.resources, ports: [{ containerPort: 5432, name: 'postgres' }] },
        ],
        replicas: `${m.spec.instances} (1 primary + ${replicas} replica${replicas === 1 ? '' : 's'})`,
      };
    }
    default:
      return undefined;
  }
}

/** One public route of the edge, whichever provider serves it. */
interface Route {
  readonly kind: 'Ingress' | 'HTTPRoute';
  readonly name: string;
  readonly host: string;
  readonly path: string;
  readonly service: string;
  readonly limit: string;
  readonly notes: string;
}

/** The edge's routes to Services: an Ingress each (ingress-nginx) or an HTTPRoute with its policy (gateway-api). */
function routesOf(objs: readonly Obj[]): Route[] {
  const out: Route[] = [];
  for (const i of objs.filter((m) => m.kind === 'Ingress')) {
    const a: Obj = i.metadata.annotations ?? {};
    const rule = i.spec.rules[0];
    const rps = a['nginx.ingress.kubernetes.io/limit-rps'];
    const burst = rps && Number(rps) * Number(a['nginx.ingress.kubernetes.io/limit-burst-multiplier'] ?? 1);
    out.push({
      kind: 'Ingress',
      name: i.metadata.name,
      host: rule.host,
      path: rule.http.paths[0].path,
      service: rule.http.paths[0].backend.service.name,
      limit: rps ? `${rps} r/s, burst ${burst}` : '-',
      notes: [
        a['nginx.ingress.kubernetes.io/enable-access-log'] === 'false' ? 'no access log' : '',
        a['nginx.ingress.kubernetes.io/custom-headers']
          ? `headers from ${a['nginx.ingress.kubernetes.io/custom-headers']}`
          : '',
        a['nginx.ingress.kubernetes.io/proxy-read-timeout']
          ? `timeouts ${a['nginx.ingress.kubernetes.io/proxy-read-timeout']} s`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  const policies = objs.filter((m) => m.kind === 'BackendTrafficPolicy');
  for (const r of objs.filter((m) => m.kind === 'HTTPRoute')) {
    for (const rule of r.spec.rules) {
      const backend = rule.backendRefs?.[0];
      const redirect = rule.filters?.find((f: Obj) => f.type === 'RequestRedirect')?.requestRedirect;
      const policy = policies.find((p) =>
        p.spec.targetRefs?.some((t: Obj) => t.kind === 'HTTPRoute' && t.name === r.metadata.name),
      );
      const limit = policy?.spec.rateLimit?.local?.rules?.[0]?.limit;
      const headers = (rule.filters ?? [])
        .flatMap((f: Obj) => f.responseHeaderModifier?.set ?? [])
        .map((h: Obj) => `${h.name}: ${h.value}`);
      out.push({
        kind: 'HTTPRoute',
        name: r.metadata.name,
        host: r.spec.hostnames?.[0] ?? '*',
        path: rule.matches?.[0]?.path?.value ?? '/',
        service: backend ? backend.name : '',
        limit: limit ? `${limit.requests} per ${limit.unit.toLowerCase()} per client IP (token bucket)` : '-',
        notes: [
          redirect ? `${redirect.statusCode} to ${redirect.scheme}` : '',
          ...headers,
          ...(policy?.spec.responseOverride ?? []).map(
            (o: Obj) =>
              `on ${o.match.statusCodes?.map((c: Obj) => (c.range ? `${c.range.start}-${c.range.end}` : c.value)).join(', ')}: ${(
                o.response?.header?.set ?? []
              )
                .filter((h: Obj) => h.name === 'Cache-Control')
                .map((h: Obj) => `${h.name}: ${h.value}`)
                .join('')}`,
          ),
          rule.timeouts?.request === '0s'
            ? 'no request timeout'
            : rule.timeouts?.request
              ? `request timeout ${rule.timeouts.request}`
              : '',
          policy?.spec.timeout?.http?.streamIdleTimeout ? `idle ${policy.spec.timeout.http.streamIdleTimeout}` : '',
          (policy?.spec.compressor ?? []).map((c: Obj) => c.type.toLowerCase()).join(', '),
        ]
          .filter(Boolean)
          .join('; '),
      });
    }
  }
  return out;
}

/** The edge at a glance: TLS, then each route with its limit. */
function edgeSection(objs: readonly Obj[], routes: readonly Route[]): string[] {
  const lines = ['## Edge', ''];
  const gateway = objs.find((m) => m.kind === 'Gateway');
  if (gateway) {
    const client = objs.find((m) => m.kind === 'ClientTrafficPolicy')?.spec ?? {};
    const tls = client.tls ?? {};
    const headers = (client.headers?.lateResponseHeaders?.set ?? []).map((h: Obj) => `${h.name}: ${h.value}`);
    const https = gateway.spec.listeners.find((l: Obj) => l.protocol === 'HTTPS');
    lines.push(
      `Gateway API: Gateway \`${gateway.metadata.name}\` (class \`${gateway.spec.gatewayClassName}\`), listeners ${gateway.spec.listeners.map((l: Obj) => `${l.name}:${l.port}`).join(', ')}; needs Envoy Gateway ${gateway.metadata.annotations?.[REQUIRES_ENVOY_GATEWAY] ?? '(any)'}.`,
      `TLS: Secret \`${https?.tls?.certificateRefs?.[0]?.name}\`, issuer \`${gateway.metadata.annotations?.['cert-manager.io/cluster-issuer'] ?? '(kept by the other edge while migrating)'}\`, TLS ${tls.minVersion}..${tls.maxVersion}, ciphers ${(tls.ciphers ?? []).join(':')}.`,
      `On every HTTPS response: ${cell(headers.join('; '))}.`,
      '',
    );
  }
  const ingresses = objs.filter((m) => m.kind === 'Ingress');
  if (ingresses.length > 0) {
    const a: Obj = ingresses[0].metadata.annotations ?? {};
    const issuer = ingresses.map((i) => i.metadata.annotations?.['cert-manager.io/cluster-issuer']).find(Boolean);
    lines.push(
      `ingress-nginx: class \`${ingresses[0].spec.ingressClassName}\`; TLS: Secret \`${ingresses[0].spec.tls[0].secretName}\`, issuer \`${issuer ?? '(kept by the other edge while migrating)'}\`, ciphers ${a['nginx.ingress.kubernetes.io/ssl-ciphers']}; HTTPS redirect ${a['nginx.ingress.kubernetes.io/force-ssl-redirect'] === 'true' ? 'forced' : 'off'}.`,
      '',
    );
  }
  lines.push('| Kind | Name | Host and path | Backend | Rate limit | Notes |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of routes) {
    lines.push(
      `| ${r.kind} | ${r.name} | ${r.host}${r.path} | ${r.service || '-'} | ${cell(r.limit)} | ${cell(r.notes)} |`,
    );
  }
  lines.push('', 'Any other path, `/metrics` included, is not routed: the edge answers 404.', '');
  return lines;
}

function resources(containers: Obj[]): string {
  return containers
    .map((c) => {
      const r = c.resources ?? {};
      const pair = (k: string): string => `${r.requests?.[k] ?? '-'}/${r.limits?.[k] ?? '-'}`;
      return `cpu ${pair('cpu')}, mem ${pair('memory')}`;
    })
    .join('; ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The headings of SUMMARY.md's sections that `npm run diff` compares. */
export const TRAFFIC = '## Traffic';
export const CAPACITY = '## Capacity';

/** SUMMARY.md of an environment's chart. */
export function summaryOf(chart: EasyflowChart, manifests: readonly Manifest[] = chart.toJson()): string {
  const peers = peersOf(chart.environment.namespace, chart.network, manifests);
  return summarize(chart.environment.name, manifests, peers);
}

/** SUMMARY.md of an environment's objects, its traffic drawn between `peers`. */
export function summarize(
  environment: string,
  manifests: readonly Manifest[],
  peers: ReadonlyMap<string, readonly Endpoint[]>,
): string {
  const objs = manifests as readonly Obj[];
  const namespace = objs.find((m) => m.kind === 'Namespace')?.metadata.name ?? '';
  const hpas = new Map(
    objs.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((h) => [h.spec.scaleTargetRef.name, h.spec]),
  );
  const routes = routesOf(objs);
  const services = objs.filter((m) => m.kind === 'Service');
  const workloads = objs.map(workloadOf).filter((w): w is Workload => w !== undefined);

  const lines = [
    `# ${environment}`,
    '',
    `Generated by \`cdk8s synth\` from \`config/${environment}.yaml\`; namespace \`${namespace}\`, ${objs.length} objects.`,
    '',
    '## Workloads',
    '',
    '| Kind | Name | Replicas | Image | Requests/limits | Ports | Hosts |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const w of workloads) {
    const hpa = hpas.get(w.name);
    const replicas = w.schedule ?? (hpa ? `${hpa.minReplicas}..${hpa.maxReplicas} (HPA)` : (w.replicas ?? '1'));
    const ports = w.containers
      .flatMap((c) => (c.ports ?? []).map((p: Obj) => `${p.containerPort}/${p.name}`))
      .join(', ');
    const fronting = services.filter((s) => s.spec.selector?.app === w.app).map((s) => s.metadata.name);
    const hosts = routes.filter((r) => fronting.includes(r.service)).map((r) => `${r.host}${r.path}`);
    lines.push(
      `| ${w.kind} | ${w.name} | ${cell(replicas)} | ${w.containers.map((c) => `\`${c.image}\``).join('<br>')} | ${resources(w.containers)} | ${ports} | ${[...new Set(hosts)].join('<br>')} |`,
    );
  }

  lines.push('', ...capacitySection(capacityOf(manifests)));
  lines.push(...edgeSection(objs, routes));
  const flows = allowedFlows(namespace, manifests, peers);
  lines.push(
    TRAFFIC,
    '',
    'Every flow the NetworkPolicies allow between the workloads and the outside, as the connectivity',
    'evaluator (lib/validation/network.ts) reads them; anything not drawn is denied.',
    '',
    ...diagram(flows, new Map(workloads.map((w) => [w.app, w.kind]))),
    '',
    ...flows.map((f) => `- ${flowLine(f)}`),
    '',
  );
  return lines.join('\n');
}
