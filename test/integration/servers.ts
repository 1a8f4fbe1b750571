/**
 * Throw-away servers for integration tests, each on 127.0.0.1 and a port the kernel just handed
 * out (other test runs share the machine), each stopped by the test that started it: Redis with a
 * password and AOF, and any long-running command such as an exporter or an S3 server.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A loopback port that was free a moment ago (the kernel's pick, so two runs do not collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `freePort` for synchronous callers: a child Node process asks the kernel. */
export function freePortSync(): number {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });",
    ],
    { encoding: 'utf8' },
  );
  const port = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isInteger(port) || port <= 0) throw new Error(`no free port: ${r.stderr}`);
  return port;
}

/** Polls `probe` until it resolves true, or fails after `timeoutMs` with `what` and the process output. */
export async function waitFor(what: string, probe: () => Promise<boolean>, output: () => string, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up in ${timeoutMs} ms:\n${output()}`);
}

export interface Process {
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `command` in the background, collecting its output; `stop` sends SIGTERM and waits. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Process {
  let output = '';
  const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  child.on('error', (e) => (output += `cannot run ${command}: ${e.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GETs `url` and returns the body, or throws on a non-2xx answer. */
export async function httpGet(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

export interface RedisServer {
  readonly port: number;
  readonly password: string;
  /** Runs one redis-cli command and returns its output. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

/** Debian's redis-server on a free loopback port, with a password, AOF and maxmemory, as the chart runs it. */
export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-redis-'));
  const port = await freePort();
  const password = `test-${process.pid}-${Date.now()}`;
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(
    conf,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      `dir ${dir}`,
      'appendonly yes',
      'maxmemory 64mb',
      'maxmemory-policy noeviction',
      'save ""',
      `requirepass ${password}`,
      '',
    ].join('\n'),
  );
  const server = startProcess('redis-server', [conf]);
  const cli = (...args: string[]): string => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args], {
      encoding: 'utf8',
      env: { ...process.env, REDISCLI_AUTH: password },
    });
    if (r.status !== 0 || r.error) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
    return r.stdout.trim();
  };
  await waitFor('redis-server (apt-get install -y redis-server)', async () => cli('PING') === 'PONG', server.output);
  return {
    port,
    password,
    cli,
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
