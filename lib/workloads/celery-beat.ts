import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import type { LogLevel } from './celery-worker';
import { AppRuntime } from './app-runtime';
import { CELERY_APP } from './celery-worker';
import { workloadDeployment } from '../platform/deployment';
import { Identity } from '../platform/labels';
import { emptyDir, podSpec, workloadServiceAccount } from '../platform/pod';

export interface CeleryBeatProps {
  readonly runtime: AppRuntime;
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
  /**
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
}

const STATE_DIR = '/var/lib/celery-beat';

/**
 * Deployment `celery-beat`: the one scheduler. Exactly one replica with the `Recreate` strategy, so
 * the old pod is gone before the new one starts and no schedule ever fires twice. Liveness checks
 * that beat keeps writing its schedule file (it syncs every 3 minutes).
 */
export class CeleryBeat extends Construct {
  public readonly identity: Identity;
  /** Always 1: two schedulers would send every periodic task twice. */
  public readonly replicas = 1;

  constructor(scope: Construct, id: string, props: CeleryBeatProps) {
    super(scope, id);
    const runtime = props.runtime;
    this.identity = { name: 'celery-beat', component: 'scheduler', version: runtime.tag };
    const sa = workloadServiceAccount(this, this.identity);
    const scheduleFresh: k8s.Probe = {
      exec: {
        command: ['sh', '-c', `find ${STATE_DIR} -name 'celerybeat-schedule*' -mmin -10 | grep -q .`],
      },
      initialDelaySeconds: 60,
      periodSeconds: 60,
      timeoutSeconds: 10,
      failureThreshold: 3,
    };
    workloadDeployment(this, {
      identity: this.identity,
      instance: props.instance,
      replicas: this.replicas,
      strategy: { type: 'Recreate' },
      podAnnotations: runtime.podAnnotations,
      podSpec: podSpec({
        serviceAccountName: sa.name,
        runAs: runtime.runAs,
        terminationGracePeriodSeconds: 30,
        containers: [
          runtime.container(
            {
              name: 'beat',
              resources: props.resources,
              command: [
                'celery',
                '-A',
                CELERY_APP,
                'beat',
                `--loglevel=${props.logLevel ?? 'info'}`,
                `--schedule=${STATE_DIR}/celerybeat-schedule`,
              ],
              volumeMounts: [
                { name: 'state', mountPath: STATE_DIR },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              livenessProbe: scheduleFresh,
              readinessProbe: { ...scheduleFresh, initialDelaySeconds: 10, failureThreshold: 1 },
            },
            'core',
          ),
        ],
        volumes: [emptyDir('state', '64Mi'), emptyDir('tmp', '64Mi')],
      }),
    });
  }
}
