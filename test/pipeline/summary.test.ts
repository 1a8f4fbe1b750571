import { parseConfig } from '../../lib/pipeline/config';
import { summarize } from '../../lib/pipeline/summary';
import { synthEnvironment } from '../../lib/pipeline/synth';
import type { Manifest } from '../../lib/validation/schema';
import { fixture } from '../helpers';

/** The SUMMARY.md of a fixture environment, with its config. */
function summaryOf(name: string) {
  const config = parseConfig(`config/${name}.yaml`, fixture(`${name}.yaml`));
  return { config, text: summarize(name, synthEnvironment(config).toJson() as Manifest[]) };
}

const prod = summaryOf('prod');
const minimal = summaryOf('minimal');

test('the workload table shows the HPA range, replicas, images, resources, ports and routed paths', () => {
  const { config, text } = prod;
  const image = `\`${config.image.repository}:${config.image.tag}\``;
  const { requests, limits } = config.app.resources;
  const host = config.ingress.host;
  const paths = ['/api/', '/api/v1/messaging/webhook/', '/health', '/static/'].map((p) => `${host}${p}`).join('<br>');
  expect(text).toContain(
    `| Deployment | easyflow-app | ${config.app.autoscaling.minReplicas}..${config.app.autoscaling.maxReplicas} (HPA) | ${image} | cpu ${requests.cpu}/${limits.cpu}, mem ${requests.memory}/${limits.memory} | 8000/http | ${paths} |`,
  );
  expect(text).toContain(`| Deployment | celery-worker | ${config.celery.worker.replicas} |`);
  expect(text).toContain(`| CronJob | postgres-backup | \`${config.backup.schedule}\` ${config.backup.timeZone} |`);
  expect(text).toContain(`| Cluster | postgres | 2 (1 primary + 1 replica) | \`${config.postgres.image}\` |`);
  const scaling = minimal.config.app.autoscaling;
  expect(minimal.text).toContain(
    `| Deployment | easyflow-app | ${scaling.minReplicas}..${scaling.maxReplicas} (HPA) |`,
  );
});

test('the traffic diagram follows the routes, Services and NetworkPolicies', () => {
  const { config, text } = prod;
  expect(text).toContain('```mermaid\nflowchart LR');
  expect(text).toContain('  HTTPRoute_easyflow_api --> Service_easyflow_app_service');
  expect(text).toContain('  Service_easyflow_app_service --> Deployment_easyflow_app');
  expect(text).toContain('  Deployment_easyflow_app --> Cluster_postgres');
  expect(text).toContain('  CronJob_postgres_backup --> Cluster_postgres');
  expect(minimal.text).toContain('  CronJob_postgres_backup --> Service_postgres');
  expect(text).toContain('  Deployment_easyflow_app -- "443" --> internet');
  // The backup reaches the internet only when it uploads its archives (backup.s3).
  expect(text.includes('CronJob_postgres_backup -- "443"')).toBe(config.backup.s3 !== undefined);
});

test('the edge section shows TLS, the security headers, each route with its limit, for gateway-api', () => {
  const { config, text } = prod;
  const host = config.ingress.host;
  expect(text).toContain('## Edge');
  expect(text).toContain('TLS 1.2..1.3, ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384');
  expect(text).toContain(
    `On every HTTPS response: Strict-Transport-Security: max-age=${config.ingress.hstsMaxAgeSeconds};`,
  );
  expect(text).toContain(
    `| HTTPRoute | easyflow-api | ${host}/api/ | easyflow-app-service | ${config.ingress.rateLimit!.rps} per second per client IP (token bucket) |`,
  );
  expect(text).toContain(`| HTTPRoute | easyflow-https-redirect | ${host}/ | - | - | 301 to https |`);
  expect(text).toContain('`/metrics` included, is not routed');
});
