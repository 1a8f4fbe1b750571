import { Construct } from 'constructs';
import { isHostname, throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from 'cdk8s-plus-27';
import { objectLabels } from '../platform/labels';
import { WebApp } from './web-app';

export interface IngressProps {
  /** The API the Ingresses route to. */
  readonly app: WebApp;
  /** Namespace the objects live in (the security-headers annotation names it). */
  readonly namespace: string;
  /** Public host, e.g. `api.easyflow.dev`. */
  readonly host: string;
  /** cert-manager ClusterIssuer that issues the TLS certificate. */
  readonly clusterIssuer: string;
  /**
   * IngressClass.
   * @default 'nginx'
   */
  readonly className?: string;
  /**
   * Secret cert-manager writes the certificate to.
   * @default 'easyflow-tls'
   */
  readonly tlsSecretName?: string;
  /**
   * Requests per second per client address.
   * @default 10
   */
  readonly rateLimitRps?: number;
  /**
   * Burst for the API; a whole multiple of rateLimitRps.
   * @default 20
   */
  readonly burst?: number;
  /**
   * Burst for `/api/v1/messaging/webhook/`; a whole multiple of rateLimitRps.
   * @default 100
   */
  readonly webhookBurst?: number;
  /**
   * Proxy connect/send/read timeout.
   * @default 60
   */
  readonly proxyTimeoutSeconds?: number;
  /**
   * Strict-Transport-Security max-age.
   * @default 31536000
   */
  readonly hstsMaxAgeSeconds?: number;
}

/** Path of the messaging webhooks, which get their own burst. */
export const WEBHOOK_PATH = '/api/v1/messaging/webhook/';

/**
 * The public entry: ingress-nginx Ingresses with TLS from cert-manager and HTTPS redirect.
 * - `easyflow-ingress`: everything under `/`, rate limited (10 r/s, burst 20 in prod).
 * - `easyflow-webhook-ingress`: `/api/v1/messaging/webhook/` with its own burst (100): an nginx
 *   rate limit is per Ingress object, so a different burst needs a separate object.
 * - `easyflow-health-ingress`: `/health`, unthrottled and without access log.
 * Security headers (HSTS, X-Frame-Options, X-Content-Type-Options, X-XSS-Protection) come from the
 * ConfigMap `easyflow-security-headers` via the `custom-headers` annotation, which works where
 * snippet annotations are disabled (the controller must allow the names in
 * `global-allowed-response-headers`; see the README).
 */
export class EasyflowIngress extends Construct {
  public readonly host: string;
  public readonly tlsSecretName: string;
  public readonly headersConfigMapName = 'easyflow-security-headers';
  public readonly ingressNames: readonly string[];

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    const rps = props.rateLimitRps ?? 10;
    const burst = props.burst ?? 20;
    const webhookBurst = props.webhookBurst ?? 100;
    const multiple = (field: string, value: number) =>
      Number.isInteger(value) && value >= rps && value % rps === 0
        ? undefined
        : `${field} is ${value} but must be a whole multiple of rateLimitRps (${rps})`;
    throwProblems(this, [
      isHostname(props.host) ? undefined : `host "${props.host}" is not a valid DNS name`,
      wholeNumberProblem('rateLimitRps', rps, 1),
      multiple('burst', burst),
      multiple('webhookBurst', webhookBurst),
    ]);
    this.host = props.host;
    this.tlsSecretName = props.tlsSecretName ?? 'easyflow-tls';
    const timeout = String(props.proxyTimeoutSeconds ?? 60);
    const labels = objectLabels({ name: 'easyflow-ingress', component: 'ingress' });

    new k8s.KubeConfigMap(this, 'security-headers', {
      metadata: { name: this.headersConfigMapName, labels },
      data: {
        'Strict-Transport-Security': `max-age=${props.hstsMaxAgeSeconds ?? 31536000}`,
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'X-XSS-Protection': '1; mode=block',
      },
    });

    const common: Record<string, string> = {
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': timeout,
      'nginx.ingress.kubernetes.io/proxy-send-timeout': timeout,
      'nginx.ingress.kubernetes.io/proxy-read-timeout': timeout,
      'nginx.ingress.kubernetes.io/custom-headers': `${props.namespace}/${this.headersConfigMapName}`,
    };
    const limit = (burstSize: number): Record<string, string> => ({
      'nginx.ingress.kubernetes.io/limit-rps': String(rps),
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(burstSize / rps),
    });
    const ingress = (
      construct: string,
      name: string,
      path: string,
      pathType: 'Prefix' | 'Exact',
      annotations: Record<string, string>,
    ): void => {
      new k8s.KubeIngress(this, construct, {
        metadata: { name, labels, annotations: { ...common, ...annotations } },
        spec: {
          ingressClassName: props.className ?? 'nginx',
          tls: [{ hosts: [this.host], secretName: this.tlsSecretName }],
          rules: [
            {
              host: this.host,
              http: {
                paths: [
                  {
                    path,
                    pathType,
                    backend: { service: { name: props.app.serviceName, port: { number: props.app.servicePort } } },
                  },
                ],
              },
            },
          ],
        },
      });
    };
    // Only this Ingress asks cert-manager for the certificate; the others reuse its Secret.
    ingress('api', 'easyflow-ingress', '/', 'Prefix', {
      'cert-manager.io/cluster-issuer': props.clusterIssuer,
      ...limit(burst),
    });
    ingress('webhook', 'easyflow-webhook-ingress', WEBHOOK_PATH, 'Prefix', limit(webhookBurst));
    ingress('health', 'easyflow-health-ingress', '/health', 'Exact', {
      'nginx.ingress.kubernetes.io/enable-access-log': 'false',
    });
    this.ingressNames = ['easyflow-ingress', 'easyflow-webhook-ingress', 'easyflow-health-ingress'];
  }
}
