import { dump, load } from 'js-yaml';
import { binary, capacityOf, evictable } from '../../lib/pipeline/capacity';
import { parseConfig } from '../../lib/pipeline/config';
import { peersOf } from '../../lib/pipeline/peers';
import { summarize, summaryOf } from '../../lib/pipeline/summary';
import { synthEnvironment } from '../../lib/pipeline/synth';
import { parseQuantity } from '../../lib/platform/quantity';
import type { Manifest } from '../../lib/validation/schema';
import { summaryLines } from '../../scripts/diff';
import { fixture } from '../helpers';

/** A fixture environment, optionally changed as data first: its config, chart, objects and SUMMARY.md. */
function render(name: string, change: (config: any) => void = () => undefined) {
  const data: any = load(fixture(`${name}.yaml`));
  change(data);
  const config = parseConfig(`config/${name}.yaml`, dump(data));
  const chart = synthEnvironment(config);
  const manifests = chart.toJson() as Manifest[];
  return { config, chart, manifests, text: summaryOf(chart, manifests) };
}

const prod = render('prod');
const minimal = render('minimal');

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

test('the traffic diagram draws every workload and each flow the NetworkPolicies allow, inside and out', () => {
  const { config, text } = prod;
  expect(text).toContain('```mermaid\nflowchart LR');
  expect(text).toContain('  p_easyflow_app["easyflow-app"]');
  expect(text).toContain('  p_postgres[("postgres (CloudNativePG)")]');
  expect(text).toContain('  p_postgres_backup{{"postgres-backup"}}');
  expect(text).toContain('  p_edge -- "TCP 8000" --> p_easyflow_app');
  expect(text).toContain('  p_easyflow_app -- "TCP 5432" --> p_postgres');
  expect(text).toContain('  p_prometheus -- "TCP 9121" --> p_redis_exporter');
  expect(text).toContain('  p_cnpg_operator -- "TCP 5432, TCP 8000" --> p_postgres');
  expect(minimal.text).toContain('  p_postgres_backup -- "TCP 5432" --> p_postgres');
  expect(minimal.text).toContain('  p_redis -- "TCP 53, UDP 53" --> p_kube_dns');
  expect(text).toContain('- easyflow-app → internet: TCP 443');
  // What stays closed is not drawn: Redis has no egress but DNS, the internet reaches nothing.
  expect(text).not.toMatch(/^- redis → (?!kube-dns)/m);
  expect(text).not.toMatch(/^- internet → /m);
  // The backup reaches the internet only when it uploads its archives (backup.s3).
  expect(text.includes('- postgres-backup → internet: TCP 443')).toBe(config.backup.s3 !== undefined);
});

test('a flow added to a NetworkPolicy appears in the diagram, the list and the diff', () => {
  const { chart, manifests, text } = minimal;
  const opened = structuredClone(manifests);
  const policy = opened.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'allow-redis') as any;
  const prometheus = { 'kubernetes.io/metadata.name': chart.network.prometheusNamespace };
  policy.spec.ingress.push({
    from: [
      {
        namespaceSelector: { matchLabels: prometheus },
        podSelector: { matchLabels: chart.network.prometheusPodLabels },
      },
    ],
    ports: [{ port: 6379 }],
  });
  const after = summarize('minimal', opened, peersOf(chart.environment.namespace, chart.network, opened));
  expect(text).not.toContain('prometheus → redis:');
  expect(after).toContain('  p_prometheus -- "TCP 6379" --> p_redis');
  expect(after).toContain('- prometheus → redis: TCP 6379');
  expect(summaryLines(text, after)).toEqual(['  flows:', '      + prometheus → redis: TCP 6379']);
  expect(summaryLines(after, text)).toEqual(['  flows:', '      - prometheus → redis: TCP 6379']);
});

test('a resource change moves the totals at the HPA minimum and maximum by exactly requests × replicas', () => {
  const more = render('prod', (c) => {
    c.app.resources.requests.cpu = '600m';
    c.app.resources.limits.memory = '1536Mi';
  });
  const { minReplicas, maxReplicas } = prod.config.app.autoscaling;
  const cpu = 1000 * (parseQuantity('600m') - parseQuantity(prod.config.app.resources.requests.cpu));
  const memory = parseQuantity('1536Mi') - parseQuantity(prod.config.app.resources.limits.memory!);
  const [a, b] = [capacityOf(prod.manifests), capacityOf(more.manifests)];
  expect(b.min.cpuRequests.sum - a.min.cpuRequests.sum).toBeCloseTo(cpu * minReplicas!, 6);
  expect(b.max.cpuRequests.sum - a.max.cpuRequests.sum).toBeCloseTo(cpu * maxReplicas, 6);
  expect(b.min.memoryLimits.sum - a.min.memoryLimits.sum).toBe(memory * minReplicas!);
  expect(b.max.memoryLimits.sum - a.max.memoryLimits.sum).toBe(memory * maxReplicas);
  expect([b.min.cpuLimits, b.min.memoryRequests]).toEqual([a.min.cpuLimits, a.min.memoryRequests]);
  const cores = (m: number) => String(m / 1000);
  expect(summaryLines(prod.text, more.text)).toEqual(
    expect.arrayContaining([
      '  capacity:',
      `      ~ CPU requests (cores), At HPA minimum: ${cores(a.min.cpuRequests.sum)} → ${cores(b.min.cpuRequests.sum)}`,
      `      ~ CPU requests (cores), At HPA maximum: ${cores(a.max.cpuRequests.sum)} → ${cores(b.max.cpuRequests.sum)}`,
    ]),
  );
});

