/**
 * Renders the committed config once per test run, before any worker starts: otherwise, on a cold
 * cache, every worker renders it at once. The workers find the render by the key in
 * EASYFLOW_TEST_RENDER_KEY (see helpers.ts), computed here from every byte it depends on.
 */
import { CONFIG_DIR } from './helpers';
import { RENDER_KEY_VARIABLE, renderCached, renderKey } from './render-cache';

export default function globalSetup(): void {
  const key = renderKey(CONFIG_DIR);
  renderCached(CONFIG_DIR, undefined, key);
  process.env[RENDER_KEY_VARIABLE] = key;
}
