/** The policy holds for every object of every environment, and each rule catches what it must. */
import { IMAGE_DIGESTS_LABEL } from '../../lib/platform/labels';
import { checkPolicy } from '../../lib/validation/policy';
import type { Manifest } from '../../lib/validation/schema';
import { ENVIRONMENTS, find, manifestsOf } from '../helpers';
import { prodWithStatefulSet } from '../charts';
import { environmentChart, fixtureChart } from '../environment-charts';

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
      'no seccomp profile in the pod nor in every container',
      'CronJob',
      'postgres-backup',
      (c) => {
        const spec = c.spec.jobTemplate.spec.template.spec;
        delete spec.securityContext.seccompProfile;
        delete spec.containers[0].securityContext.seccompProfile;
      },
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

  test("an object outside the environment's Namespace", () => {
    const manifests = prodWith('ConfigMap', 'easyflow-config', (c) => (c.metadata.namespace = 'kube-system'));
    expect(checkPolicy(manifests)).toContainEqual({
      object: 'ConfigMap/easyflow-config',
      field: 'metadata.namespace',
      rule: 'policy/own-namespace',
      message: `is "kube-system" but every object of this environment belongs in its Namespace ${manifestsOf('prod').find((m) => m.kind === 'Namespace')!.metadata.name}`,
    });
  });

  test('a URL with credentials in any field of any object', () => {
    const manifests = prodWith('ConfigMap', 'easyflow-config', (c) => {
      c.data.SENTRY_DSN = 'https://key:secret@sentry.example.com/1';
    });
    expect(checkPolicy(manifests)).toContainEqual({
      object: 'ConfigMap/easyflow-config',
      field: 'data.SENTRY_DSN',
      rule: 'policy/no-credentials',
      message: 'holds a URL with credentials (https://***@); they belong in a Secret, never in a manifest',
    });
    const application = structuredClone(manifestsOf('gitops/argocd').find((m) => m.kind === 'Application')) as any;
    application.spec.source.repoURL = 'https://x-access-token:TOKEN@github.com/easyflow/deploy.git';
    expect(checkPolicy([application]).filter((v) => v.rule === 'policy/no-credentials')).toEqual([
      expect.objectContaining({ field: 'spec.source.repoURL' }),
    ]);
    const inList = prodWith('Deployment', 'easyflow-app', (d) => {
      appPod(d).containers[0].env = [
        { name: 'A', value: 'x' },
        { name: 'SENTRY_URL', value: 'https://u:p@s.example.com' },
      ];
    });
    expect(checkPolicy(inList).filter((v) => v.rule === 'policy/no-credentials')).toEqual([
      expect.objectContaining({ field: 'spec.template.spec.containers[0].env[1].value' }),
    ]);
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

/**
 * A rule that reads a field must fail when the field is absent, not only when it holds a wrong value:
 * `=== true` weakened to `!== false` passes every absent field. One row per field a rule requires.
 */
describe('an absent field is a violation, never a pass', () => {
  const container = (d: any) => appPod(d).containers[0];
  /** kind, name, the edit that removes the field, the field the violation names, the rule. */
  const ABSENT: Array<[string, string, (o: any) => void, string, string]> = [
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).securityContext.readOnlyRootFilesystem,
      'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'read-only-root',
    ],
    [
      'CronJob',
      'postgres-backup',
      (c) => delete c.spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem,
      'spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem',
      'read-only-root',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).securityContext.allowPrivilegeEscalation,
      'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
      'privilege-escalation',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).securityContext.capabilities,
      'spec.template.spec.containers[0].securityContext.capabilities.drop',
      'capabilities',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).securityContext,
      'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'read-only-root',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete appPod(d).securityContext.runAsUser,
      'spec.template.spec.securityContext.runAsUser',
      'run-as-non-root',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => {
        delete appPod(d).securityContext;
        for (const c of appPod(d).containers) delete c.securityContext.seccompProfile;
      },
      'spec.template.spec.securityContext.seccompProfile.type',
      'seccomp',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete appPod(d).serviceAccountName,
      'spec.template.spec.serviceAccountName',
      'service-account',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete appPod(d).automountServiceAccountToken,
      'spec.template.spec.automountServiceAccountToken',
      'service-account',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).resources.requests.cpu,
      'spec.template.spec.containers[0].resources.requests.cpu',
      'resources',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).resources,
      'spec.template.spec.containers[0].resources.requests.memory',
      'resources',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).readinessProbe,
      'spec.template.spec.containers[0].readinessProbe',
      'probes',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete container(d).image,
      'spec.template.spec.containers[0].image',
      'pinned-image',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete d.spec.template.metadata.labels['app.kubernetes.io/component'],
      'spec.template.metadata.labels.app.kubernetes.io/component',
      'labels',
    ],
    [
      'Deployment',
      'easyflow-app',
      (d) => delete d.spec.selector.matchLabels,
      'spec.selector.matchLabels',
      'stable-selector',
    ],
    [
      'Deployment',
      'celery-worker',
      (d) => delete d.spec.strategy,
      'spec.strategy.rollingUpdate.maxUnavailable',
      'rolling-update',
    ],
    [
      'ServiceAccount',
      'easyflow-app',
      (a) => delete a.automountServiceAccountToken,
      'automountServiceAccountToken',
      'service-account',
    ],
    [
      'StatefulSet',
      'redis',
      (s) => delete s.spec.persistentVolumeClaimRetentionPolicy,
      'spec.persistentVolumeClaimRetentionPolicy',
      'keep-on-prune',
    ],
    [
      'StatefulSet',
      'redis',
      (s) => delete s.spec.volumeClaimTemplates[0].metadata.annotations,
      'spec.volumeClaimTemplates[0].metadata.annotations',
      'keep-on-prune',
    ],
    [
      'Namespace',
      'easyflow',
      (n) => delete n.metadata.labels['pod-security.kubernetes.io/audit'],
      'metadata.labels.pod-security.kubernetes.io/audit',
      'pod-security-admission',
    ],
    ['ConfigMap', 'easyflow-config', (c) => delete c.metadata.name, 'metadata.name', 'explicit-name'],
  ];
  test.each(ABSENT.map(([kind, name, edit, field, rule]) => [kind, name, field, rule, edit] as const))(
    '%s/%s without %s fails %s',
    (kind, name, field, rule, edit) => {
      expect(checkPolicy(prodWith(kind, name, edit))).toContainEqual(
        expect.objectContaining({ field, rule: `policy/${rule}` }),
      );
    },
  );
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
    const manifests = prodWith(kind, name, edit);
    const labels = (manifests.find((m) => m.kind === 'Namespace')!.metadata as any).labels;
    // Digests required, whatever the committed prod says today.
    labels[IMAGE_DIGESTS_LABEL] = 'required';
    expect(checkPolicy(manifests)).toContainEqual({
      object: `${kind}/${name}`,
      field,
      rule: 'policy/image-digest',
      message: expect.stringMatching(
        /^"[^"@]+" has no digest: a production environment \(easyflow\.dev\/tier\) pulls every image by tag@sha256:<digest>$/,
      ),
    });
  });

  test('production with digests pending (the Namespace says so) may pull by tag until they are known', () => {
    const chart = environmentChart('prod', (c) => {
      c.tier = 'production';
      c.imageDigests = 'pending';
      delete c.image.digest;
    });
    const namespace = chart.toJson().find((m: any) => m.kind === 'Namespace');
    expect(namespace.metadata.labels[IMAGE_DIGESTS_LABEL]).toBe('pending');
    expect(checkPolicy(chart.toJson()).filter((v) => v.rule === 'policy/image-digest')).toEqual([]);
  });

  test('a non-production environment may pull images by tag', () => {
    const chart = environmentChart('prod', (c) => {
      c.tier = 'non-production';
      delete c.image.digest;
      c.redis.image = c.redis.image.replace(/@sha256:[0-9a-f]{64}$/, '');
    });
    const images = JSON.stringify(chart.toJson()).match(/"image":"[^"]*"/g) ?? [];
    expect(images.filter((i) => !i.includes('@sha256:'))).not.toEqual([]);
    expect(checkPolicy(chart.toJson()).filter((v) => v.rule === 'policy/image-digest')).toEqual([]);
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

/** A bare Pod that follows every rule: the app's pod template with an init and an ephemeral container. */
function compliantPod(): any {
  const d = structuredClone(find(manifestsOf('prod'), 'Deployment', 'easyflow-app'));
  const spec = d.spec.template.spec;
  const main = spec.containers[0];
  spec.initContainers = [
    { ...structuredClone(main), name: 'init', livenessProbe: undefined, readinessProbe: undefined },
  ];
  spec.ephemeralContainers = [
    { name: 'debug', image: main.image, securityContext: structuredClone(main.securityContext) },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...d.spec.template.metadata, name: 'probe', namespace: d.metadata.namespace },
    spec: JSON.parse(JSON.stringify(spec)),
  };
}

describe('the Pod Security Standards, restricted (baseline included), at every level', () => {
  test('the compliant pod passes', () => {
    expect(checkPolicy([compliantPod()])).toEqual([]);
  });

  const LEVELS = ['containers', 'initContainers', 'ephemeralContainers'];
  test.each<[string, (sc: any, c: any) => void, string, string]>([
    ['privileged', (sc) => (sc.privileged = true), 'securityContext.privileged', 'privileged'],
    [
      'privilege escalation',
      (sc) => (sc.allowPrivilegeEscalation = true),
      'securityContext.allowPrivilegeEscalation',
      'privilege-escalation',
    ],
    [
      'capabilities kept',
      (sc) => (sc.capabilities.drop = ['NET_RAW']),
      'securityContext.capabilities.drop',
      'capabilities',
    ],
    [
      'a capability added',
      (sc) => (sc.capabilities.add = ['SYS_ADMIN']),
      'securityContext.capabilities.add',
      'capabilities',
    ],
    ['an unmasked /proc', (sc) => (sc.procMount = 'Unmasked'), 'securityContext.procMount', 'proc-mount'],
    [
      'seccomp Unconfined',
      (sc) => (sc.seccompProfile = { type: 'Unconfined' }),
      'securityContext.seccompProfile.type',
      'seccomp',
    ],
    [
      'an SELinux type',
      (sc) => (sc.seLinuxOptions = { type: 'spc_t' }),
      'securityContext.seLinuxOptions.type',
      'selinux',
    ],
    [
      'an SELinux user',
      (sc) => (sc.seLinuxOptions = { user: 'root' }),
      'securityContext.seLinuxOptions.user',
      'selinux',
    ],
    [
      'an SELinux role',
      (sc) => (sc.seLinuxOptions = { role: 'sysadm_r' }),
      'securityContext.seLinuxOptions.role',
      'selinux',
    ],
    [
      'AppArmor Unconfined',
      (sc) => (sc.appArmorProfile = { type: 'Unconfined' }),
      'securityContext.appArmorProfile.type',
      'apparmor',
    ],
    [
      'a Windows hostProcess',
      (sc) => (sc.windowsOptions = { hostProcess: true }),
      'securityContext.windowsOptions.hostProcess',
      'host-process',
    ],
    ['uid 0', (sc) => (sc.runAsUser = 0), 'securityContext.runAsUser', 'run-as-non-root'],
    ['runAsNonRoot false', (sc) => (sc.runAsNonRoot = false), 'securityContext.runAsNonRoot', 'run-as-non-root'],
    [
      'a writable root filesystem',
      (sc) => (sc.readOnlyRootFilesystem = false),
      'securityContext.readOnlyRootFilesystem',
      'read-only-root',
    ],
    [
      'a host port',
      (_sc, c) => (c.ports = [{ containerPort: 8000, hostPort: 8000 }]),
      'ports[0].hostPort',
      'host-ports',
    ],
  ])('container level, %s', (_case, edit, field, rule) => {
    for (const level of LEVELS) {
      const pod = compliantPod();
      const c = pod.spec[level][0];
      edit(c.securityContext, c);
      expect(checkPolicy([pod])).toContainEqual(
        expect.objectContaining({ object: 'Pod/probe', field: `spec.${level}[0].${field}`, rule: `policy/${rule}` }),
      );
    }
  });

  test.each<[string, (pod: any) => void, string, string]>([
    ['the host network', (p) => (p.spec.hostNetwork = true), 'spec.hostNetwork', 'host-namespaces'],
    ['the host PID namespace', (p) => (p.spec.hostPID = true), 'spec.hostPID', 'host-namespaces'],
    ['the host IPC namespace', (p) => (p.spec.hostIPC = true), 'spec.hostIPC', 'host-namespaces'],
    [
      'runAsNonRoot false',
      (p) => (p.spec.securityContext.runAsNonRoot = false),
      'spec.securityContext.runAsNonRoot',
      'run-as-non-root',
    ],
    ['uid 0', (p) => (p.spec.securityContext.runAsUser = 0), 'spec.securityContext.runAsUser', 'run-as-non-root'],
    [
      'seccomp Unconfined',
      (p) => (p.spec.securityContext.seccompProfile = { type: 'Unconfined' }),
      'spec.securityContext.seccompProfile.type',
      'seccomp',
    ],
    [
      'an SELinux type',
      (p) => (p.spec.securityContext.seLinuxOptions = { type: 'spc_t' }),
      'spec.securityContext.seLinuxOptions.type',
      'selinux',
    ],
    [
      'an SELinux user',
      (p) => (p.spec.securityContext.seLinuxOptions = { user: 'root' }),
      'spec.securityContext.seLinuxOptions.user',
      'selinux',
    ],
    [
      'an SELinux role',
      (p) => (p.spec.securityContext.seLinuxOptions = { role: 'sysadm_r' }),
      'spec.securityContext.seLinuxOptions.role',
      'selinux',
    ],
    [
      'AppArmor Unconfined',
      (p) => (p.spec.securityContext.appArmorProfile = { type: 'Unconfined' }),
      'spec.securityContext.appArmorProfile.type',
      'apparmor',
    ],
    [
      'an AppArmor annotation',
      (p) => (p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }),
      'metadata.annotations.container.apparmor.security.beta.kubernetes.io/app',
      'apparmor',
    ],
    [
      'a Windows hostProcess',
      (p) => (p.spec.securityContext.windowsOptions = { hostProcess: true }),
      'spec.securityContext.windowsOptions.hostProcess',
      'host-process',
    ],
    [
      'an unsafe sysctl',
      (p) => (p.spec.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]),
      'spec.securityContext.sysctls[0].name',
      'sysctls',
    ],
    [
      'a hostPath volume',
      (p) => p.spec.volumes.push({ name: 'root', hostPath: { path: '/' } }),
      `spec.volumes[1].hostPath`,
      'host-path',
    ],
    [
      'an nfs volume',
      (p) => p.spec.volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/' } }),
      'spec.volumes[1].nfs',
      'volume-types',
    ],
    [
      'a gitRepo volume',
      (p) => p.spec.volumes.push({ name: 'g', gitRepo: { repository: 'https://example.com/x.git' } }),
      'spec.volumes[1].gitRepo',
      'volume-types',
    ],
  ])('pod level, %s', (_case, edit, field, rule) => {
    const pod = compliantPod();
    edit(pod);
    expect(checkPolicy([pod])).toContainEqual(
      expect.objectContaining({ object: 'Pod/probe', field, rule: `policy/${rule}` }),
    );
  });

  test('the safe sysctls, Localhost profiles and the allowed SELinux types pass', () => {
    const pod = compliantPod();
    pod.spec.securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }];
    pod.spec.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
    pod.spec.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c1,c2' };
    pod.spec.containers[0].securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'p' };
    pod.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' };
    expect(checkPolicy([pod])).toEqual([]);
  });
});

