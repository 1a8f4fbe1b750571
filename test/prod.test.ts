/**
 * What the guide asks of production, asserted on dist/prod's objects one item at a time. The values
 * a team tunes (replicas, resources, hosts, schedules) are read from config/prod.yaml, so changing one
 * there stays green; what the code decides (ports, probes, names, rules) is asserted as such.
 */
import { load } from 'js-yaml';
import { SECRET_KEYS } from '../lib/workloads/app-secrets';
import { imageReference } from '../lib/platform/image';
import { ENVIRONMENTS, allOf, configOf, filesOf, find, manifestsOf } from './helpers';
import { prodWithStatefulSet } from './charts';

const prod = manifestsOf('prod');
const config = configOf('prod');
/** The issuer an environment's certificate comes from: its config's, else letsencrypt-prod for prod only. */
const issuerOf = (env: string) =>
  configOf(env).ingress.clusterIssuer ?? (env === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging');
const container = (workload: any, name: string): any =>
  workload.spec.template.spec.containers.find((c: { name: string }) => c.name === name);

test.each(ENVIRONMENTS)('%s: one Namespace, the one its config names', (env) => {
  expect(allOf(manifestsOf(env), 'Namespace').map((n) => [n.metadata.name, n.metadata.namespace])).toEqual([
    [configOf(env).namespace, undefined],
  ]);
});

describe('settings and secrets', () => {
  test('easyflow-config holds the non-secret settings', () => {
    expect(find(prod, 'ConfigMap', 'easyflow-config').data).toEqual({
      ENVIRONMENT: 'prod',
      LOG_LEVEL: config.app.logLevel,
      WORKERS: String(config.app.workers),
    });
  });

  test('no Secret is synthesized and no secret value appears anywhere in dist/', () => {
    for (const env of ENVIRONMENTS) {
      expect(allOf(manifestsOf(env), 'Secret')).toEqual([]);
      const text = [...filesOf(env).values()].join('\n');
      expect(text).not.toMatch(/postgres:[^$@\s]+@/);
      expect(text).not.toMatch(/redis:\/\/:[^$@\s]+@/);
      // The only password entries are references: an ExternalSecret template placeholder.
      for (const line of text.match(/password:.*$/gim) ?? []) expect(line).toMatch(/password: "\{\{ \.password \}\}"$/);
    }
  });

  test('the app reads easyflow-config and the keys of easyflow-secrets it needs, and builds its URLs from secret references', () => {
    const app = container(find(prod, 'Deployment', 'easyflow-app'), 'app');
    expect(app.envFrom).toEqual([{ configMapRef: { name: 'easyflow-config' } }]);
    const fromSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key } } });
    expect(app.env).toEqual([
      fromSecret('SECRET_KEY'),
      fromSecret('OPENAI_API_KEY'),
      fromSecret('TELEGRAM_BOT_TOKEN'),
      {
        name: 'DATABASE_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'DATABASE_PASSWORD' } },
      },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'REDIS_PASSWORD' } } },
      { name: 'DATABASE_URL', value: 'postgresql+asyncpg://easyflow:$(DATABASE_PASSWORD)@postgres-rw:5432/easyflow' },
      {
        name: 'DATABASE_READ_URL',
        value: 'postgresql+asyncpg://easyflow:$(DATABASE_PASSWORD)@postgres-ro:5432/easyflow',
      },
      { name: 'REDIS_URL', value: 'redis://:$(REDIS_PASSWORD)@redis:6379/0' },
    ]);
  });

  test('easyflow-secrets is filled by an ExternalSecret mapping every key', () => {
    const es = find(prod, 'ExternalSecret', 'easyflow-secrets');
    expect(es.spec.target.name).toBe('easyflow-secrets');
    expect(es.spec.data.map((d: { secretKey: string }) => d.secretKey)).toEqual([...SECRET_KEYS]);
  });
});

