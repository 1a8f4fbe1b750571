// The public surface of the library, folder by folder (see README "Layout"). Re-exports only.
export * from './easyflow-chart';
export * from './environment';

export * from './workloads/alerts';
export * from './workloads/app-config';
export * from './workloads/app-runtime';
export * from './workloads/app-secrets';
export * from './workloads/celery-beat';
export * from './workloads/celery-worker';
export * from './workloads/database';
export * from './workloads/exporter';
export * from './workloads/ingress';
export * from './workloads/migrations';
export * from './workloads/monitoring';
export * from './workloads/namespace';
export * from './workloads/network-policies';
export * from './workloads/postgres';
export * from './workloads/postgres-backup';
export * from './workloads/postgres-cluster';
export * from './workloads/postgres-exporter';
export * from './workloads/redis';
export * from './workloads/redis-exporter';
export * from './workloads/web-app';

export * from './platform/resources';
export * from './platform/storage';

export * from './delivery/argocd';
export * from './delivery/flux';

export * from './pipeline/config';
export * from './pipeline/gitops-config';
export * from './pipeline/synth';
