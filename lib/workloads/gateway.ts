import { Construct } from 'constructs';
import { isDnsLabel } from '../platform/checks';
import { objectLabels } from '../platform/labels';
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
import { EdgeProps, EdgeSettings, TLS_CIPHERS, edgeSettings } from './edge';

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
 * per data plane, not per route, in Envoy Gateway 1.9. The README lists it under "What an operator
 * provides".
 */
export const ENVOY_ACCESS_LOG_MATCH = "!request.path.startsWith('/health')";

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
 *   a BackendTrafficPolicy of the same name: 60 s timeouts and gzip, plus the per-client-IP local
 *   rate limit where the guide limits. Nothing else is routed: `/metrics` answers 404 at the edge.
 * - ClientTrafficPolicy `easyflow-https`: TLS 1.2/1.3 with the guide's ciphers, and the security
 *   headers on every response of the listener (also the edge's own 404 and 429, like nginx's
 *   `always`).
 *
 * Rate limits: Envoy's local rate limit is a token bucket that holds `requests` tokens and is
 * refilled with `requests` tokens every `unit`; Envoy Gateway sets no separate bucket size. So the
 * limit is `rateLimitRps` per second per client IP, the guide's sustained rate exactly, and a client
 * can send at most that many requests within one second: nginx's `burst` (requests served at once
 * above the rate, `nodelay`) has no equivalent, and a burst above the rate gets 429 sooner than
 * with nginx. The webhooks keep their own route, so their bucket is separate from the API's.
 * Local limits count per Envoy replica.
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

    new Gateway(this, 'gateway', {
      metadata: {
        name: this.gatewayName,
        labels,
        // Pruned, the Gateway would release the address DNS points at: removing it is a person's step.
        annotations: {
          ...KEEP_ON_PRUNE,
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
              timeouts: { request: timeout },
            },
          ],
        },
      });
      const perClientIp = (cidr: string) => ({
        clientSelectors: [
          {
            sourceCidr: {
              type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT,
              value: cidr,
            },
          },
        ],
        limit: { requests: s.rateLimitRps, unit: BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.SECOND },
      });
      new BackendTrafficPolicy(this, `${location.name}-policy`, {
        metadata: { name: location.name, labels },
        spec: {
          targetRefs: [{ group: GATEWAY_API, kind: 'HTTPRoute', name: location.name }],
          timeout: { tcp: { connectTimeout: timeout }, http: { streamIdleTimeout: timeout } },
          compressor: [{ type: BackendTrafficPolicySpecCompressorType.GZIP }],
          rateLimit:
            location.burst === undefined
              ? undefined
              : { local: { rules: [perClientIp('0.0.0.0/0'), perClientIp('::/0')] } },
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
          lateResponseHeaders: { set: Object.entries(s.securityHeaders).map(([name, value]) => ({ name, value })) },
        },
      },
    });
    this.routeNames = ['easyflow-https-redirect', ...s.locations.map((l) => l.name)];
  }
}
