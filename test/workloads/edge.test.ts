/**
 * Every rule of the guide's nginx server block (easyflow-deployment-guide.md, "Nginx конфигурация"),
 * for both edges: each test names the guide line it keeps. Values come from the props below.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load, loadAll } from 'js-yaml';
import { parseConfig } from '../../lib/pipeline/config';
import { summaryOf } from '../../lib/pipeline/summary';
import { synthEnvironment } from '../../lib/pipeline/synth';
import { EdgeProps, EdgeProvider, GZIP_TYPES, TLS_CIPHERS, WEBHOOK_PATH } from '../../lib/workloads/edge';
import {
  ENVOY_ACCESS_LOG_MATCH,
  EasyflowGateway,
  MIN_ENVOY_GATEWAY_VERSION,
  STATIC_ERROR_CACHE_CONTROL,
} from '../../lib/workloads/gateway';
import { EasyflowIngress, INGRESS_NGINX_CONTROLLER_CONFIG } from '../../lib/workloads/ingress';
import { WebApp } from '../../lib/workloads/web-app';
import { REQUIRES_ENVOY_GATEWAY } from '../../lib/platform/labels';
import { type Manifest, SchemaValidator } from '../../lib/validation/schema';
import { ENVIRONMENTS, ROOT, allOf, find, manifestsOf } from '../helpers';
import { withApp } from '../charts';
import { environmentCached } from '../render-cache';

const PROPS = {
  host: 'api.example.com',
  clusterIssuer: 'letsencrypt-prod',
  rateLimitRps: 10,
  burst: 20,
  webhookBurst: 100,
  proxyTimeoutSeconds: 60,
  hstsMaxAgeSeconds: 31536000,
} satisfies Omit<EdgeProps, 'app'>;

function synth(provider: EdgeProvider): { out: Manifest[]; app: WebApp } {
  const { chart, synth: run, app } = withApp();
  if (provider === 'gateway-api') new EasyflowGateway(chart, 'edge', { ...PROPS, app, namespace: 'test' });
  else new EasyflowIngress(chart, 'edge', { ...PROPS, app, namespace: 'test' });
  return { out: run(), app };
}

/** Path prefix match by path elements, as Ingress `Prefix` and HTTPRoute `PathPrefix` define it. */
function prefixMatches(prefix: string, requestPath: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || requestPath === p || requestPath.startsWith(`${p}/`);
}

/** The backend paths the edge forwards to the app. */
function routedPrefixes(out: readonly Manifest[]): string[] {
  return [
    ...allOf(out, 'Ingress').map((i) => i.spec.rules[0].http.paths[0].path),
    ...allOf(out, 'HTTPRoute')
      .filter((r) => r.spec.rules[0].backendRefs)
      .map((r) => r.spec.rules[0].matches[0].path.value),
  ];
}

// Whitespace-normalized, so a rewrapped line still matches.
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');

