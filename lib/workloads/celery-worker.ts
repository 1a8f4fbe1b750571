import { Construct } from 'constructs';
import { throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import { AppRuntime } from './app-runtime';
import { SURGE_ONLY, disruptionBudget, workloadDeployment } from '../platform/deployment';
import { Identity } from '../platform/labels';
import { emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';

/** Celery's log levels. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

/** The Celery application module of the Easy Flow image. */
export const CELERY_APP = 'app.core.celery';

export interface CeleryWorkerProps {
  readonly runtime: AppRuntime;
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * Worker pods.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Task processes per pod (`--concurrency`).
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
}

/**
 * Deployment `celery-worker`: `celery -A app.core.celery worker`. Pods get two minutes to finish
 * running tasks on shutdown. Readiness asks the worker itself over the broker (`inspect ping`).
 * Liveness asks the same, but counts a missing answer as a failure only while Redis itself answers:
 * a Redis outage is not the worker's fault, restarting every worker would not end it, and Celery
 * reconnects on its own once Redis is back. Five failures a minute apart restart a hung worker.
 */
export class CeleryWorker extends Construct {
  public readonly identity: Identity;
  public readonly replicas: number;

  constructor(scope: Construct, id: string, props: CeleryWorkerProps) {
    super(scope, id);
    this.replicas = props.replicas ?? 2;
    const concurrency = props.concurrency ?? 4;
    throwProblems(this, [
      wholeNumberProblem('replicas', this.replicas, 1),
      wholeNumberProblem('concurrency', concurrency, 1),
    ]);
    const runtime = props.runtime;
    this.identity = { name: 'celery-worker', component: 'worker', version: runtime.tag };
    const sa = workloadServiceAccount(this, this.identity);
    const pingWorker = `celery -A ${CELERY_APP} inspect ping --destination "celery@$HOSTNAME" --timeout 10`;
    const ping: k8s.Probe = {
      exec: { command: ['sh', '-c', pingWorker] },
      initialDelaySeconds: 30,
      periodSeconds: 60,
      timeoutSeconds: 30,
      failureThreshold: 3,
    };
    const brokerAnswers = `python -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()'`;
    const alive: k8s.Probe = {
      ...ping,
      exec: { command: ['sh', '-c', `${pingWorker} >/dev/null 2>&1 || ! ${brokerAnswers} >/dev/null 2>&1`] },
      timeoutSeconds: 40,
      failureThreshold: 5,
    };
    workloadDeployment(this, {
      identity: this.identity,
      instance: props.instance,
      replicas: this.replicas,
      strategy: SURGE_ONLY,
      podAnnotations: runtime.podAnnotations,
      podSpec: podSpec({
        serviceAccountName: sa.name,
        runAs: runtime.runAs,
        terminationGracePeriodSeconds: 120,
        containers: [
          runtime.container(
            {
              name: 'worker',
              resources: props.resources,
              command: [
                'celery',
                '-A',
                CELERY_APP,
                'worker',
                `--loglevel=${props.logLevel ?? 'info'}`,
                `--concurrency=${concurrency}`,
              ],
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              livenessProbe: alive,
              readinessProbe: ping,
            },
            'external-apis',
          ),
        ],
        volumes: [emptyDir('tmp', '256Mi')],
      }),
    });
    if (this.replicas > 1) {
      disruptionBudget(this, this.identity);
    }
  }
}
