/**
 * A throw-away PostgreSQL 15 server on 127.0.0.1 for integration tests: Debian's postgresql-15
 * binaries (PG_BIN overrides the folder), a fresh data directory, password authentication over TCP,
 * on a port the kernel just handed out, with TLS on (a throw-away self-signed certificate), so clients
 * configured with sslmode=require, as the CloudNativePG environments are, connect as in a cluster.
 * As root (CI), the server runs as the `postgres` user, because postgres refuses to run as root.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePortSync } from './servers';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  readonly port: number;
  readonly password: string;
  /** Runs SQL in `database` as the superuser and returns psql's unaligned output. */
  sql(database: string, query: string): string;
  stop(): void;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[], cwd?: string): string {
  const command = asRoot ? 'runuser' : path.join(PG_BIN, bin);
  const argv = asRoot ? ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args] : args;
  return execFileSync(command, argv, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function startPostgres(): PostgresServer {
  if (!fs.existsSync(path.join(PG_BIN, 'postgres'))) {
    throw new Error(`PostgreSQL 15 is not installed at ${PG_BIN}: apt-get install -y postgresql-15 (or set PG_BIN)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const password = `test-${process.pid}-${Date.now()}`;
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, password);
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
  ]);
  const key = path.join(dir, 'server.key');
  const cert = path.join(dir, 'server.crt');
  execFileSync(
    'openssl',
    ['req', '-new', '-x509', '-days', '1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert],
    {
      stdio: 'ignore',
    },
  );
  fs.chmodSync(key, 0o600);
  if (asRoot) execFileSync('chown', ['postgres:postgres', key, cert]);
  const port = freePortSync();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`,
    'start',
  ]);
  return {
    port,
    password,
    sql(database, query) {
      const r = spawnSync(
        path.join(PG_BIN, 'psql'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-d',
          database,
          '-At',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          query,
        ],
        { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } },
      );
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
      return r.stdout.trim();
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
