/** The policy holds for every object of every environment, and each rule catches what it must. */
import { checkPolicy } from '../../lib/validation/policy';
import type { Manifest } from '../../lib/validation/schema';
import {
  ENVIRONMENTS,
  configOf,
  environmentChart,
  find,
  fixtureChart,
  manifestsOf,
  prodWithStatefulSet,
} from '../helpers';

test.each(ENVIRONMENTS)('%s: every object follows every rule', (env) => {
  expect(checkPolicy(manifestsOf(env))).toEqual([]);
});

/** prod with one object changed by `edit` (a deep copy, so other tests see the original). */
function prodWith(kind: string, name: string, edit: (o: any) => void): Manifest[] {
  const copy = structuredClone(manifestsOf('prod')) as Manifest[];
  edit(find(copy, kind, name));
  return copy;
}

const appPod = (d: any) => d.spec.template.spec;

describe('each rule names the object, the field and the rule', () => {
  test.each<[string, string, string, (o: any) => void, object]>([
    [
      'a root pod',
      'Deployment',
      'easyflow-app',
      (d) => delete appPod(d).securityContext.runAsNonRoot,
      {
        object: 'Deployment/easyflow-app',
        field: 'spec.template.spec.securityContext.runAsNonRoot',
        rule: 'policy/run-as-non-root',
      },
    ],
    [
      'uid 0',
      'StatefulSet',
      'redis',
      (d) => (appPod(d).securityContext.runAsUser = 0),
      {
        object: 'StatefulSet/redis',
        field: 'spec.template.spec.securityContext.runAsUser',
        rule: 'policy/run-as-non-root',
      },
    ],
    [
      'privilege escalation',
      'Deployment',
      'celery-worker',
      (d) => (appPod(d).containers[0].securityContext.allowPrivilegeEscalation = true),
      {
        object: 'Deployment/celery-worker',
        field: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
        rule: 'policy/privilege-escalation',
      },
    ],
    [
      'kept capabilities',
      'StatefulSet',
      'redis',
      (d) => (appPod(d).containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }),
      {
        object: 'StatefulSet/redis',
        field: 'spec.template.spec.containers[0].securityContext.capabilities.drop',
        rule: 'policy/capabilities',
      },
    ],
    [
      'a writable root filesystem',
      'Deployment',
      'postgres-exporter',
      (d) => (appPod(d).containers[0].securityContext.readOnlyRootFilesystem = false),
      {
        object: 'Deployment/postgres-exporter',
        field: 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
        rule: 'policy/read-only-root',
      },
    ],
    [
      'no seccomp profile',
      'CronJob',
      'postgres-backup',
      (c) => delete c.spec.jobTemplate.spec.template.spec.securityContext.seccompProfile,
      {
        object: 'CronJob/postgres-backup',
        field: 'spec.jobTemplate.spec.template.spec.securityContext.seccompProfile.type',
        rule: 'policy/seccomp',
      },
    ],
    [
      'the host network',
      'Deployment',
      'easyflow-app',
      (d) => (appPod(d).hostNetwork = true),
      { object: 'Deployment/easyflow-app', field: 'spec.template.spec.hostNetwork', rule: 'policy/host-namespaces' },
    ],
    [
      'a hostPath volume',
      'Deployment',
      'easyflow-app',
      (d) => appPod(d).volumes.push({ name: 'h', hostPath: { path: '/' } }),
      { object: 'Deployment/easyflow-app', field: 'spec.template.spec.volumes[1].hostPath', rule: 'policy/host-path' },
    ],
    [
      'a missing memory limit',
      'Deployment',
      'celery-beat',
      (d) => delete appPod(d).containers[0].resources.limits,
      {
        object: 'Deployment/celery-beat',
        field: 'spec.template.spec.containers[0].resources.limits.memory',
        rule: 'policy/resources',
      },
    ],
    [
      'a missing liveness probe',
      'Deployment',
      'redis-exporter',
      (d) => delete appPod(d).containers[0].livenessProbe,
      {
        object: 'Deployment/redis-exporter',
        field: 'spec.template.spec.containers[0].livenessProbe',
        rule: 'policy/probes',
      },
    ],
    [
      'the default service account',
      'Deployment',
      'easyflow-app',
      (d) => (appPod(d).serviceAccountName = 'default'),
      {
        object: 'Deployment/easyflow-app',
        field: 'spec.template.spec.serviceAccountName',
        rule: 'policy/service-account',
      },
    ],
    [
      'a mounted API token',
      'Deployment',
      'easyflow-app',
      (d) => (appPod(d).automountServiceAccountToken = true),
      {
        object: 'Deployment/easyflow-app',
        field: 'spec.template.spec.automountServiceAccountToken',
        rule: 'policy/service-account',
      },
    ],
    [
      'an image on latest',
      'Deployment',
      'easyflow-app',
      (d) => (appPod(d).containers[0].image = 'ghcr.io/easyflow/easyflow:latest'),
      {
        object: 'Deployment/easyflow-app',
        field: 'spec.template.spec.containers[0].image',
        rule: 'policy/pinned-image',
      },
    ],
    [
      'an untagged image',
      'StatefulSet',
      'redis',
      (d) => (appPod(d).containers[0].image = 'redis'),
      { object: 'StatefulSet/redis', field: 'spec.template.spec.containers[0].image', rule: 'policy/pinned-image' },
    ],
    [
      'a password as a literal',
      'Deployment',
      'easyflow-app',
      (d) => appPod(d).containers[0].env.push({ name: 'DATABASE_PASSWORD', value: 'hunter2' }),
      {
        object: 'Deployment/easyflow-app',
        field: 'spec.template.spec.containers[0].env[8].value',
        rule: 'policy/no-secret-values',
      },
    ],
    [
      'a construct-path selector',
      'Deployment',
      'easyflow-app',
      (d) => (d.spec.selector.matchLabels = { 'cdk8s.io/metadata.addr': 'test-c8abcdef' }),
      { object: 'Deployment/easyflow-app', field: 'spec.selector.matchLabels', rule: 'policy/stable-selector' },
    ],
    [
      'a Service selecting a version label',
      'Service',
      'redis',
      (s) => (s.spec.selector = { app: 'redis', 'app.kubernetes.io/version': '7' }),
      { object: 'Service/redis', field: 'spec.selector', rule: 'policy/stable-selector' },
    ],
    [
      'a claim GitOps may prune',
      'PersistentVolumeClaim',
      'backup-pvc',
      (p) => delete p.metadata.annotations,
      { object: 'PersistentVolumeClaim/backup-pvc', field: 'metadata.annotations', rule: 'policy/keep-on-prune' },
    ],
    [
      'claims deleted with the StatefulSet',
      'StatefulSet',
      'redis',
      (s) => (s.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = 'Delete'),
      {
        object: 'StatefulSet/redis',
        field: 'spec.persistentVolumeClaimRetentionPolicy',
        rule: 'policy/keep-on-prune',
      },
    ],
    [
      'a database Cluster GitOps may prune',
      'Cluster',
      'postgres',
      (c) => delete c.metadata.annotations['kustomize.toolkit.fluxcd.io/prune'],
      { object: 'Cluster/postgres', field: 'metadata.annotations', rule: 'policy/keep-on-prune' },
    ],
    [
      'a missing recommended label',
      'ConfigMap',
      'easyflow-config',
      (c) => delete c.metadata.labels['app.kubernetes.io/part-of'],
      {
        object: 'ConfigMap/easyflow-config',
        field: 'metadata.labels.app.kubernetes.io/part-of',
        rule: 'policy/labels',
      },
    ],
    [
      'a namespace that does not enforce restricted',
      'Namespace',
      'easyflow',
      (n) => (n.metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline'),
      {
        object: 'Namespace/easyflow',
        field: 'metadata.labels.pod-security.kubernetes.io/enforce',
        rule: 'policy/pod-security-admission',
      },
    ],
    [
      'replicas next to an HPA',
      'Deployment',
      'easyflow-app',
      (d) => (d.spec.replicas = 3),
      { object: 'Deployment/easyflow-app', field: 'spec.replicas', rule: 'policy/hpa-owns-replicas' },
    ],
    [
      'a rollout that may drop below the minimum',
      'Deployment',
      'celery-worker',
      (d) => (d.spec.strategy.rollingUpdate.maxUnavailable = 1),
      {
        object: 'Deployment/celery-worker',
        field: 'spec.strategy.rollingUpdate.maxUnavailable',
        rule: 'policy/rolling-update',
      },
    ],
  ])('%s', (_case, kind, name, edit, expected) => {
    expect(checkPolicy(prodWith(kind, name, edit))).toContainEqual(expect.objectContaining(expected));
  });

  test('a workload without a PodDisruptionBudget', () => {
    const manifests = manifestsOf('prod').filter(
      (m) => !(m.kind === 'PodDisruptionBudget' && m.metadata.name === 'celery-worker'),
    );
    expect(checkPolicy(manifests)).toContainEqual({
      object: 'Deployment/celery-worker',
      field: 'metadata.name',
      rule: 'policy/disruption-budget',
      message: 'runs 2 replicas but no PodDisruptionBudget selects app=celery-worker',
    });
  });

  test('a workload no NetworkPolicy selects', () => {
    const manifests = manifestsOf('prod').filter((m) => m.metadata.name !== 'allow-celery-beat');
    expect(checkPolicy(manifests)).toContainEqual({
      object: 'Deployment/celery-beat',
      field: 'spec.template.metadata.labels.app',
      rule: 'policy/network-least-privilege',
      message: 'no NetworkPolicy selects app=celery-beat',
    });
  });

  test('a namespace without default deny', () => {
    const manifests = manifestsOf('prod').filter((m) => m.metadata.name !== 'default-deny-all');
    expect(checkPolicy(manifests)).toContainEqual(
      expect.objectContaining({ object: 'Namespace/easyflow', rule: 'policy/network-default-deny' }),
    );
  });

  test('a Secret with values', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { A: 'eA==' } };
    expect(checkPolicy([secret])).toContainEqual(
      expect.objectContaining({ object: 'Secret/s', field: 'data', rule: 'policy/no-secret-values' }),
    );
  });

  test('two workloads sharing a ServiceAccount', () => {
    const manifests = prodWith('Deployment', 'celery-beat', (d) => (appPod(d).serviceAccountName = 'celery-worker'));
    expect(checkPolicy(manifests)).toContainEqual({
      object: 'Deployment/celery-beat',
      field: 'spec.template.spec.serviceAccountName',
      rule: 'policy/service-account',
      message: 'celery-worker is already used by Deployment/celery-worker',
    });
  });
});

