/** The guide's single PostgreSQL StatefulSet with the backup's S3 upload and the migration Job. */
import { snapshotScenario } from './scenario';

snapshotScenario((c) => {
  c.backup.s3 = { bucket: 'easyflow-backups', image: 'docker.io/amazon/aws-cli:2.22.13' };
  c.migrations = { command: ['alembic', 'upgrade', 'head'] };
});
