/**
 * Hashes the code once per test run, before any worker starts, and hands the workers the code key
 * and the committed config's render key (see render-cache.ts), so that no test file hashes lib/,
 * imports/ and config/ again. It renders nothing: this process lives on under `jest --watch`,
 * with the modules it loaded, while the files change.
 */
import { CONFIG_DIR } from './helpers';
import { CODE_KEY_VARIABLE, RENDER_KEY_VARIABLE, codeKey, renderKey } from './render-cache';

export default function globalSetup(): void {
  const code = codeKey();
  process.env[CODE_KEY_VARIABLE] = code;
  process.env[RENDER_KEY_VARIABLE] = renderKey(CONFIG_DIR, code);
}