describe('rules a schema cannot catch', () => {
  test.each<[string, string, string, (o: any) => void, object]>([
    [
      'a PodDisruptionBudget with maxUnavailable 0',
      'PodDisruptionBudget',
      'celery-worker',
      (p) => (p.spec.maxUnavailable = 0),
      {
        field: 'spec.maxUnavailable',
        rule: 'policy/drainable',
        message: 'is 0: no node running these pods could ever be drained',
      },
    ],
    [
      'a production environment with a single database instance',
      'Cluster',
      'postgres',
      (c) => (c.spec.instances = 1),
      {
        field: 'spec.instances',
        rule: 'policy/replicated-database',
        message: 'a production environment (easyflow.dev/tier) needs a database of at least 2 instances',
      },
    ],
    [
      'an egress port the selected pods do not listen on',
      'NetworkPolicy',
      'allow-postgres-exporter',
      (p) => (p.spec.egress[0].ports[0].port = 5433),
      {
        field: 'spec.egress[0].ports[0].port',
        rule: 'policy/network-ports',
        message: '5433 is no port of the pods this rule selects (they listen on 5432, 8000, 9187)',
      },
    ],
  ])('%s', (_case, kind, name, edit, expected) => {
    expect(checkPolicy(prodWith(kind, name, edit))).toContainEqual({ object: `${kind}/${name}`, ...expected });
  });

  test.each<[string, string, string, (o: any) => void, string, string]>([
    [
      'PostgreSQL with less CPU requested than its limit',
      'Cluster',
      'postgres',
      (c) => (c.spec.resources.requests.cpu = '10m'),
      'spec.resources',
      'PostgreSQL',
    ],
    [
      'PostgreSQL without a CPU limit',
      'Cluster',
      'postgres',
      (c) => delete c.spec.resources.limits.cpu,
      'spec.resources',
      'PostgreSQL',
    ],
    [
      'a Barman Cloud sidecar with more memory allowed than requested',
      'ObjectStore',
      'postgres-backup-store',
      (o) => (o.spec.instanceSidecarConfiguration.resources.limits.memory = '64Gi'),
      'spec.instanceSidecarConfiguration.resources',
      'the barman-cloud.cloudnative-pg.io sidecar of Cluster/postgres',
    ],
  ])('production: %s is not Guaranteed QoS', (_case, kind, name, edit, field, what) => {
    expect(checkPolicy(prodWith(kind, name, edit))).toContainEqual({
      object: `${kind}/${name}`,
      field,
      rule: 'policy/guaranteed-database',
      message: `a production environment (easyflow.dev/tier) gives the database Guaranteed QoS: ${what} must request exactly its cpu and memory limits`,
    });
  });

  test('production: every container of the database pods requests exactly its limits', () => {
    const cluster = find(manifestsOf('prod'), 'Cluster', 'postgres').spec;
    const store = find(manifestsOf('prod'), 'ObjectStore', 'postgres-backup-store').spec;
    for (const r of [cluster.resources, store.instanceSidecarConfiguration.resources]) {
      expect(r.requests).toEqual(r.limits);
    }
  });

  test.each<[string, string, string, (o: any) => void, string]>([
    [
      'a container image by tag only',
      'Deployment',
      'redis-exporter',
      (d) => (d.spec.template.spec.containers[0].image = d.spec.template.spec.containers[0].image.split('@')[0]),
      'spec.template.spec.containers[0].image',
    ],
    [
      'an init container image by tag only',
      'CronJob',
      'postgres-backup',
      (c) => {
        const pod = c.spec.jobTemplate.spec.template.spec;
        pod.initContainers = [{ ...pod.containers[0], name: 'wait', image: 'docker.io/library/busybox:1.37' }];
      },
      'spec.jobTemplate.spec.template.spec.initContainers[0].image',
    ],
    [
      'the database by tag only',
      'Cluster',
      'postgres',
      (c) => (c.spec.imageName = 'ghcr.io/cloudnative-pg/postgresql:15.19'),
      'spec.imageName',
    ],
  ])('production: %s is refused', (_case, kind, name, edit, field) => {
    expect(checkPolicy(prodWith(kind, name, edit))).toContainEqual({
      object: `${kind}/${name}`,
      field,
      rule: 'policy/image-digest',
      message: expect.stringMatching(
        /^"[^"@]+" has no digest: a production environment \(easyflow\.dev\/tier\) pulls every image by tag@sha256:<digest>$/,
      ),
    });
  });

  test('a non-production environment may pull images by tag', () => {
    expect(checkPolicy(manifestsOf('dev')).filter((v) => v.rule === 'policy/image-digest')).toEqual([]);
    expect(configOf('dev').tier).not.toBe('production');
  });

  test('a non-production environment may give the database Burstable QoS', () => {
    const chart = environmentChart('prod', (c) => {
      c.tier = 'non-production';
      c.postgres.resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
    });
    expect(checkPolicy(chart.toJson()).filter((v) => v.rule === 'policy/guaranteed-database')).toEqual([]);
  });

  test('a PodDisruptionBudget whose minAvailable is every replica', () => {
    const replicas = find(manifestsOf('prod'), 'Deployment', 'celery-worker').spec.replicas;
    const all = prodWith('PodDisruptionBudget', 'celery-worker', (p) => {
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = replicas;
    });
    expect(checkPolicy(all)).toContainEqual({
      object: 'PodDisruptionBudget/celery-worker',
      field: 'spec.minAvailable',
      rule: 'policy/drainable',
      message: `is ${replicas} of ${replicas} replicas: no node running these pods could ever be drained`,
    });
  });

  test('production with the single StatefulSet database; a non-production environment may run one', () => {
    expect(checkPolicy(prodWithStatefulSet())).toContainEqual(
      expect.objectContaining({ object: 'StatefulSet/postgres', rule: 'policy/replicated-database' }),
    );
    const nonProduction = fixtureChart('minimal').toJson() as Manifest[];
    expect(checkPolicy(nonProduction).filter((v) => v.rule === 'policy/replicated-database')).toEqual([]);
  });
});