describe('gateway-api', () => {
  const { out, app } = synth('gateway-api');
  const route = (name: string) => find(out, 'HTTPRoute', name).spec;
  const policy = (name: string) => find(out, 'BackendTrafficPolicy', name).spec;
  const client = find(out, 'ClientTrafficPolicy', 'easyflow-https').spec;
  const gateway = find(out, 'Gateway', 'easyflow-gateway');

  test('guide `listen 80; return 301 https://$server_name$request_uri`: a 301 to https on the http listener', () => {
    const redirect = route('easyflow-https-redirect');
    expect(redirect.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'easyflow-gateway', sectionName: 'http' },
    ]);
    expect(redirect.hostnames).toEqual([PROPS.host]);
    expect(redirect.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
  });

  test('guide `listen 443 ssl` + certbot: TLS for the host from cert-manager (gateway-shim)', () => {
    expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(PROPS.clusterIssuer);
    const https = gateway.spec.listeners.find((l: any) => l.name === 'https');
    expect(https).toMatchObject({ protocol: 'HTTPS', port: 443, hostname: PROPS.host });
    expect(https.tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'easyflow-tls' }]);
    // The HTTP-01 solver's HTTPRoute is created in this namespace: the http listener must admit it.
    const http = gateway.spec.listeners.find((l: any) => l.name === 'http');
    expect(http).toMatchObject({ port: 80, hostname: PROPS.host, allowedRoutes: { namespaces: { from: 'Same' } } });
  });

  test('guide `ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ...`: ClientTrafficPolicy on the https listener', () => {
    expect(client.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'easyflow-gateway', sectionName: 'https' },
    ]);
    expect(client.tls).toEqual({ minVersion: '1.2', maxVersion: '1.3', ciphers: [...TLS_CIPHERS] });
  });

  test('guide `add_header` X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, HSTS `always`', () => {
    expect(client.headers.lateResponseHeaders.set).toEqual([
      { name: 'Strict-Transport-Security', value: `max-age=${PROPS.hstsMaxAgeSeconds}` },
      { name: 'X-Content-Type-Options', value: 'nosniff' },
      { name: 'X-Frame-Options', value: 'DENY' },
      { name: 'X-XSS-Protection', value: '1; mode=block' },
    ]);
  });

  test('guide `limit_req zone=api_limit burst=20 nodelay` on `location /api/`, per client IP ($binary_remote_addr)', () => {
    expect(route('easyflow-api').rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/api/' } }]);
    const api = policy('easyflow-api');
    expect(api.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'easyflow-api' }]);
    expect(api.rateLimit.local.rules).toEqual(
      ['0.0.0.0/0', '::/0'].map((value) => ({
        clientSelectors: [{ sourceCIDR: { type: 'Distinct', value } }],
        limit: { requests: PROPS.rateLimitRps, unit: 'Second' },
      })),
    );
  });

  test('guide `limit_req ... burst=100` on `location /api/v1/messaging/webhook/`: its own route, a bucket of the burst', () => {
    expect(route('easyflow-webhook').rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: WEBHOOK_PATH } }]);
    // A provider's burst of webhookBurst from one address passes; the trade-off is in the README.
    for (const rule of policy('easyflow-webhook').rateLimit.local.rules) {
      expect(rule.limit).toEqual({ requests: PROPS.webhookBurst, unit: 'Second' });
    }
    expect(README).toContain(`a bucket of \`webhookBurst\` (${PROPS.webhookBurst}) per second`);
  });

  test('the per-client limits need an Envoy Gateway that tracks more than 20 clients per route: the objects and the README say which', () => {
    const limited = allOf(out, 'BackendTrafficPolicy').filter((p) => p.spec.rateLimit);
    expect(limited.map((p) => p.metadata.name).sort()).toEqual(['easyflow-api', 'easyflow-webhook']);
    for (const m of [gateway, ...limited]) {
      expect(m.metadata.annotations[REQUIRES_ENVOY_GATEWAY]).toBe(`>= ${MIN_ENVOY_GATEWAY_VERSION}`);
    }
    expect(README).toContain(`**Envoy Gateway ${MIN_ENVOY_GATEWAY_VERSION} or newer**`);
    expect(README).toContain('envoyproxy/gateway#9973');
    expect(README).not.toContain('Envoy Gateway keeps at most 10,000 client addresses per route (the least');
  });

  test('guide: only /api/ is limited; /health and /static/ are not', () => {
    expect(policy('easyflow-health').rateLimit).toBeUndefined();
    expect(policy('easyflow-static').rateLimit).toBeUndefined();
  });

  test('guide `proxy_connect_timeout / proxy_send_timeout / proxy_read_timeout 60s`: idle time, no whole-request cutoff', () => {
    for (const name of ['easyflow-api', 'easyflow-webhook', 'easyflow-health', 'easyflow-static']) {
      // nginx times the gap between two reads (or writes), never a whole response: Gateway API's 0s is "off".
      expect(route(name).rules[0].timeouts).toEqual({ request: '0s' });
      expect(policy(name).timeout).toEqual({
        tcp: { connectTimeout: `${PROPS.proxyTimeoutSeconds}s` },
        http: { streamIdleTimeout: `${PROPS.proxyTimeoutSeconds}s` },
      });
    }
  });

  test('guide `gzip on; gzip_types text/plain application/json application/javascript text/css`', () => {
    for (const name of ['easyflow-api', 'easyflow-webhook', 'easyflow-health', 'easyflow-static']) {
      expect(policy(name).compressor).toEqual([{ type: 'Gzip' }]);
    }
    // Envoy's compressor has no content-type field in Envoy Gateway; its default list covers the guide's.
    expect(README).toContain(GZIP_TYPES.map((t) => `\`${t}\``).join(', '));
  });

  test('guide `location /health { access_log off; }`: its own route, and the EnvoyProxy match in the README', () => {
    expect(route('easyflow-health').rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/health' } }]);
    expect(README).toContain(ENVOY_ACCESS_LOG_MATCH);
  });

  test('guide `location /static/ { expires 1y; add_header Cache-Control "public, immutable"; }`', () => {
    expect(route('easyflow-static').rules[0]).toMatchObject({
      matches: [{ path: { type: 'PathPrefix', value: '/static/' } }],
      filters: [
        {
          type: 'ResponseHeaderModifier',
          responseHeaderModifier: { set: [{ name: 'Cache-Control', value: 'public, max-age=31536000, immutable' }] },
        },
      ],
    });
  });

  test('nginx `expires`/`add_header` skip error responses: /static/ errors say no-store, with the security headers', () => {
    expect(policy('easyflow-static').responseOverride).toEqual([
      {
        match: { statusCodes: [{ type: 'Range', range: { start: 400, end: 599 } }] },
        response: {
          header: {
            set: [
              { name: 'Cache-Control', value: STATIC_ERROR_CACHE_CONTROL },
              ...client.headers.lateResponseHeaders.set,
            ],
          },
        },
      },
    ]);
    for (const name of ['easyflow-api', 'easyflow-webhook', 'easyflow-health']) {
      expect(policy(name).responseOverride).toBeUndefined();
    }
  });

  test('every route forwards to the app Service', () => {
    for (const r of allOf(out, 'HTTPRoute').filter((x) => x.spec.rules[0].backendRefs)) {
      expect(r.spec.rules[0].backendRefs).toEqual([{ name: app.serviceName, port: app.servicePort }]);
    }
  });
});

