/**
 * Every peer namespace moved from its default (edge, Prometheus, DNS, the CloudNativePG operator),
 * a narrowed API server range and NodeLocal DNSCache, on CloudNativePG with S3 archiving.
 */
import { snapshotScenario } from './scenario';

snapshotScenario((c) => {
  c.namespace = 'shop-easyflow';
  c.edge = { namespace: 'edge' };
  c.postgres = { ...c.postgres, mode: 'cloudnativepg', instances: 2, user: 'easyflow' };
  c.postgres.image = 'ghcr.io/cloudnative-pg/postgresql:15.19';
  c.backup.s3 = { bucket: 'easyflow-backups', image: 'docker.io/amazon/aws-cli:2.22.13' };
  c.network = {
    prometheusNamespace: 'observability',
    dnsNamespace: 'dns',
    nodeLocalDNSAddress: '169.254.20.10',
    cnpgOperatorNamespace: 'databases',
    apiServerCIDR: ['172.20.0.0/28'],
  };
});
