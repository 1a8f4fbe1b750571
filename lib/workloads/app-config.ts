import { Construct } from 'constructs';
import { throwProblems, wholeNumberProblem } from '../platform/checks';
import { k8s } from '../platform/k8s';
import { checksum } from '../platform/pod';
import { objectLabels } from '../platform/labels';

export interface AppConfigProps {
  /** Environment name, exposed to the app as ENVIRONMENT. */
  readonly environment: string;
  /**
   * LOG_LEVEL of the app.
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * WORKERS: uvicorn worker processes per pod.
   * @default 4
   */
  readonly workers?: number;
  /**
   * Further non-secret settings, by environment variable name.
   * @default - none
   */
  readonly settings?: Readonly<Record<string, string>>;
}

const RESERVED = new Set(['ENVIRONMENT', 'LOG_LEVEL', 'WORKERS', 'DATABASE_URL', 'REDIS_URL']);

/**
 * ConfigMap `easyflow-config`: the app's non-secret settings. Connection URLs are not here: they
 * carry passwords and are assembled in each container from easyflow-secrets (see AppEnvironment).
 */
export class AppConfig extends Construct {
  public readonly configMapName = 'easyflow-config';
  /** sha256 of the data, for the pod annotation that rolls pods when a setting changes. */
  public readonly checksum: string;
  private readonly entries: Record<string, string>;

  constructor(scope: Construct, id: string, props: AppConfigProps) {
    super(scope, id);
    const workers = props.workers ?? 4;
    throwProblems(this, [
      wholeNumberProblem('workers', workers, 1),
      ...Object.keys(props.settings ?? {})
        .filter((key) => RESERVED.has(key))
        .map((key) => `settings.${key} is set by this construct and cannot be overridden`),
    ]);
    this.entries = {
      ENVIRONMENT: props.environment,
      LOG_LEVEL: props.logLevel ?? 'INFO',
      WORKERS: String(workers),
      ...props.settings,
    };
    this.checksum = checksum(this.entries);
    new k8s.KubeConfigMap(this, 'config-map', {
      metadata: { name: this.configMapName, labels: objectLabels({ name: this.configMapName, component: 'config' }) },
      data: Object.fromEntries(Object.entries(this.entries).sort(([a], [b]) => a.localeCompare(b))),
    });
  }

  /** A copy of the settings. */
  public get data(): Record<string, string> {
    return { ...this.entries };
  }
}
