/** CloudNativePG primary and replica without S3: no WAL archive, no upload, no ObjectStore. */
import { snapshotScenario } from './scenario';

snapshotScenario((c) => {
  c.postgres = { ...c.postgres, mode: 'cloudnativepg', instances: 2, user: 'easyflow' };
  c.postgres.image = 'ghcr.io/cloudnative-pg/postgresql:15.19';
});
