/** The ingress-nginx edge: Ingresses with TLS and the guide's rate limits, instead of the Gateway API. */
import { snapshotScenario } from './scenario';

snapshotScenario((c) => {
  c.edge = { provider: 'ingress-nginx' };
});
