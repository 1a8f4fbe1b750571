/**
 * Computes the code key once per test run and renders the committed config, before any worker
 * starts: otherwise every test file hashes the code again, and on a cold cache every worker
 * renders the committed config at once. The workers read both keys from the environment (see
 * render-cache.ts), computed here from every byte they depend on.
 */
import { CONFIG_DIR } from './helpers';
import { CODE_KEY_VARIABLE, RENDER_KEY_VARIABLE, codeKey, renderCached, renderKey } from './render-cache';

export default function globalSetup(): void {
  const code = codeKey();
  const key = renderKey(CONFIG_DIR, code);
  renderCached(CONFIG_DIR, undefined, key);
  process.env[CODE_KEY_VARIABLE] = code;
  process.env[RENDER_KEY_VARIABLE] = key;
}
