import { Construct } from 'constructs';
import { k8s } from '../platform/k8s';
import type { Resources } from '../platform/resources';
import { workloadDeployment } from '../platform/deployment';
import { assertPinned } from '../platform/image';
import { Identity, versionOf } from '../platform/labels';
import type { Listener } from './network-policies';
import { container, podSpec, workloadServiceAccount } from '../platform/pod';
import { workloadService } from '../platform/service';

export interface ExporterProps {
  /** Pinned exporter image. */
  readonly image: string;
  readonly resources: Resources;
  /** Label instance of the environment. */
  readonly instance: string;
}

/** What a concrete exporter adds: its name, port, how to reach its database, how to probe it. */
export interface ExporterSpec {
  readonly name: string;
  readonly port: number;
  readonly env: k8s.EnvVar[];
  /** HTTP path that answers without querying the database. */
  readonly healthPath: string;
  /** Non-root uid the image runs as. */
  readonly runAsUser: number;
  /** The database it reads. */
  readonly database: Listener;
}

/**
 * A Prometheus exporter as its own Deployment and Service `<name>:<port>` (port name `metrics`),
 * the address the guide's scrape config names. Separate pods, not sidecars: an exporter restart or
 * upgrade never restarts the database, and the database pods keep their tight security context.
 */
export class Exporter extends Construct {
  public readonly identity: Identity;
  public readonly serviceName: string;
  public readonly port: number;
  public readonly containerPort: number;
  public readonly portName = 'metrics';
  /** The database it reads (its only egress). */
  public readonly database: Listener;

  constructor(scope: Construct, id: string, props: ExporterProps, spec: ExporterSpec) {
    super(scope, id);
    assertPinned(this.node.path, props.image);
    this.identity = { name: spec.name, component: 'metrics', version: versionOf(props.image) };
    this.serviceName = spec.name;
    this.port = spec.port;
    this.containerPort = spec.port;
    this.database = spec.database;
    const sa = workloadServiceAccount(this, this.identity);
    const probe = (periodSeconds: number): k8s.Probe => ({
      httpGet: { path: spec.healthPath, port: k8s.IntOrString.fromString(this.portName) },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    workloadDeployment(this, {
      identity: this.identity,
      instance: props.instance,
      replicas: 1,
      strategy: { type: 'RollingUpdate' },
      podSpec: podSpec({
        serviceAccountName: sa.name,
        runAs: { user: spec.runAsUser, group: spec.runAsUser },
        containers: [
          container({
            name: 'exporter',
            image: props.image,
            resources: props.resources,
            ports: [{ name: this.portName, containerPort: spec.port }],
            env: spec.env,
            livenessProbe: probe(30),
            readinessProbe: probe(10),
          }),
        ],
      }),
    });
    workloadService(this, this.serviceName, this.identity, [{ name: this.portName, port: spec.port }]);
  }
}