describe('PostgreSQL in prod: CloudNativePG, primary and replica', () => {
  const cluster = find(prod, 'Cluster', 'postgres');

  test('Cluster postgres: PostgreSQL 15, primary and replicas, data on persistent volumes, its resources', () => {
    expect(config.postgres.mode).toBe('cloudnativepg');
    expect(cluster.spec.instances).toBe(config.postgres.mode === 'cloudnativepg' && config.postgres.instances);
    expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
    expect(cluster.spec.imageName).toBe(config.postgres.image);
    expect(cluster.spec.imageName).toMatch(/postgresql:15\.\d+(@sha256:[a-f0-9]{64})?$/);
    expect(cluster.spec.storage.size).toBe(config.postgres.storage.size);
    expect(cluster.spec.resources).toEqual(config.postgres.resources);
  });

  test('the app writes through postgres-rw and reads through postgres-ro', () => {
    const env = container(find(prod, 'Deployment', 'easyflow-app'), 'app').env;
    expect(env).toContainEqual({
      name: 'DATABASE_URL',
      value: 'postgresql+asyncpg://easyflow:$(DATABASE_PASSWORD)@postgres-rw:5432/easyflow',
    });
    expect(env).toContainEqual({
      name: 'DATABASE_READ_URL',
      value: 'postgresql+asyncpg://easyflow:$(DATABASE_PASSWORD)@postgres-ro:5432/easyflow',
    });
  });
});

describe('PostgreSQL in the StatefulSet mode (dev, or any environment that chooses it)', () => {
  const manifests = prodWithStatefulSet();
  const sts = find(manifests, 'StatefulSet', 'postgres');
  const pg = container(sts, 'postgres');

  test('StatefulSet postgres, PostgreSQL 15, data on a persistent volume', () => {
    expect(sts.spec.serviceName).toBe('postgres');
    expect(sts.spec.replicas).toBe(1);
    expect(pg.image).toMatch(/postgres:15\.\d+/);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(config.postgres.storage.size);
    expect(pg.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
  });

  test('pg_isready probes and the configured resources', () => {
    for (const probe of [pg.readinessProbe, pg.livenessProbe, pg.startupProbe]) {
      expect(probe.exec.command[0]).toBe('pg_isready');
    }
    expect(pg.resources).toEqual(config.postgres.resources);
  });

  test('Service postgres on 5432, and no operator objects', () => {
    const svc = find(manifests, 'Service', 'postgres');
    expect(svc.spec.selector).toEqual({ app: 'postgres' });
    expect(svc.spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    expect(manifests.filter((m) => m.apiVersion.startsWith('postgresql.cnpg.io'))).toEqual([]);
  });

  test('the app writes to Service postgres and has no read-only URL', () => {
    const env = container(find(manifests, 'Deployment', 'easyflow-app'), 'app').env;
    expect(env.map((e: { name: string }) => e.name)).toEqual([
      'SECRET_KEY',
      'OPENAI_API_KEY',
      'TELEGRAM_BOT_TOKEN',
      'DATABASE_PASSWORD',
      'REDIS_PASSWORD',
      'DATABASE_URL',
      'REDIS_URL',
    ]);
  });
});

describe('Redis', () => {
  const sts = find(prod, 'StatefulSet', 'redis');
  const redis = container(sts, 'redis');

  test('StatefulSet redis with append-only persistence on a volume and a password', () => {
    expect(redis.image).toMatch(/redis:7\.\d+/);
    expect(redis.args).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.command.join(' ')).toContain('requirepass $REDIS_PASSWORD');
    expect(JSON.stringify(redis.args)).not.toContain('PASSWORD');
    expect(redis.env).toContainEqual({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'REDIS_PASSWORD' } },
    });
    expect(redis.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  });

  test('probes and the configured resources', () => {
    expect(redis.readinessProbe.exec.command.join(' ')).toContain('redis-cli');
    expect(redis.livenessProbe.exec.command.join(' ')).toContain('redis-cli');
    expect(redis.resources).toEqual(config.redis.resources);
  });

  test('Service redis on 6379', () => {
    expect(find(prod, 'Service', 'redis').spec.ports).toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' },
    ]);
  });
});

