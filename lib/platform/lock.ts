/**
 * A lock between processes that the kernel releases when its holder dies, however it dies: the
 * holder listens on a Unix socket in Linux's abstract namespace, a name no file backs and no
 * crashed process can leave behind. Elsewhere the socket is a file in the temporary folder; a file
 * left by a killed holder is recognised by nobody listening on it and removed (two waiters that
 * find the same dead file at the same instant could both remove it: a window Linux does not have).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface LockOptions {
  /** Called once, when the lock is busy and the caller starts waiting. */
  readonly onWait?: () => void;
  /**
   * Give up after this long.
   * @default 300_000 (5 minutes)
   */
  readonly timeoutMs?: number;
}

function address(key: string): string {
  const id = `easyflow-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  return process.platform === 'linux' ? `\0${id}` : path.join(os.tmpdir(), `${id}.sock`);
}

function listen(at: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen(at, () => resolve(server));
  });
}

/** True when nobody listens on the socket file `at` (its holder was killed). */
function abandoned(at: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(at);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT'));
  });
}

/** Runs `fn` while holding the lock named `key` (any string; equal keys exclude each other). */
export async function withLock<T>(key: string, fn: () => T | Promise<T>, o: LockOptions = {}): Promise<T> {
  const at = address(key);
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  let waiting = false;
  for (;;) {
    const server = await listen(at);
    if (server) {
      server.unref();
      try {
        return await fn();
      } finally {
        server.close();
      }
    }
    if (!at.startsWith('\0') && (await abandoned(at))) {
      fs.rmSync(at, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`the lock "${key}" was held by another process for ${o.timeoutMs ?? 300_000} ms`);
    }
    if (!waiting) o.onWait?.();
    waiting = true;
    await new Promise((r) => setTimeout(r, 50));
  }
}
