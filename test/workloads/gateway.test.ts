import { EasyflowGateway, GatewayProps } from '../../lib/workloads/gateway';
import { allOf, find } from '../helpers';
import { ALL_EDGE_PROPS, withApp } from '../charts';

test('minimal props: class eg, the TLS Secret, the issuer, the data plane in envoy-gateway-system', () => {
  const { chart, synth, app } = withApp();
  const gateway = new EasyflowGateway(chart, 'gw', {
    app,
    namespace: 'test',
    host: 'api.example.com',
    clusterIssuer: 'letsencrypt-staging',
  });
  const out = synth();
  const gw = find(out, 'Gateway', 'easyflow-gateway');
  expect(gw.spec.gatewayClassName).toBe('eg');
  expect(gw.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
  expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'easyflow-tls' }]);
  expect(find(out, 'BackendTrafficPolicy', 'easyflow-api').spec.rateLimit.local.rules[0].limit).toEqual({
    requests: 10,
    unit: 'Second',
  });
  expect(gateway.dataPlaneNamespace).toBe('envoy-gateway-system');
  expect(gateway.dataPlanePodLabels).toEqual({
    'gateway.envoyproxy.io/owning-gateway-name': 'easyflow-gateway',
    'gateway.envoyproxy.io/owning-gateway-namespace': 'test',
  });
});

test('all props', () => {
  const { chart, synth, app } = withApp();
  const props: Required<GatewayProps> = {
    ...ALL_EDGE_PROPS,
    app,
    namespace: 'test',
    gatewayClassName: 'envoy-internal',
  };
  const gateway = new EasyflowGateway(chart, 'gw', props);
  const out = synth();
  const gw = find(out, 'Gateway', 'easyflow-gateway');
  expect(gw.spec.gatewayClassName).toBe('envoy-internal');
  expect(gw.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
  expect(gw.spec.listeners.map((l: any) => l.hostname)).toEqual(['api.example.com', 'api.example.com']);
  expect(gw.spec.listeners[1].tls.certificateRefs[0].name).toBe('api-tls');
  expect(find(out, 'BackendTrafficPolicy', 'easyflow-api').spec.rateLimit.local.rules[1].limit.requests).toBe(5);
  expect(find(out, 'BackendTrafficPolicy', 'easyflow-webhook').spec.rateLimit.local.rules[1].limit.requests).toBe(50);
  expect(find(out, 'BackendTrafficPolicy', 'easyflow-api').spec.timeout.http).toEqual({ streamIdleTimeout: '120s' });
  expect(find(out, 'ClientTrafficPolicy', 'easyflow-https').spec.headers.lateResponseHeaders.set[0]).toEqual({
    name: 'Strict-Transport-Security',
    value: 'max-age=600',
  });
  expect(gateway.dataPlaneNamespace).toBe('edge');
  expect(gateway.routeNames).toEqual(allOf(out, 'HTTPRoute').map((r) => r.metadata.name));
});

test('bad props list every problem', () => {
  const { chart, app } = withApp();
  expect(
    () =>
      new EasyflowGateway(chart, 'gw', {
        app,
        namespace: 'test',
        host: 'localhost',
        clusterIssuer: 'x',
        webhookBurst: 5,
        gatewayClassName: 'Envoy_GW',
      }),
  ).toThrow(
    'test/gw: host "localhost" is not a valid DNS name\n' +
      'test/gw: webhookBurst is 5 but must be a whole multiple of rateLimitRps (10)\n' +
      'test/gw: gatewayClassName "Envoy_GW" is not a DNS label',
  );
});