describe('the API', () => {
  const deployment = find(prod, 'Deployment', 'easyflow-app');
  const app = container(deployment, 'app');

  test('Deployment easyflow-app on port 8000 with the guide probes, the configured resources and image', () => {
    expect(app.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(app.livenessProbe).toMatchObject({
      httpGet: { path: '/health', port: 'http' },
      initialDelaySeconds: 30,
      periodSeconds: 30,
    });
    expect(app.readinessProbe).toMatchObject({
      httpGet: { path: '/health', port: 'http' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
    });
    expect(app.resources).toEqual(config.app.resources);
    expect(app.image).toBe(imageReference(config.image.repository, config.image.tag, config.image.digest));
  });

  test('replicas belong to the HPA', () => {
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test('Service easyflow-app-service: 80 to 8000', () => {
    const svc = find(prod, 'Service', 'easyflow-app-service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ app: 'easyflow-app' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('HPA easyflow-app-hpa: autoscaling/v2, the configured range and CPU and memory targets', () => {
    const hpa = find(prod, 'HorizontalPodAutoscaler', 'easyflow-app-hpa');
    const scaling = config.app.autoscaling;
    const target = (name: string, averageUtilization: number | undefined) => ({
      type: 'Resource',
      resource: { name, target: { type: 'Utilization', averageUtilization } },
    });
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'easyflow-app' },
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas,
      metrics: [
        target('cpu', scaling.targetCPUUtilizationPercent),
        target('memory', scaling.targetMemoryUtilizationPercent),
      ],
    });
  });
});

describe('Celery', () => {
  test('worker: the configured replicas running the guide command', () => {
    const worker = find(prod, 'Deployment', 'celery-worker');
    expect(worker.spec.replicas).toBe(config.celery.worker.replicas);
    expect(container(worker, 'worker').command).toEqual([
      'celery',
      '-A',
      'app.core.celery',
      'worker',
      '--loglevel=info',
      `--concurrency=${config.celery.worker.concurrency}`,
    ]);
  });

  test('beat can never run twice: exactly one replica, Recreate', () => {
    const beat = find(prod, 'Deployment', 'celery-beat');
    expect(beat.spec.replicas).toBe(1);
    expect(beat.spec.strategy).toEqual({ type: 'Recreate' });
    expect(container(beat, 'beat').command.slice(0, 4)).toEqual(['celery', '-A', 'app.core.celery', 'beat']);
  });
});

describe('edge (gateway-api)', () => {
  const gateway = find(prod, 'Gateway', 'easyflow-gateway');

  test('Gateway easyflow-gateway: the configured host and issuer, HTTPS with the TLS Secret, HTTP only to redirect (301)', () => {
    const { host, tlsSecretName } = config.ingress;
    expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuerOf('prod'));
    expect(gateway.spec.listeners.map((l: any) => [l.name, l.port, l.hostname])).toEqual([
      ['http', 80, host],
      ['https', 443, host],
    ]);
    expect(gateway.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: tlsSecretName }]);
    expect(find(prod, 'HTTPRoute', 'easyflow-https-redirect').spec.rules[0].filters[0].requestRedirect).toEqual({
      scheme: 'https',
      statusCode: 301,
    });
  });

  test('rate limits: the configured r/s per client IP on /api/ and, in their own bucket of the burst, on the webhooks', () => {
    const { rps, webhookBurst } = config.ingress.rateLimit!;
    for (const [name, requests] of [
      ['easyflow-api', rps],
      ['easyflow-webhook', webhookBurst],
    ] as const) {
      expect(find(prod, 'BackendTrafficPolicy', name).spec.rateLimit.local.rules[0]).toEqual({
        clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }],
        limit: { requests, unit: 'Second' },
      });
    }
  });

  test('no Ingress: the retired ingress-nginx is not used in prod', () => {
    expect(allOf(prod, 'Ingress')).toEqual([]);
  });
});

describe('backup', () => {
  const cron = find(prod, 'CronJob', 'postgres-backup');

  test('CronJob postgres-backup: on the configured schedule, never two at once', () => {
    expect(cron.spec.schedule).toBe(config.backup.schedule);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
  });

  test('pg_dump compressed onto backup-pvc, which is part of the output, with the configured retention', () => {
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const dump = pod.initContainers.find((c: { name: string }) => c.name === 'pg-dump');
    expect(dump.command[2]).toContain('pg_dump');
    expect(dump.command[2]).toContain('gzip');
    expect(dump.env).toContainEqual({ name: 'RETENTION_DAYS', value: String(config.backup.retentionDays) });
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'backup-pvc' } });
    expect(find(prod, 'PersistentVolumeClaim', 'backup-pvc').spec.resources.requests.storage).toBe(
      config.backup.storage.size,
    );
  });

  test('each verified archive then goes to S3, as the guide does, with credentials from the store', () => {
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(['pg-dump']);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['s3-upload']);
    const upload = pod.containers[0];
    expect(upload.env).toContainEqual({ name: 'S3_PREFIX', value: 'database/' });
    expect(upload.envFrom).toEqual([{ secretRef: { name: 'easyflow-backup-s3' } }]);
    const es = find(prod, 'ExternalSecret', 'easyflow-backup-s3').spec;
    expect(es.data.map((d: any) => [d.secretKey, d.remoteRef])).toEqual([
      ['AWS_ACCESS_KEY_ID', { key: 'easyflow/prod', property: 'BACKUP_AWS_ACCESS_KEY_ID' }],
      ['AWS_SECRET_ACCESS_KEY', { key: 'easyflow/prod', property: 'BACKUP_AWS_SECRET_ACCESS_KEY' }],
    ]);
  });
});