describe('every pod, whatever holds it', () => {
  /** The app's pod template in an object of `kind`, its pod spec at `at`. */
  function holding(kind: string, place: (template: any) => any): any {
    const template = structuredClone(compliantPod());
    delete template.apiVersion;
    delete template.kind;
    delete template.spec.ephemeralContainers;
    return { apiVersion: 'example.com/v1', kind, metadata: { ...template.metadata, name: 'x' }, ...place(template) };
  }

  test('the ReplicaSet of issue 19: privileged, host network and PID, hostPath / and :latest', () => {
    const rs = holding('ReplicaSet', (t) => ({
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: t },
    }));
    const spec = rs.spec.template.spec;
    spec.hostNetwork = true;
    spec.hostPID = true;
    spec.volumes.push({ name: 'root', hostPath: { path: '/' } });
    spec.containers[0].securityContext.privileged = true;
    spec.containers[0].image = 'ghcr.io/easyflow/easyflow:latest';
    expect(checkPolicy([rs]).map((v) => [v.field, v.rule])).toEqual(
      expect.arrayContaining([
        ['spec.template.spec.hostNetwork', 'policy/host-namespaces'],
        ['spec.template.spec.hostPID', 'policy/host-namespaces'],
        ['spec.template.spec.volumes[1].hostPath', 'policy/host-path'],
        ['spec.template.spec.containers[0].securityContext.privileged', 'policy/privileged'],
        ['spec.template.spec.containers[0].image', 'policy/pinned-image'],
      ]),
    );
  });

  test.each<[string, (t: any) => any, string]>([
    ['ReplicationController', (t) => ({ spec: { template: t } }), 'spec.template.spec'],
    ['PodTemplate', (t) => ({ template: t }), 'template.spec'],
    ['DaemonSet', (t) => ({ spec: { template: t } }), 'spec.template.spec'],
    ['Job', (t) => ({ spec: { template: t } }), 'spec.template.spec'],
    ['CronJob', (t) => ({ spec: { jobTemplate: { spec: { template: t } } } }), 'spec.jobTemplate.spec.template.spec'],
    ['Rollout', (t) => ({ spec: { template: t } }), 'spec.template.spec'],
    ['Workflow', (t) => ({ spec: { stages: [{ name: 'a', pod: t }] } }), 'spec.stages[0].pod.spec'],
  ])('%s: its pod spec is found and checked', (kind, place, at) => {
    const o = holding(kind, place);
    const path = at.split(/\.|\[|\]\.?/).filter(Boolean);
    const spec = path.reduce((n: any, k) => n[k], o);
    spec.containers[0].securityContext.privileged = true;
    expect(checkPolicy([o])).toContainEqual(
      expect.objectContaining({ field: `${at}.containers[0].securityContext.privileged`, rule: 'policy/privileged' }),
    );
  });

  test('containers the policy cannot read as a pod fail closed', () => {
    const loose = holding('Gadget', (t) => ({ spec: { workers: { containers: t.spec.containers } } }));
    expect(checkPolicy([loose])).toContainEqual(
      expect.objectContaining({ field: 'spec.workers.containers', rule: 'policy/pod-spec' }),
    );
    const listed = holding('Gadget', (t) => ({
      spec: { workers: [{ name: 'a' }, { containers: t.spec.containers }] },
    }));
    expect(checkPolicy([listed])).toContainEqual(
      expect.objectContaining({ field: 'spec.workers[1].containers', rule: 'policy/pod-spec' }),
    );
    const map = holding('Gadget', (t) => ({ spec: { containers: { app: t.spec.containers[0] } } }));
    expect(checkPolicy([map])).toContainEqual(
      expect.objectContaining({ field: 'spec.containers', rule: 'policy/pod-spec' }),
    );
  });

  test('only init or ephemeral containers, or containers given as text, fail closed too', () => {
    const initOnly = holding('Gadget', (t) => ({ spec: { runner: { initContainers: t.spec.containers } } }));
    expect(checkPolicy([initOnly])).toContainEqual(
      expect.objectContaining({ field: 'spec.runner.initContainers', rule: 'policy/pod-spec' }),
    );
    const text = holding('Gadget', (t) => ({ spec: { template: { ...t, spec: { ...t.spec, containers: 'app' } } } }));
    expect(checkPolicy([text])).toContainEqual(
      expect.objectContaining({ field: 'spec.template.spec.containers', rule: 'policy/pod-spec' }),
    );
  });

  test('a pod-running kind without a readable pod spec fails closed', () => {
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x' }, spec: { template: {} } };
    expect(checkPolicy([rs])).toContainEqual(expect.objectContaining({ field: 'spec', rule: 'policy/pod-spec' }));
  });
});
