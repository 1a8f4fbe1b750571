import { Construct } from 'constructs';
import { isDnsLabel } from '../platform/checks';
import { REQUIRES_ENVOY_GATEWAY, objectLabels } from '../platform/labels';
import { KEEP_ON_PRUNE } from '../platform/pod';
import {
  BackendTrafficPolicy,
  BackendTrafficPolicySpecCompressorType,
  BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType,
  BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit,
} from '../../imports/backendtrafficpolicies-gateway.envoyproxy.io';
import {
  ClientTrafficPolicy,
  ClientTrafficPolicySpecTlsMaxVersion,
  ClientTrafficPolicySpecTlsMinVersion,
} from '../../imports/clienttrafficpolicies-gateway.envoyproxy.io';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
} from '../../imports/gateways-gateway.networking.k8s.io';
import {
  HttpRoute,
  HttpRouteSpecRulesFilters,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproutes-gateway.networking.k8s.io';
import { EdgeProps, EdgeSettings, TLS_CIPHERS, WEBHOOK_PATH, edgeSettings } from './edge';

export interface GatewayProps extends EdgeProps {
  /** Namespace the objects live in (the data-plane pods' labels name it). */
  readonly namespace: string;
  /**
   * GatewayClass of the cluster's Envoy Gateway installation.
   * @default 'eg'
   */
  readonly gatewayClassName?: string;
}

/**
 * The EnvoyProxy access-log setting (`spec.telemetry.accessLog.settings[].matches`) the cluster's
 * Envoy Gateway needs for the guide's `access_log off` on `/health`: access logging is configured
 * per data plane, not per route, in Envoy Gateway. The README lists it under "What an operator
 * provides".
 */
export const ENVOY_ACCESS_LOG_MATCH = "!request.path.startsWith('/health')";

/**
 * The oldest Envoy Gateway whose per-client rate limit holds: up to v1.9.1 each route's local rate
 * limiter kept only Envoy's default of 20 distinct client addresses, so a client evicted by the
 * 21st came back with a full bucket (envoyproxy/gateway#9973, fixed on main by #9974 after
 * v1.9.1). v1.10.0 is the first minor release cut after that fix.
 */
export const MIN_ENVOY_GATEWAY_VERSION = 'v1.10.0';

/** Cache-Control of `/static/` error responses: nginx's `expires` and `add_header` skip them. */
export const STATIC_ERROR_CACHE_CONTROL = 'no-store';

/** Labels Envoy Gateway puts on the data-plane pods of a Gateway. */
export const OWNING_GATEWAY_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
export const OWNING_GATEWAY_NAMESPACE = 'gateway.envoyproxy.io/owning-gateway-namespace';

const GATEWAY_API = 'gateway.networking.k8s.io';

/**
 * The public entry on Gateway API (standard channel) with Envoy Gateway's policies for what
 * HTTPRoute cannot say. Every rule of the guide's nginx server block:
 * - Gateway `easyflow-gateway`: listener `http` (80) and `https` (443, TLS from the Secret
 *   cert-manager fills: the `cert-manager.io/cluster-issuer` annotation makes its gateway-shim
 *   request the certificate for the listener's hostname).
 * - HTTPRoute `easyflow-https-redirect` on `http`: everything → `https://` with 301 (the guide's
 *   `return 301`). cert-manager's HTTP-01 solver route (`Exact` `/.well-known/acme-challenge/<token>`)
 *   wins over this `/` prefix by Gateway API precedence.
 * - One HTTPRoute per location on `https` (`/api/`, the webhooks, `/health`, `/static/`), each with
 *   a BackendTrafficPolicy of the same name: gzip, the per-client-IP local rate limit where the guide
 *   limits, and nginx's timeouts: 60 s to connect, and 60 s of silence on the stream (the route's
 *   `streamIdleTimeout`, like `proxy_read_timeout`/`proxy_send_timeout`, which time the gap between
 *   two reads or writes), with the HTTPRoute's whole-request timeout off (`0s`), as nginx has none.
 *   Nothing else is routed: `/metrics` answers 404 at the edge.
 * - `/static/`: the one-year Cache-Control from the HTTPRoute on every response, and on error
 *   statuses (400-599) the policy's response override sets `no-store` instead, as nginx's
 *   `expires`/`add_header` skip errors: a file missing during a rolling update is not cached for a
 *   year. The override is a local reply with fresh headers and an empty body, so it repeats the
 *   security headers rather than rely on the listener's header filter.
 * - ClientTrafficPolicy `easyflow-https`: TLS 1.2/1.3 with the guide's ciphers, and the security
 *   headers on every response of the listener (also the edge's own 404 and 429, like nginx's
 *   `always`).
 *
 * Rate limits: Envoy's local rate limit is a token bucket that holds `requests` tokens and is
 * refilled with `requests` tokens every `unit`; Envoy Gateway sets no separate bucket size, so
 * nginx's `burst` (requests served at once above the rate, `nodelay`) has no equivalent. `/api/`
 * keeps the guide's sustained rate, `rateLimitRps` per second per client IP, so a burst above it
 * gets 429 sooner than with nginx. The webhooks keep their own route with a bucket of
 * `webhookBurst` per second: the provider's bursts of up to 100 pass, at the price of a sustained
 * cap of 100 per second per address instead of 10. Local limits count per Envoy replica, per
 * client address, for at most 10,000 addresses per route from MIN_ENVOY_GATEWAY_VERSION on.
 */
export class EasyflowGateway extends Construct {
  public readonly settings: EdgeSettings;
  public readonly gatewayName = 'easyflow-gateway';
  public readonly gatewayClassName: string;
  public readonly routeNames: readonly string[];
  /** Where Envoy Gateway runs the data plane: the only namespace that may reach the app and the ACME solver. */
  public readonly dataPlaneNamespace: string;
  /** The data-plane pods of this Gateway, as Envoy Gateway labels them. */
  public readonly dataPlanePodLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    this.gatewayClassName = props.gatewayClassName ?? 'eg';
    this.settings = edgeSettings(this, props, [
      isDnsLabel(this.gatewayClassName) ? undefined : `gatewayClassName "${this.gatewayClassName}" is not a DNS label`,
    ]);
    const s = this.settings;
    this.dataPlaneNamespace = props.dataPlaneNamespace ?? 'envoy-gateway-system';
    this.dataPlanePodLabels = { [OWNING_GATEWAY_NAME]: this.gatewayName, [OWNING_GATEWAY_NAMESPACE]: props.namespace };
    const labels = objectLabels({ name: 'easyflow-gateway', component: 'gateway' });
    const timeout = `${s.proxyTimeoutSeconds}s`;
    const requires = { [REQUIRES_ENVOY_GATEWAY]: `>= ${MIN_ENVOY_GATEWAY_VERSION}` };
    const securityHeaders = Object.entries(s.securityHeaders).map(([name, value]) => ({ name, value }));

    new Gateway(this, 'gateway', {
      metadata: {
        name: this.gatewayName,
        labels,
        // Pruned, the Gateway would release the address DNS points at: removing it is a person's step.
        annotations: {
          ...KEEP_ON_PRUNE,
          ...requires,
          ...(s.requestsCertificate && { 'cert-manager.io/cluster-issuer': s.clusterIssuer }),
        },
      },
      spec: {
        gatewayClassName: this.gatewayClassName,
        listeners: [
          {
            name: 'http',
            protocol: 'HTTP',
            port: 80,
            hostname: s.host,
            allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
          {
            name: 'https',
            protocol: 'HTTPS',
            port: 443,
            hostname: s.host,
            tls: { certificateRefs: [{ kind: 'Secret', group: '', name: s.tlsSecretName }] },
            allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
        ],
      },
    });
    const parent = (sectionName: string) => [
      { group: GATEWAY_API, kind: 'Gateway', name: this.gatewayName, sectionName },
    ];

    new HttpRoute(this, 'https-redirect', {
      metadata: { name: 'easyflow-https-redirect', labels },
      spec: {
        parentRefs: parent('http'),
        hostnames: [s.host],
        rules: [
          {
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: {
                  scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                  statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                },
              },
            ],
          },
        ],
      },
    });

    for (const location of s.locations) {
      const filters: HttpRouteSpecRulesFilters[] = location.cacheControl
        ? [
            {
              type: HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
              responseHeaderModifier: { set: [{ name: 'Cache-Control', value: location.cacheControl }] },
            },
          ]
        : [];
      new HttpRoute(this, location.name, {
        metadata: { name: location.name, labels },
        spec: {
          parentRefs: parent('https'),
          hostnames: [s.host],
          rules: [
            {
              matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: location.path } }],
              filters: filters.length > 0 ? filters : undefined,
              backendRefs: [{ name: props.app.serviceName, port: props.app.servicePort }],
              // nginx has no whole-request timeout; Gateway API's `0s` disables it.
              timeouts: { request: '0s' },
            },
          ],
        },
      });
      // The webhooks' bucket holds their burst (see the class comment); every other limit is the rate.
      const requests = (location.path === WEBHOOK_PATH ? location.burst : undefined) ?? s.rateLimitRps;
      const perClientIp = (cidr: string) => ({
        clientSelectors: [
          {
            sourceCidr: {
              type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT,
              value: cidr,
            },
          },
        ],
        limit: { requests, unit: BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.SECOND },
      });
      const limited = location.burst !== undefined;
      new BackendTrafficPolicy(this, `${location.name}-policy`, {
        metadata: { name: location.name, labels, annotations: limited ? requires : undefined },
        spec: {
          targetRefs: [{ group: GATEWAY_API, kind: 'HTTPRoute', name: location.name }],
          timeout: { tcp: { connectTimeout: timeout }, http: { streamIdleTimeout: timeout } },
          compressor: [{ type: BackendTrafficPolicySpecCompressorType.GZIP }],
          rateLimit: limited ? { local: { rules: [perClientIp('0.0.0.0/0'), perClientIp('::/0')] } } : undefined,
          responseOverride: location.cacheControl
            ? [
                {
                  match: { statusCodes: [{ type: 'Range', range: { start: 400, end: 599 } }] },
                  response: {
                    header: {
                      set: [{ name: 'Cache-Control', value: STATIC_ERROR_CACHE_CONTROL }, ...securityHeaders],
                    },
                  },
                },
              ]
            : undefined,
        },
      });
    }

    new ClientTrafficPolicy(this, 'https-policy', {
      metadata: { name: 'easyflow-https', labels },
      spec: {
        targetRefs: [{ group: GATEWAY_API, kind: 'Gateway', name: this.gatewayName, sectionName: 'https' }],
        tls: {
          minVersion: ClientTrafficPolicySpecTlsMinVersion.VALUE_1_2,
          maxVersion: ClientTrafficPolicySpecTlsMaxVersion.VALUE_1_3,
          ciphers: [...TLS_CIPHERS],
        },
        headers: {
          lateResponseHeaders: { set: securityHeaders },
        },
      },
    });
    this.routeNames = ['easyflow-https-redirect', ...s.locations.map((l) => l.name)];
  }
}