describe('monitoring', () => {
  test('prometheus.yml has the guide three jobs with the right metrics paths', () => {
    const yml = find(prod, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(yml).toContain('job_name: easyflow-app');
    expect(yml).toContain(`- postgres-exporter.${config.namespace}.svc:9187`);
    expect(yml).toContain(`- redis-exporter.${config.namespace}.svc:9121`);
    expect(yml).toContain(`scrape_interval: ${config.monitoring.scrapeInterval}`);
    expect(yml.match(/job_name: \S+/g)).toEqual([
      'job_name: easyflow-app',
      'job_name: postgres',
      'job_name: redis',
      'job_name: cnpg',
    ]);
    expect(yml.match(/metrics_path: \/metrics/g)).toHaveLength(4);
  });

  test('the exporters the scrape config names exist as Services', () => {
    expect(find(prod, 'Service', 'postgres-exporter').spec.ports[0].port).toBe(9187);
    expect(find(prod, 'Service', 'redis-exporter').spec.ports[0].port).toBe(9121);
    expect(find(prod, 'Deployment', 'postgres-exporter').spec.replicas).toBe(1);
    expect(find(prod, 'Deployment', 'redis-exporter').spec.replicas).toBe(1);
  });

  test('ServiceMonitors for the app and both exporters', () => {
    expect(allOf(prod, 'ServiceMonitor').map((s) => s.spec.selector.matchLabels)).toEqual([
      { app: 'easyflow-app' },
      { app: 'postgres-exporter' },
      { app: 'redis-exporter' },
    ]);
  });

  test('the Grafana dashboard has the guide three panels and the sidecar label', () => {
    const cm = find(prod, 'ConfigMap', 'easyflow-grafana-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['easyflow.json']);
    const titles = dashboard.panels.map((p: { title: string }) => p.title);
    expect(titles.slice(0, 3)).toEqual(['API Response Time', 'Message Processing Rate', 'AI API Calls']);
    expect(titles).toEqual(
      expect.arrayContaining([
        'HTTP 5xx Ratio',
        'PostgreSQL Connections',
        'Redis Memory',
        'Celery Queue Length',
        'Hours Since Last Successful Backup',
      ]),
    );
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'namespace']);
    expect(dashboard.panels[2].targets[0].legendFormat).toBe('{{provider}}');
  });
});

describe.each(ENVIRONMENTS)('%s: what its config asks for', (env) => {
  const manifests = manifestsOf(env);
  const gateway = find(manifests, 'Gateway', 'easyflow-gateway');

  test('its own host, and its own issuer (the default follows the environment name)', () => {
    expect(gateway.spec.listeners.map((l: any) => l.hostname)).toEqual([
      configOf(env).ingress.host,
      configOf(env).ingress.host,
    ]);
    expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuerOf(env));
  });

  test('its own HPA range and app resources', () => {
    const { autoscaling, resources } = configOf(env).app;
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'easyflow-app-hpa').spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([autoscaling.minReplicas, autoscaling.maxReplicas]);
    expect(container(find(manifests, 'Deployment', 'easyflow-app'), 'app').resources).toEqual(resources);
  });

  test('a PodDisruptionBudget only for workloads that run more than one pod', () => {
    const hpaMin = find(manifests, 'HorizontalPodAutoscaler', 'easyflow-app-hpa').spec.minReplicas;
    for (const pdb of allOf(manifests, 'PodDisruptionBudget')) {
      const app = pdb.spec.selector.matchLabels.app;
      const workload = manifests.find(
        (m) => ['Deployment', 'StatefulSet'].includes(m.kind) && (m as any).spec.selector.matchLabels.app === app,
      ) as any;
      expect([pdb.metadata.name, (workload.spec.replicas ?? hpaMin) > 1]).toEqual([pdb.metadata.name, true]);
    }
  });
});

test('each file is plain YAML that reads back to exactly its object', () => {
  const files = filesOf('prod');
  for (const m of prod) {
    expect(load(files.get(`${m.kind.toLowerCase()}-${m.metadata.name}.yaml`)!)).toEqual(m);
  }
});
