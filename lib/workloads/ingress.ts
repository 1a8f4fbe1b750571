import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import { objectLabels } from '../platform/labels';
import { EdgeProps, EdgeSettings, GZIP_TYPES, STATIC_CACHE_CONTROL, TLS_CIPHERS, edgeSettings } from './edge';

export interface IngressProps extends EdgeProps {
  /** Namespace the objects live in (the custom-headers annotations name it). */
  readonly namespace: string;
  /**
   * IngressClass.
   * @default 'nginx'
   */
  readonly className?: string;
}

/**
 * What the ingress-nginx controller's ConfigMap must say for the guide's rules that ingress-nginx
 * only configures globally (no annotation exists for them): the README lists it under "What an
 * operator provides", and SUMMARY.md repeats it.
 */
export const INGRESS_NGINX_CONTROLLER_CONFIG: Readonly<Record<string, string>> = {
  // The guide's `return 301`: ingress-nginx answers 308 unless told otherwise.
  'http-redirect-code': '301',
  'use-gzip': 'true',
  'gzip-types': GZIP_TYPES.join(' '),
  'ssl-protocols': 'TLSv1.2 TLSv1.3',
  // The names the custom-headers annotations set; ingress-nginx refuses others.
  'global-allowed-response-headers':
    'Strict-Transport-Security,X-Content-Type-Options,X-Frame-Options,X-XSS-Protection,Cache-Control',
};

/**
 * The public entry on ingress-nginx: one Ingress per location of the guide's nginx server block
 * (an nginx rate limit is per Ingress object, so each burst needs its own), TLS from cert-manager
 * and the HTTPS redirect.
 * - `easyflow-ingress`: `/api/`, 10 r/s per client IP with burst 20 (the only Ingress that asks
 *   cert-manager for the certificate; the others reuse its Secret).
 * - `easyflow-webhook-ingress`: `/api/v1/messaging/webhook/`, burst 100.
 * - `easyflow-health-ingress`: `/health`, unthrottled and without access log.
 * - `easyflow-static-ingress`: `/static/` with the one-year Cache-Control.
 * Nothing else is routed, so `/metrics` (which Prometheus scrapes on the app's port) never is.
 * Security headers come from ConfigMaps via the `custom-headers` annotation, which works where
 * snippet annotations are disabled (the default).
 */
export class EasyflowIngress extends Construct {
  public readonly settings: EdgeSettings;
  public readonly className: string;
  public readonly headersConfigMapName = 'easyflow-security-headers';
  public readonly staticHeadersConfigMapName = 'easyflow-static-headers';
  public readonly ingressNames: readonly string[];
  /** Where the controller runs: the only namespace that may reach the app and the ACME solver. */
  public readonly dataPlaneNamespace: string;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    this.settings = edgeSettings(this, props);
    const s = this.settings;
    this.className = props.className ?? 'nginx';
    this.dataPlaneNamespace = props.dataPlaneNamespace ?? 'ingress-nginx';
    const timeout = String(s.proxyTimeoutSeconds);
    const labels = objectLabels({ name: 'easyflow-ingress', component: 'ingress' });

    new k8s.KubeConfigMap(this, 'security-headers', {
      metadata: { name: this.headersConfigMapName, labels },
      data: { ...s.securityHeaders },
    });
    new k8s.KubeConfigMap(this, 'static-headers', {
      metadata: { name: this.staticHeadersConfigMapName, labels },
      data: { ...s.securityHeaders, 'Cache-Control': STATIC_CACHE_CONTROL },
    });

    const common: Record<string, string> = {
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/ssl-ciphers': TLS_CIPHERS.join(':'),
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': timeout,
      'nginx.ingress.kubernetes.io/proxy-send-timeout': timeout,
      'nginx.ingress.kubernetes.io/proxy-read-timeout': timeout,
    };
    for (const [i, location] of s.locations.entries()) {
      const annotations: Record<string, string> = {
        ...common,
        'nginx.ingress.kubernetes.io/custom-headers': `${props.namespace}/${
          location.cacheControl ? this.staticHeadersConfigMapName : this.headersConfigMapName
        }`,
        ...(location.burst !== undefined && {
          'nginx.ingress.kubernetes.io/limit-rps': String(s.rateLimitRps),
          'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(location.burst / s.rateLimitRps),
        }),
        ...(!location.accessLog && { 'nginx.ingress.kubernetes.io/enable-access-log': 'false' }),
        ...(i === 0 && s.requestsCertificate && { 'cert-manager.io/cluster-issuer': s.clusterIssuer }),
      };
      new k8s.KubeIngress(this, location.name, {
        metadata: { name: location.ingressName, labels, annotations },
        spec: {
          ingressClassName: this.className,
          tls: [{ hosts: [s.host], secretName: s.tlsSecretName }],
          rules: [
            {
              host: s.host,
              http: {
                paths: [
                  {
                    path: location.path,
                    pathType: 'Prefix',
                    backend: { service: { name: props.app.serviceName, port: { number: props.app.servicePort } } },
                  },
                ],
              },
            },
          ],
        },
      });
    }
    this.ingressNames = s.locations.map((l) => l.ingressName);
  }
}
