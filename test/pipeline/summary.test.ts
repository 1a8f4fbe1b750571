import { filesOf, find, manifestsOf } from '../helpers';

const summary = (env: string) => filesOf(env).get('SUMMARY.md')!;

test('the workload table shows the HPA range, replicas, images, resources, ports and hosts', () => {
  const prod = summary('prod');
  expect(prod).toContain(
    '| Deployment | easyflow-app | 3..10 (HPA) | `ghcr.io/easyflow/easyflow:1.0.0` | cpu 500m/1000m, mem 512Mi/1Gi | 8000/http | api.easyflow.dev/api/<br>api.easyflow.dev/api/v1/messaging/webhook/<br>api.easyflow.dev/health<br>api.easyflow.dev/static/ |',
  );
  expect(prod).toContain('| Deployment | celery-worker | 2 |');
  expect(prod).toContain('| CronJob | postgres-backup | `0 2 * * *` Etc/UTC |');
  expect(summary('dev')).toContain('| Deployment | easyflow-app | 1..2 (HPA) |');
  const image = find(manifestsOf('prod'), 'Cluster', 'postgres').spec.imageName;
  expect(prod).toContain(`| Cluster | postgres | 2 (1 primary + 1 replica) | \`${image}\` |`);
});

test('the traffic diagram follows the routes, Services and NetworkPolicies', () => {
  const prod = summary('prod');
  expect(prod).toContain('```mermaid\nflowchart LR');
  expect(prod).toContain('  HTTPRoute_easyflow_api --> Service_easyflow_app_service');
  expect(prod).toContain('  Service_easyflow_app_service --> Deployment_easyflow_app');
  expect(prod).toContain('  Deployment_easyflow_app --> Cluster_postgres');
  expect(prod).toContain('  CronJob_postgres_backup --> Cluster_postgres');
  expect(summary('dev')).toContain('  CronJob_postgres_backup --> Service_postgres');
  expect(prod).toContain('  Deployment_easyflow_app -- "443" --> internet');
  // prod uploads its archives to S3 (backup.s3); dev keeps them in the cluster.
  expect(prod).toContain('  CronJob_postgres_backup -- "443" --> internet');
  expect(summary('dev')).not.toContain('CronJob_postgres_backup -- "443"');
});

test('the edge section shows TLS, the security headers, each route with its limit, for gateway-api', () => {
  const prod = summary('prod');
  expect(prod).toContain('## Edge');
  expect(prod).toContain('TLS 1.2..1.3, ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384');
  expect(prod).toContain('On every HTTPS response: Strict-Transport-Security: max-age=31536000;');
  expect(prod).toContain(
    '| HTTPRoute | easyflow-api | api.easyflow.dev/api/ | easyflow-app-service | 10 per second per client IP (token bucket) |',
  );
  expect(prod).toContain('| HTTPRoute | easyflow-https-redirect | api.easyflow.dev/ | - | - | 301 to https |');
  expect(prod).toContain('`/metrics` included, is not routed');
});
