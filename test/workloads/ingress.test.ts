import { EasyflowIngress, INGRESS_NGINX_CONTROLLER_CONFIG, IngressProps } from '../../lib/workloads/ingress';
import { allOf, find } from '../helpers';
import { ALL_EDGE_PROPS, withApp } from '../charts';

test('minimal props: guide rate limits, timeouts, TLS secret and the controller namespace', () => {
  const { chart, synth, app } = withApp();
  const ingress = new EasyflowIngress(chart, 'ing', {
    app,
    namespace: 'test',
    host: 'api.example.com',
    clusterIssuer: 'letsencrypt-staging',
  });
  const api = find(synth(), 'Ingress', 'easyflow-ingress');
  expect(api.metadata.annotations).toMatchObject({
    'nginx.ingress.kubernetes.io/limit-rps': '10',
    'nginx.ingress.kubernetes.io/limit-burst-multiplier': '2',
    'nginx.ingress.kubernetes.io/proxy-read-timeout': '60',
    'cert-manager.io/cluster-issuer': 'letsencrypt-staging',
  });
  expect(api.spec.tls[0].secretName).toBe('easyflow-tls');
  expect(api.spec.ingressClassName).toBe('nginx');
  expect(ingress.dataPlaneNamespace).toBe('ingress-nginx');
});

test('all props', () => {
  const { chart, synth, app } = withApp();
  const props: Required<IngressProps> = {
    ...ALL_EDGE_PROPS,
    app,
    namespace: 'test',
    className: 'nginx-internal',
  };
  const ingress = new EasyflowIngress(chart, 'ing', props);
  const out = synth();
  const api = find(out, 'Ingress', 'easyflow-ingress');
  const webhook = find(out, 'Ingress', 'easyflow-webhook-ingress');
  expect(api.spec.ingressClassName).toBe('nginx-internal');
  expect(api.metadata.annotations['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe('3');
  expect(webhook.metadata.annotations['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe('10');
  expect(webhook.metadata.annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('120');
  expect(webhook.spec.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'api-tls' }]);
  expect(find(out, 'ConfigMap', 'easyflow-security-headers').data['Strict-Transport-Security']).toBe('max-age=600');
  // The parallel edge of a migration serves the Secret without asking for a second certificate.
  expect(allOf(out, 'Ingress').filter((i) => i.metadata.annotations['cert-manager.io/cluster-issuer'])).toEqual([]);
  expect(ingress.dataPlaneNamespace).toBe('edge');
  expect(ingress.ingressNames).toEqual([
    'easyflow-ingress',
    'easyflow-webhook-ingress',
    'easyflow-health-ingress',
    'easyflow-static-ingress',
  ]);
});

test('bad props list every problem', () => {
  const { chart, app } = withApp();
  expect(
    () =>
      new EasyflowIngress(chart, 'ing', {
        app,
        namespace: 'test',
        host: 'API.example.com:443',
        clusterIssuer: 'x',
        rateLimitRps: 10,
        burst: 15,
        proxyTimeoutSeconds: 0,
      }),
  ).toThrow(
    'test/ing: host "API.example.com:443" is not a valid DNS name\n' +
      'test/ing: burst is 15 but must be a whole multiple of rateLimitRps (10)\n' +
      'test/ing: proxyTimeoutSeconds must be a whole number >= 1, got 0',
  );
});

test('the controller ConfigMap settings the guide needs are the guide values', () => {
  expect(INGRESS_NGINX_CONTROLLER_CONFIG).toEqual({
    'http-redirect-code': '301',
    'use-gzip': 'true',
    'gzip-types': 'text/plain application/json application/javascript text/css',
    'ssl-protocols': 'TLSv1.2 TLSv1.3',
    'global-allowed-response-headers':
      'Strict-Transport-Security,X-Content-Type-Options,X-Frame-Options,X-XSS-Protection,Cache-Control',
  });
});
