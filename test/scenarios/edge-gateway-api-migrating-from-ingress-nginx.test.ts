/** Moving a live environment to the Gateway API: both edges side by side, ingress-nginx kept. */
import { snapshotScenario } from './scenario';

snapshotScenario((c) => {
  c.edge = { provider: 'gateway-api', migrateFrom: 'ingress-nginx' };
});