test('the totals count every long-running pod at its replicas, and no Job or CronJob', () => {
  const { config, manifests } = prod;
  const { minReplicas, maxReplicas } = config.app.autoscaling;
  const fixed = 1 + 1 + 1 + 1; // beat, redis, two exporters
  const instances = config.postgres.instances ?? 1;
  const { min, max } = capacityOf(manifests);
  expect(min.pods).toBe(minReplicas! + config.celery.worker.replicas + instances + fixed);
  expect(max.pods).toBe(maxReplicas + config.celery.worker.replicas + instances + fixed);
});

test('each CloudNativePG instance counts the Barman Cloud sidecar its ObjectStore sizes', () => {
  const archiving = render('prod', (c) => {
    c.backup.s3 = { bucket: 'easyflow-backups', image: 'docker.io/amazon/aws-cli:2.22.13' };
  });
  const store = archiving.manifests.find((m) => m.kind === 'ObjectStore') as any;
  const sidecar = store.spec.instanceSidecarConfiguration.resources.requests;
  const instances = archiving.config.postgres.instances!;
  const [without, withS3] = [capacityOf(prod.manifests), capacityOf(archiving.manifests)];
  expect(withS3.min.cpuRequests.sum - without.min.cpuRequests.sum).toBe(1000 * parseQuantity(sidecar.cpu) * instances);
  expect(withS3.min.memoryRequests.sum - without.min.memoryRequests.sum).toBe(
    parseQuantity(sidecar.memory) * instances,
  );
});

test('storage claimed: each PVC, volumeClaimTemplates × replicas, CloudNativePG storage × instances', () => {
  const { config, manifests, text } = prod;
  const bytes = (q: string) => parseQuantity(q);
  expect(capacityOf(manifests).claims).toEqual([
    { name: 'Cluster/postgres storage', bytes: bytes(config.postgres.storage.size), count: config.postgres.instances },
    { name: 'StatefulSet/redis data', bytes: bytes(config.redis.storage.size), count: 1 },
    { name: 'PersistentVolumeClaim/backup-pvc', bytes: bytes(config.backup.storage.size), count: 1 },
  ]);
  const all =
    bytes(config.postgres.storage.size) * config.postgres.instances! +
    bytes(config.redis.storage.size) +
    bytes(config.backup.storage.size);
  expect(text).toContain(`| All claims | | | ${binary(all)} |`);
});

test('sidecars count with the containers; a one-shot init container only when it is the largest', () => {
  const pod = (init: object[], requests: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: 'x' } },
        spec: { initContainers: init, containers: [{ name: 'main', resources: { requests: { cpu: requests } } }] },
      },
    },
  });
  const sidecar = { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } };
  const oneShot = (cpu: string) => ({ name: 'wait', resources: { requests: { cpu } } });
  const cpu = (init: object[]) => capacityOf([pod(init, '100m')] as Manifest[]).min.cpuRequests;
  expect(cpu([sidecar, oneShot('10m')])).toEqual({ sum: 2 * 150, unset: 0 });
  expect(cpu([oneShot('500m')])).toEqual({ sum: 2 * 500, unset: 0 });
  expect(capacityOf([pod([], '100m')] as Manifest[]).min.cpuLimits).toEqual({ sum: 0, unset: 2 });
});

test.each([
  [{ maxUnavailable: 1 }, 3, 1],
  [{ maxUnavailable: 1 }, 1, 1],
  [{ maxUnavailable: '25%' }, 10, 3],
  [{ minAvailable: 2 }, 3, 1],
  [{ minAvailable: 5 }, 3, 0],
  [{ minAvailable: '50%' }, 3, 1],
])('a PodDisruptionBudget %j over %i pods lets a drain evict %i', (spec, pods, n) => {
  expect(evictable(spec, pods)).toBe(n);
});

test('each PodDisruptionBudget shows the pods a drain may evict at the HPA minimum and maximum', () => {
  const { config, text } = prod;
  const { minReplicas, maxReplicas } = config.app.autoscaling;
  expect(text).toContain(`| easyflow-app | maxUnavailable 1 | ${minReplicas}..${maxReplicas} | 1..1 |`);
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