describe('ingress-nginx', () => {
  const { out, app } = synth('ingress-nginx');
  const a = (name: string): Record<string, string> => find(out, 'Ingress', name).metadata.annotations;
  const all = allOf(out, 'Ingress');

  test('guide `return 301 https://...`: forced HTTPS redirect, 301 from the controller ConfigMap', () => {
    for (const i of all) expect(i.metadata.annotations['nginx.ingress.kubernetes.io/force-ssl-redirect']).toBe('true');
    expect(INGRESS_NGINX_CONTROLLER_CONFIG['http-redirect-code']).toBe('301');
  });

  test('guide `listen 443 ssl` + certbot: one Ingress asks cert-manager, all share its Secret', () => {
    expect(all.filter((i) => i.metadata.annotations['cert-manager.io/cluster-issuer'])).toHaveLength(1);
    expect(a('easyflow-ingress')['cert-manager.io/cluster-issuer']).toBe(PROPS.clusterIssuer);
    for (const i of all) expect(i.spec.tls).toEqual([{ hosts: [PROPS.host], secretName: 'easyflow-tls' }]);
  });

  test('guide `ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ...`: ciphers per Ingress, protocols in the ConfigMap', () => {
    for (const i of all) {
      expect(i.metadata.annotations['nginx.ingress.kubernetes.io/ssl-ciphers']).toBe(TLS_CIPHERS.join(':'));
    }
    expect(INGRESS_NGINX_CONTROLLER_CONFIG['ssl-protocols']).toBe('TLSv1.2 TLSv1.3');
  });

  test('guide `add_header` security headers, without snippet annotations', () => {
    expect(find(out, 'ConfigMap', 'easyflow-security-headers').data).toEqual({
      'Strict-Transport-Security': `max-age=${PROPS.hstsMaxAgeSeconds}`,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'X-XSS-Protection': '1; mode=block',
    });
    for (const i of all) {
      expect(i.metadata.annotations['nginx.ingress.kubernetes.io/custom-headers']).toMatch(/^test\/easyflow-/);
      expect(Object.keys(i.metadata.annotations).filter((k) => k.includes('snippet'))).toEqual([]);
    }
  });

  test('guide `limit_req zone=api_limit burst=20 nodelay` on `location /api/` only', () => {
    expect(find(out, 'Ingress', 'easyflow-ingress').spec.rules[0].http.paths[0].path).toBe('/api/');
    expect(a('easyflow-ingress')['nginx.ingress.kubernetes.io/limit-rps']).toBe(String(PROPS.rateLimitRps));
    expect(a('easyflow-ingress')['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe(
      String(PROPS.burst / PROPS.rateLimitRps),
    );
    for (const name of ['easyflow-health-ingress', 'easyflow-static-ingress']) {
      expect(a(name)['nginx.ingress.kubernetes.io/limit-rps']).toBeUndefined();
    }
  });

  test('guide `limit_req ... burst=100` on `location /api/v1/messaging/webhook/`', () => {
    expect(find(out, 'Ingress', 'easyflow-webhook-ingress').spec.rules[0].http.paths[0].path).toBe(WEBHOOK_PATH);
    expect(a('easyflow-webhook-ingress')['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe(
      String(PROPS.webhookBurst / PROPS.rateLimitRps),
    );
  });

  test('guide `proxy_connect_timeout / proxy_send_timeout / proxy_read_timeout 60s`', () => {
    for (const i of all) {
      for (const t of ['connect', 'send', 'read']) {
        expect(i.metadata.annotations[`nginx.ingress.kubernetes.io/proxy-${t}-timeout`]).toBe(
          String(PROPS.proxyTimeoutSeconds),
        );
      }
    }
  });

  test('guide `gzip on; gzip_types ...`: the controller ConfigMap, listed in the README', () => {
    expect(INGRESS_NGINX_CONTROLLER_CONFIG['use-gzip']).toBe('true');
    expect(INGRESS_NGINX_CONTROLLER_CONFIG['gzip-types']).toBe(GZIP_TYPES.join(' '));
    for (const [key, value] of Object.entries(INGRESS_NGINX_CONTROLLER_CONFIG)) {
      expect(README).toContain(`${key}: '${value}'`);
    }
  });

  test('guide `location /health { access_log off; }`', () => {
    expect(find(out, 'Ingress', 'easyflow-health-ingress').spec.rules[0].http.paths[0]).toMatchObject({
      path: '/health',
      pathType: 'Prefix',
    });
    expect(a('easyflow-health-ingress')['nginx.ingress.kubernetes.io/enable-access-log']).toBe('false');
  });

  test('guide `location /static/ { expires 1y; add_header Cache-Control "public, immutable"; }`', () => {
    expect(find(out, 'Ingress', 'easyflow-static-ingress').spec.rules[0].http.paths[0].path).toBe('/static/');
    expect(a('easyflow-static-ingress')['nginx.ingress.kubernetes.io/custom-headers']).toBe(
      'test/easyflow-static-headers',
    );
    expect(find(out, 'ConfigMap', 'easyflow-static-headers').data['Cache-Control']).toBe(
      'public, max-age=31536000, immutable',
    );
  });

  test('every Ingress forwards to the app Service', () => {
    for (const i of all) {
      expect(i.spec.rules[0].http.paths[0].backend).toEqual({
        service: { name: app.serviceName, port: { number: app.servicePort } },
      });
    }
  });
});

describe.each(['gateway-api', 'ingress-nginx'] as const)('%s: /metrics is never reachable from outside', (provider) => {
  const { out } = synth(provider);
  const prefixes = routedPrefixes(out);

  test('the edge routes exactly the guide locations /api/, the webhooks, /health and /static/', () => {
    expect(prefixes.sort()).toEqual(['/api/', WEBHOOK_PATH, '/health', '/static/'].sort());
  });

  test.each(['/metrics', '/metrics/', '/metrics/foo', '/', '/docs'])('%s matches no route', (requestPath) => {
    expect(prefixes.filter((p) => prefixMatches(p, requestPath))).toEqual([]);
  });
});

describe('edge.provider and a migration between providers (the environment chart)', () => {
  const MINIMAL = load(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'minimal.yaml'), 'utf8')) as any;
  const render = (edge: object | undefined): Manifest[] =>
    environmentCached('config/min.yaml', JSON.stringify({ ...MINIMAL, edge }));
  const issuers = (out: readonly Manifest[]) =>
    out.filter((m: any) => m.metadata.annotations?.['cert-manager.io/cluster-issuer']).map((m) => m.kind);
  const appFrom = (out: readonly Manifest[]) =>
    find(out, 'NetworkPolicy', 'allow-easyflow-app').spec.ingress[0].from.map(
      (p: any) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
    );

  test('gateway-api by default: Gateway API objects only, its data plane reaches the app', () => {
    const out = render(undefined);
    expect(allOf(out, 'Ingress')).toEqual([]);
    expect(issuers(out)).toEqual(['Gateway']);
    expect(appFrom(out)).toEqual(['envoy-gateway-system']);
  });

  test('ingress-nginx: Ingresses only, from the configured controller namespace', () => {
    const out = render({ provider: 'ingress-nginx', namespace: 'nginx-edge' });
    expect(allOf(out, 'Gateway')).toEqual([]);
    expect(allOf(out, 'HTTPRoute')).toEqual([]);
    expect(issuers(out)).toEqual(['Ingress']);
    expect(appFrom(out)).toEqual(['nginx-edge']);
    expect(find(out, 'NetworkPolicy', 'allow-acme-http01-solver').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nginx-edge' } } },
    ]);
  });

  test('migrating: both edges serve the same host and Secret; only the old one owns the certificate', () => {
    const out = render({ provider: 'gateway-api', migrateFrom: 'ingress-nginx' });
    expect(issuers(out)).toEqual(['Ingress']);
    expect(find(out, 'Gateway', 'easyflow-gateway').spec.listeners[1].tls.certificateRefs[0].name).toBe(
      find(out, 'Ingress', 'easyflow-ingress').spec.tls[0].secretName,
    );
    expect(appFrom(out)).toEqual(['envoy-gateway-system', 'ingress-nginx']);
  });

  test('a migration to itself, or settings for an edge that is not there, are config errors', () => {
    expect(() => render({ provider: 'ingress-nginx', migrateFrom: 'ingress-nginx' })).toThrow(
      'config/min.yaml: edge.migrateFrom is "ingress-nginx", the same as edge.provider; it names the provider being left',
    );
    expect(() => render({ provider: 'ingress-nginx', gatewayClassName: 'eg', migrateFromNamespace: 'x' })).toThrow(
      'config/min.yaml: edge.migrateFromNamespace is set but edge.migrateFrom is not\n' +
        'config/min.yaml: edge.gatewayClassName is set but no gateway-api edge is synthesized',
    );
  });
});

