import { Construct } from 'constructs';
import { throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import { AppRuntime } from './app-runtime';
import { SURGE_ONLY, disruptionBudget, workloadDeployment } from '../platform/deployment';
import { Identity, objectLabels, selectorLabels } from '../platform/labels';
import { emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';
import { workloadService } from '../platform/service';

/** Seconds a terminating pod keeps serving before SIGTERM; part of the termination grace period. */
export const PRE_STOP_DELAY_SECONDS = 10;

export interface WebAppProps {
  /** Image, identity and environment shared with the Celery workloads. */
  readonly runtime: AppRuntime;
  /** Container resources (prod: 512Mi/500m requests, 1Gi/1000m limits). */
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /** HPA lower bound. */
  readonly minReplicas: number;
  /** HPA upper bound. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation the HPA aims for, in percent of requests.
   * @default 70
   */
  readonly targetCPUUtilizationPercent?: number;
  /**
   * Average memory utilisation the HPA aims for, in percent of requests.
   * @default 80
   */
  readonly targetMemoryUtilizationPercent?: number;
}

/**
 * The FastAPI API: Deployment `easyflow-app` (port 8000, /health probes), Service
 * `easyflow-app-service` (80 -> 8000), the headless Service `easyflow-app-pods` (each pod, for
 * metrics), HPA `easyflow-app-hpa`, and a PodDisruptionBudget when it runs
 * more than one pod. Replicas belong to the HPA, so the Deployment leaves `spec.replicas` unset.
 */
export class WebApp extends Construct {
  public readonly identity: Identity;
  public readonly serviceName = 'easyflow-app-service';
  public readonly servicePort = 80;
  public readonly containerPort = 8000;
  public readonly hpaName = 'easyflow-app-hpa';
  /** Headless Service resolving to every ready pod: how a plain Prometheus scrapes each pod. */
  public readonly podsServiceName = 'easyflow-app-pods';
  public readonly minReplicas: number;
  public readonly maxReplicas: number;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const percent = (field: string, value: number | undefined) =>
      value === undefined ? undefined : wholeNumberProblem(field, value, 1, 100);
    throwProblems(this, [
      wholeNumberProblem('minReplicas', props.minReplicas, 1),
      wholeNumberProblem('maxReplicas', props.maxReplicas, 1),
      props.minReplicas > props.maxReplicas
        ? `minReplicas is ${props.minReplicas} but maxReplicas is ${props.maxReplicas}; minReplicas must be <= maxReplicas`
        : undefined,
      percent('targetCPUUtilizationPercent', props.targetCPUUtilizationPercent),
      percent('targetMemoryUtilizationPercent', props.targetMemoryUtilizationPercent),
    ]);
    this.minReplicas = props.minReplicas;
    this.maxReplicas = props.maxReplicas;
    const runtime = props.runtime;
    this.identity = { name: 'easyflow-app', component: 'api', version: runtime.tag };

    const sa = workloadServiceAccount(this, this.identity);
    const health = (initialDelaySeconds: number, periodSeconds: number): k8s.Probe => ({
      httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds,
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    const deployment = workloadDeployment(this, {
      identity: this.identity,
      instance: props.instance,
      strategy: SURGE_ONLY,
      podAnnotations: runtime.podAnnotations,
      podSpec: podSpec({
        serviceAccountName: sa.name,
        runAs: runtime.runAs,
        terminationGracePeriodSeconds: 30,
        topologySpreadConstraints: [
          this.spread('kubernetes.io/hostname', 'DoNotSchedule'),
          this.spread('topology.kubernetes.io/zone', 'ScheduleAnyway'),
        ],
        containers: [
          runtime.container(
            {
              name: 'app',
              resources: props.resources,
              ports: [{ name: 'http', containerPort: this.containerPort }],
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              livenessProbe: health(30, 30),
              readinessProbe: health(5, 10),
              // Endpoint removal reaches the edge proxy a few seconds after the pod starts terminating;
              // until then it still sends requests, which a stopping server would answer with 502.
              // Kubernetes 1.27 has no sleep action, so the image's sleep runs before SIGTERM.
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_DELAY_SECONDS)] } } },
            },
            'external-apis',
          ),
        ],
        volumes: [emptyDir('tmp', '256Mi')],
      }),
    });

    workloadService(this, this.serviceName, this.identity, [{ name: 'http', port: this.servicePort }]);
    workloadService(this, this.podsServiceName, this.identity, [{ name: 'http', port: this.containerPort }], {
      headless: true,
      constructId: 'pods-service',
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: this.hpaName, labels: objectLabels(this.identity) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [
          this.utilization('cpu', props.targetCPUUtilizationPercent ?? 70),
          this.utilization('memory', props.targetMemoryUtilizationPercent ?? 80),
        ],
      },
    });

    if (props.minReplicas > 1) {
      disruptionBudget(this, this.identity);
    }
  }

  private spread(
    topologyKey: string,
    whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
  ): k8s.TopologySpreadConstraint {
    return {
      topologyKey,
      whenUnsatisfiable,
      maxSkew: 1,
      labelSelector: { matchLabels: selectorLabels(this.identity.name) },
      matchLabelKeys: ['pod-template-hash'],
      // Count only nodes the pods may run on: a tainted or unselected node pool is not an empty
      // domain the skew must be balanced against (the Kubernetes default ignores taints).
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Honor',
    };
  }

  private utilization(name: 'cpu' | 'memory', percent: number): k8s.MetricSpecV2 {
    return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: percent } } };
  }
}
