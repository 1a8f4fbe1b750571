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

/** Who holds a lock, as its holder wrote it down when it took the lock. */
export interface LockHolder {
  readonly pid: number;
  /** The holder's command line (`cdk8s synth`, `scripts/set-image.ts prod 1.1.0`). */
  readonly command: string;
  /** When it took the lock (ms since the epoch). */
  readonly since: number;
}

export interface LockOptions {
  /**
   * Called while the lock is busy: when the caller starts waiting, then every `reportEveryMs`, with
   * how long it has waited and who holds the lock (when the holder could be read).
   */
  readonly onWait?: (waitedMs: number, holder: LockHolder | undefined) => void;
  /**
   * How often `onWait` is called again while waiting.
   * @default 10_000
   */
  readonly reportEveryMs?: number;
  /**
   * Give up after this long, with a LockTimeout naming the holder.
   * @default 300_000 (5 minutes)
   */
  readonly timeoutMs?: number;
}

/** Waiting for a lock took longer than its timeout. */
export class LockTimeout extends Error {}

/** `pid 1234 (cdk8s synth) since 10:31:02 UTC`, or `another process` when the holder is unknown. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another process';
  const since = new Date(holder.since).toISOString().slice(11, 19);
  return `pid ${holder.pid} (${holder.command}) since ${since} UTC`;
}

function address(key: string): string {
  const id = `easyflow-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  return process.platform === 'linux' ? `\0${id}` : path.join(os.tmpdir(), `${id}.sock`);
}

/** The file where the holder of the lock at `at` writes who it is (a socket has no owner to ask). */
function holderFile(key: string): string {
  return path.join(os.tmpdir(), `easyflow-${createHash('sha256').update(key).digest('hex').slice(0, 32)}.holder.json`);
}

function writeHolder(file: string): void {
  const [, script, ...args] = process.argv;
  const holder: LockHolder = {
    pid: process.pid,
    command: [script ? path.basename(script) : process.argv0, ...args].join(' '),
    since: Date.now(),
  };
  try {
    fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(holder));
    fs.renameSync(`${file}.${process.pid}`, file);
  } catch {
    // Only a waiter's message needs it: the lock itself is the socket.
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    process.kill(holder.pid, 0);
    return holder;
  } catch {
    return undefined;
  }
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

async function holding<T>(server: net.Server, holderAt: string, fn: () => T | Promise<T>): Promise<T> {
  server.unref();
  writeHolder(holderAt);
  try {
    return await fn();
  } finally {
    if (readHolder(holderAt)?.pid === process.pid) fs.rmSync(holderAt, { force: true });
    server.close();
  }
}

/** Runs `fn` holding the lock named `key` if nobody holds it; resolves to undefined, without running it, if somebody does. */
export async function tryLock<T>(key: string, fn: () => T | Promise<T>): Promise<{ value: T } | undefined> {
  const at = address(key);
  let server = await listen(at);
  if (!server && !at.startsWith('\0') && (await abandoned(at))) {
    fs.rmSync(at, { force: true });
    server = await listen(at);
  }
  return server ? { value: await holding(server, holderFile(key), fn) } : undefined;
}

/** Runs `fn` while holding the lock named `key` (any string; equal keys exclude each other). */
export async function withLock<T>(key: string, fn: () => T | Promise<T>, o: LockOptions = {}): Promise<T> {
  const at = address(key);
  const holderAt = holderFile(key);
  const timeout = o.timeoutMs ?? 300_000;
  const started = Date.now();
  let nextReport = started;
  for (;;) {
    const server = await listen(at);
    if (server) return holding(server, holderAt, fn);
    if (!at.startsWith('\0') && (await abandoned(at))) {
      fs.rmSync(at, { force: true });
      continue;
    }
    const waited = Date.now() - started;
    if (waited > timeout) {
      const holder = readHolder(holderAt);
      throw new LockTimeout(
        `the lock "${key}" was held by ${describeHolder(holder)} for ${timeout} ms, longer than this process waits; ` +
          (holder ? `if that process hangs, stop it (kill ${holder.pid}) and ` : '') +
          'run this again',
      );
    }
    if (Date.now() >= nextReport) {
      o.onWait?.(waited, readHolder(holderAt));
      nextReport = Date.now() + (o.reportEveryMs ?? 10_000);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
