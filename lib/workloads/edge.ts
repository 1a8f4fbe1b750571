import { IConstruct } from 'constructs';
import { isHostname, throwProblems, wholeNumberProblem } from '../platform/checks';
import { WebApp } from './web-app';

/** What every edge provider is given: the guide's nginx rules, as values. */
export interface EdgeProps {
  /** The API the edge routes to. */
  readonly app: WebApp;
  /** Public host, e.g. `api.easyflow.dev`. */
  readonly host: string;
  /** cert-manager ClusterIssuer that issues the TLS certificate. */
  readonly clusterIssuer: string;
  /**
   * Secret cert-manager writes the certificate to.
   * @default 'easyflow-tls'
   */
  readonly tlsSecretName?: string;
  /**
   * Requests per second per client address on `/api/` (the guide's `limit_req_zone ... rate=10r/s`).
   * @default 10
   */
  readonly rateLimitRps?: number;
  /**
   * Burst for `/api/` (the guide's `burst=20 nodelay`); a whole multiple of rateLimitRps.
   * @default 20
   */
  readonly burst?: number;
  /**
   * Burst for `/api/v1/messaging/webhook/` (the guide's `burst=100 nodelay`); a whole multiple of rateLimitRps.
   * On gateway-api, which has no burst, it is the route's per-client bucket per second.
   * @default 100
   */
  readonly webhookBurst?: number;
  /**
   * Proxy connect/send/read timeout (the guide's `proxy_*_timeout 60s`): the time to connect, and
   * the longest silence between two reads or writes; no limit on a whole response.
   * @default 60
   */
  readonly proxyTimeoutSeconds?: number;
  /**
   * Strict-Transport-Security max-age.
   * @default 31536000
   */
  readonly hstsMaxAgeSeconds?: number;
  /**
   * Namespace of the edge's data plane, the only one that may reach the app and the ACME solver.
   * @default - 'envoy-gateway-system' for gateway-api, 'ingress-nginx' for ingress-nginx
   */
  readonly dataPlaneNamespace?: string;
  /**
   * Whether this edge asks cert-manager for the certificate. Off for the provider that runs in
   * parallel during a migration, which serves the same Secret without a second Certificate.
   * @default true
   */
  readonly requestsCertificate?: boolean;
}

/** The two edges an environment can run on. */
export type EdgeProvider = 'gateway-api' | 'ingress-nginx';

/** Path of the messaging webhooks, which get their own burst. */
export const WEBHOOK_PATH = '/api/v1/messaging/webhook/';

/** The guide's `ssl_protocols TLSv1.2 TLSv1.3`. */
export const TLS_VERSIONS = ['1.2', '1.3'] as const;
/** The guide's `ssl_ciphers` (TLS 1.2; TLS 1.3 suites are fixed by the protocol, as in nginx). */
export const TLS_CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'] as const;
/** The guide's `gzip_types`. */
export const GZIP_TYPES = ['text/plain', 'application/json', 'application/javascript', 'text/css'] as const;
/** The guide's `expires 1y` plus `Cache-Control "public, immutable"` on `/static/`, as one header. */
export const STATIC_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** One `location` of the guide's nginx server block. */
export interface EdgeLocation {
  /** HTTPRoute (and BackendTrafficPolicy) name. */
  readonly name: string;
  /** Ingress name (kept from before the Gateway API edge, so live Ingresses are not replaced). */
  readonly ingressName: string;
  /** Path prefix, as the guide's `location` names it. */
  readonly path: string;
  /** Burst of the per-client-IP limit; undefined: not limited. */
  readonly burst?: number;
  /** False where the guide says `access_log off`. */
  readonly accessLog: boolean;
  /** Cache-Control the edge sets on responses, where the guide sets one. */
  readonly cacheControl?: string;
}

/** EdgeProps with every default applied, validated. */
export interface EdgeSettings {
  readonly host: string;
  readonly clusterIssuer: string;
  readonly tlsSecretName: string;
  readonly rateLimitRps: number;
  readonly proxyTimeoutSeconds: number;
  readonly requestsCertificate: boolean;
  /** Security headers on every HTTPS response (the guide's `add_header`s). */
  readonly securityHeaders: Readonly<Record<string, string>>;
  /** The guide's locations; nothing else is routed, so `/metrics` never is. */
  readonly locations: readonly EdgeLocation[];
}

/**
 * Resolves and checks the props both providers share; throws once with every problem, the
 * provider's own (`more`) included.
 */
export function edgeSettings(
  scope: IConstruct,
  props: EdgeProps,
  more: ReadonlyArray<string | undefined> = [],
): EdgeSettings {
  const rps = props.rateLimitRps ?? 10;
  const burst = props.burst ?? 20;
  const webhookBurst = props.webhookBurst ?? 100;
  const timeout = props.proxyTimeoutSeconds ?? 60;
  const multiple = (field: string, value: number) =>
    Number.isInteger(value) && value >= rps && value % rps === 0
      ? undefined
      : `${field} is ${value} but must be a whole multiple of rateLimitRps (${rps})`;
  throwProblems(scope, [
    isHostname(props.host) ? undefined : `host "${props.host}" is not a valid DNS name`,
    wholeNumberProblem('rateLimitRps', rps, 1),
    multiple('burst', burst),
    multiple('webhookBurst', webhookBurst),
    wholeNumberProblem('proxyTimeoutSeconds', timeout, 1),
    ...more,
  ]);
  return {
    host: props.host,
    clusterIssuer: props.clusterIssuer,
    tlsSecretName: props.tlsSecretName ?? 'easyflow-tls',
    rateLimitRps: rps,
    proxyTimeoutSeconds: timeout,
    requestsCertificate: props.requestsCertificate ?? true,
    securityHeaders: {
      'Strict-Transport-Security': `max-age=${props.hstsMaxAgeSeconds ?? 31536000}`,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'X-XSS-Protection': '1; mode=block',
    },
    locations: [
      { name: 'easyflow-api', ingressName: 'easyflow-ingress', path: '/api/', burst, accessLog: true },
      {
        name: 'easyflow-webhook',
        ingressName: 'easyflow-webhook-ingress',
        path: WEBHOOK_PATH,
        burst: webhookBurst,
        accessLog: true,
      },
      { name: 'easyflow-health', ingressName: 'easyflow-health-ingress', path: '/health', accessLog: false },
      {
        name: 'easyflow-static',
        ingressName: 'easyflow-static-ingress',
        path: '/static/',
        accessLog: true,
        cacheControl: STATIC_CACHE_CONTROL,
      },
    ],
  };
}