test('SUMMARY.md shows the ingress-nginx edge too: TLS ciphers, each Ingress with its limit', () => {
  const MINIMAL = load(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'minimal.yaml'), 'utf8')) as any;
  const env = parseConfig('config/min.yaml', JSON.stringify({ ...MINIMAL, edge: { provider: 'ingress-nginx' } }));
  const text = summaryOf(synthEnvironment(env));
  expect(text).toContain('ingress-nginx: class `nginx`; TLS: Secret `easyflow-tls`, issuer `letsencrypt-staging`');
  expect(text).toContain(
    '| Ingress | easyflow-ingress | api.min.example.com/api/ | easyflow-app-service | 10 r/s, burst 20 |',
  );
  expect(text).toContain(
    '| Ingress | easyflow-health-ingress | api.min.example.com/health | easyflow-app-service | - | no access log;',
  );
});

describe("the README's ClusterIssuers (docs/cert-manager/cluster-issuers.yaml)", () => {
  const issuers = loadAll(
    fs.readFileSync(path.join(ROOT, 'docs', 'cert-manager', 'cluster-issuers.yaml'), 'utf8'),
  ) as Manifest[];

  test("pass cert-manager's ClusterIssuer CRD", () => {
    expect(issuers.map((i) => i.kind)).toEqual(issuers.map(() => 'ClusterIssuer'));
    expect(new SchemaValidator().validate(issuers)).toEqual([]);
  });

  test.each(ENVIRONMENTS)(
    '%s: its Gateway names one of them, whose HTTP-01 solver attaches to its HTTP listener',
    (env) => {
      const gateway = find(manifestsOf(env), 'Gateway', 'easyflow-gateway');
      const issuer = issuers.find(
        (i) => i.metadata.name === gateway.metadata.annotations['cert-manager.io/cluster-issuer'],
      );
      expect(issuer).toBeDefined();
      for (const solver of (issuer as any).spec.acme.solvers) {
        for (const ref of solver.http01.gatewayHTTPRoute.parentRefs) {
          expect(ref).toMatchObject({ kind: 'Gateway', name: gateway.metadata.name });
          // No namespace: the solver's HTTPRoute lands in the Challenge's namespace, the Gateway's.
          expect(ref.namespace).toBeUndefined();
          const listener = gateway.spec.listeners.find((l: any) => l.name === ref.sectionName);
          expect(listener).toMatchObject({ protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } });
        }
      }
    },
  );

  test('the README points at the file and names both cert-manager settings', () => {
    expect(README).toContain('kubectl apply -f docs/cert-manager/cluster-issuers.yaml');
    expect(README).toContain('`config.gatewayAPI.enabled: true`');
    expect(README).toContain('`config.enableGatewayAPI: true`');
  });
});