describe('the edge', () => {
  test('a Gateway without prune protection (its address is what DNS points at)', () => {
    const manifests = prodWith('Gateway', 'easyflow-gateway', (g) => {
      delete g.metadata.annotations['argocd.argoproj.io/sync-options'];
    });
    expect(checkPolicy(manifests)).toContainEqual(
      expect.objectContaining({
        object: 'Gateway/easyflow-gateway',
        field: 'metadata.annotations',
        rule: 'policy/keep-on-prune',
      }),
    );
  });

  test.each<[string, string, string, (o: any) => void, object]>([
    [
      'an HTTPRoute on a listener the Gateway lacks',
      'HTTPRoute',
      'easyflow-api',
      (r) => (r.spec.parentRefs[0].sectionName = 'https-internal'),
      { field: 'spec.parentRefs[0].sectionName', message: 'Gateway/easyflow-gateway has no section https-internal' },
    ],
    [
      'an HTTPRoute to a Service port that does not exist',
      'HTTPRoute',
      'easyflow-api',
      (r) => (r.spec.rules[0].backendRefs[0].port = 8000),
      { field: 'spec.rules[0].backendRefs[0].port', message: 'Service/easyflow-app-service has no port 8000' },
    ],
    [
      'a BackendTrafficPolicy targeting a route that is not there',
      'BackendTrafficPolicy',
      'easyflow-api',
      (p) => (p.spec.targetRefs[0].name = 'easyflow-apii'),
      { field: 'spec.targetRefs[0]', message: 'HTTPRoute/easyflow-apii is not in this environment' },
    ],
  ])('%s', (_case, kind, name, edit, expected) => {
    expect(checkPolicy(prodWith(kind, name, edit))).toEqual([
      { object: `${kind}/${name}`, rule: 'policy/edge-references', ...expected },
    ]);
  });
});
