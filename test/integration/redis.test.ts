/**
 * Redis exactly as the StatefulSet starts it (command and arguments from the synthesized prod
 * manifest), run by Debian's redis-server on 127.0.0.1: the password is required, comes from the
 * environment rather than the command line, and maxmemory is what the construct computed.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { find, manifestsOf } from '../helpers';

const PASSWORD = `pw-${process.pid}-${Date.now()}`;
const redis = find(manifestsOf('prod'), 'StatefulSet', 'redis').spec.template.spec.containers[0];

const withoutAuth = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'REDISCLI_AUTH'));
let server: ChildProcess;
let port: number;
let dir: string;

const cli = (auth: boolean, ...args: string[]): string =>
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...withoutAuth, ...(auth ? { REDISCLI_AUTH: PASSWORD } : {}) },
  }).trim();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-redis-'));
  port = await freePort();
  const args = redis.args.map((a: string) => (a === '/data' ? dir : a));
  // `timeout` stops the server even if this test process dies.
  server = spawn('timeout', ['300', ...redis.command, ...args, '--bind', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, REDIS_PASSWORD: PASSWORD },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(true, 'ping') === 'PONG') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
});

afterAll(async () => {
  // Redis saves on SIGTERM into its folder: remove the folder only once it has exited.
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill();
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('refuses clients without the password and accepts the secret one', () => {
  expect(cli(false, 'ping')).toContain('NOAUTH');
  expect(cli(true, 'ping')).toBe('PONG');
});

test('the password is on no command line of the server', () => {
  const child = execFileSync('pgrep', ['-P', String(server.pid)], { encoding: 'utf8' }).trim();
  const pids = [String(server.pid), child];
  expect(fs.readFileSync(`/proc/${child}/cmdline`, 'utf8')).toMatch(/^redis-server/);
  for (const pid of pids) {
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(PASSWORD);
  }
});

test('maxmemory, noeviction and the append-only file as configured', () => {
  const value = (key: string) => cli(true, 'config', 'get', key).split('\n')[1];
  expect(value('maxmemory')).toBe(redis.args[redis.args.indexOf('--maxmemory') + 1]);
  expect(value('maxmemory-policy')).toBe('noeviction');
  expect(value('appendonly')).toBe('yes');
});
