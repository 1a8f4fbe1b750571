/**
 * The backup CronJob's scripts, exactly as synthesized into dist/prod, run against a real
 * PostgreSQL 15: a good run makes a restorable archive; every failure exits non-zero and leaves
 * no archive behind; retention deletes only this job's old archives.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../lib/pipeline/config';
import { synthEnvironment } from '../../lib/pipeline/synth';
import type { Manifest } from '../../lib/validation/schema';
import { CONFIG_DIR, find } from '../helpers';
import { prodWithStatefulSet } from '../charts';
import { PG_BIN, PostgresServer, startPostgres } from './postgres-server';
import { Process, freePort, startProcess, waitFor } from './servers';

const prodConfig = loadConfig(path.join(CONFIG_DIR, 'prod.yaml'));
const withS3 = {
  ...prodConfig,
  backup: {
    ...prodConfig.backup,
    s3: {
      bucket: 'easyflow-backups',
      prefix: 'database/',
      image: 'docker.io/amazon/aws-cli:2.22.13',
      credentialsSecret: 'easyflow-backup-s3',
      pitrRetentionDays: 30,
    },
  },
};
const pod = find(synthEnvironment(withS3).toJson() as Manifest[], 'CronJob', 'postgres-backup').spec.jobTemplate.spec
  .template.spec;
const dumpContainer = pod.initContainers.find((c: any) => c.name === 'pg-dump');
const uploadContainer = pod.containers.find((c: any) => c.name === 's3-upload');
/** The plain env values of a container, as the manifest sets them. */
const envOf = (c: any): Record<string, string> =>
  Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

let pg: PostgresServer;
let work: string;
let backupDir: string;
let bin: string;

beforeAll(() => {
  pg = startPostgres();
  // As CloudNativePG bootstraps it (prod): the application user owns the database.
  pg.sql('postgres', `CREATE ROLE easyflow LOGIN PASSWORD '${pg.password}'`);
  pg.sql('postgres', 'CREATE DATABASE easyflow OWNER easyflow');
  pg.sql(
    'easyflow',
    "SET ROLE easyflow; CREATE TABLE messages (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO messages (body) SELECT 'message ' || g FROM generate_series(1, 500) g",
  );
});
afterAll(() => pg?.stop());

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-backup-'));
  backupDir = path.join(work, 'backup');
  bin = path.join(work, 'bin');
  fs.mkdirSync(backupDir);
  fs.mkdirSync(bin);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** A stand-in command placed first on PATH. */
function fake(name: string, script: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${script}\n`, { mode: 0o755 });
}

function runScript(container: any, env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(container.command[0], container.command.slice(1), {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${PG_BIN}:/usr/bin:/bin`,
      ...envOf(container),
      BACKUP_DIR: backupDir,
      LAST_ARCHIVE_FILE: path.join(work, 'last-archive'),
      ...env,
    },
  });
  return { status: r.status, stderr: r.stderr };
}

const dump = (env: Record<string, string> = {}) =>
  runScript(dumpContainer, { PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGPASSWORD: pg.password, ...env });
const archives = () => fs.readdirSync(backupDir).sort();

test('the manifest runs the script with bash and the database settings; prod dumps from a replica', () => {
  expect(dumpContainer.command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
  expect(envOf(dumpContainer)).toMatchObject({
    PGHOST: 'postgres-ro',
    PGPORT: '5432',
    PGDATABASE: 'easyflow',
    PGUSER: 'easyflow',
    RETENTION_DAYS: '7',
  });
});

test('the StatefulSet mode runs the very same script against Service postgres', () => {
  const cron = find(prodWithStatefulSet(), 'CronJob', 'postgres-backup');
  const pod = cron.spec.jobTemplate.spec.template.spec;
  const dump = [...(pod.initContainers ?? []), ...pod.containers].find((c: any) => c.name === 'pg-dump');
  expect(dump.command).toEqual(dumpContainer.command);
  expect(envOf(dump)).toMatchObject({ PGHOST: 'postgres', PGUSER: 'postgres' });
});

test('dump, restore into a fresh database, same rows', () => {
  const r = dump();
  expect(r.status).toBe(0);
  const [archive, ...rest] = archives();
  expect(rest).toEqual([]);
  expect(archive).toMatch(/^easyflow_\d{8}T\d{6}Z\.sql\.gz$/);
  expect(fs.readFileSync(path.join(work, 'last-archive'), 'utf8').trim()).toBe(path.join(backupDir, archive!));

  pg.sql('postgres', 'DROP DATABASE IF EXISTS restored');
  pg.sql('postgres', 'CREATE DATABASE restored');
  const restore = spawnSync(
    '/bin/bash',
    [
      '-o',
      'pipefail',
      '-c',
      `gzip -dc "$1" | ${PG_BIN}/psql -q -h 127.0.0.1 -p ${pg.port} -U postgres -d restored -v ON_ERROR_STOP=1`,
      '_',
      path.join(backupDir, archive!),
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: pg.password } },
  );
  expect(restore.status).toBe(0);
  const rows = "SELECT count(*) || ':' || md5(string_agg(id || body, ',' ORDER BY id)) FROM messages";
  expect(pg.sql('restored', rows)).toBe(pg.sql('easyflow', rows));
});

test('a wrong password exits non-zero and leaves no archive', () => {
  const r = dump({ PGPASSWORD: 'wrong' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('password authentication failed');
  expect(archives()).toEqual([]);
});

test('a dump that ends early is refused even when pg_dump exits 0', () => {
  fake('pg_dump', `${PG_BIN}/pg_dump "$@" | head -n 20; exit 0`);
  const r = dump();
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('the dump has no completion marker');
  expect(archives()).toEqual([]);
});

test('a compression failure exits non-zero and leaves no archive', () => {
  fake('gzip', 'if [ "$1" = "-c" ]; then head -c 100 >/dev/null; exit 1; fi; exec /bin/gzip "$@"');
  const r = dump();
  expect(r.status).not.toBe(0);
  expect(archives()).toEqual([]);
});

test('retention deletes only this job archives older than the retention', () => {
  const touch = (name: string, daysAgo: number): void => {
    const file = path.join(backupDir, name);
    fs.writeFileSync(file, 'x');
    const t = new Date(Date.now() - daysAgo * 86400_000);
    fs.utimesSync(file, t, t);
  };
  touch('easyflow_20200101T020000Z.sql.gz', 30);
  touch('easyflow_20200102T020000Z.sql.gz', 8);
  touch('easyflow_20200103T020000Z.sql.gz', 6);
  touch('other-app_20200101T020000Z.sql.gz', 30);
  touch('notes.txt', 30);
  expect(dump().status).toBe(0);
  const left = archives();
  expect(left).toEqual(
    expect.arrayContaining(['easyflow_20200103T020000Z.sql.gz', 'other-app_20200101T020000Z.sql.gz', 'notes.txt']),
  );
  expect(left).not.toContain('easyflow_20200101T020000Z.sql.gz');
  expect(left).not.toContain('easyflow_20200102T020000Z.sql.gz');
  expect(left).toHaveLength(4);
});

test('no pruning after a failed dump', () => {
  const old = path.join(backupDir, 'easyflow_20200101T020000Z.sql.gz');
  fs.writeFileSync(old, 'x');
  fs.utimesSync(old, new Date(0), new Date(0));
  expect(dump({ PGPASSWORD: 'wrong' }).status).not.toBe(0);
  expect(fs.existsSync(old)).toBe(true);
});

describe('S3 upload step', () => {
  beforeEach(() => {
    expect(dump().status).toBe(0);
  });

  test('a failed upload exits non-zero', () => {
    fake('aws', 'echo "upload failed: AccessDenied" >&2; exit 1');
    const r = runScript(uploadContainer, {});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('AccessDenied');
  });

  test('a stored size that differs exits non-zero', () => {
    fake('aws', 'if [ "$1" = s3api ]; then echo 1; fi; exit 0');
    const r = runScript(uploadContainer, {});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('expected');
  });

  test('a verified upload names the object', () => {
    const archive = fs.readFileSync(path.join(work, 'last-archive'), 'utf8').trim();
    fake('aws', `echo "$@" >> ${work}/aws.log; if [ "$1" = s3api ]; then wc -c < "${archive}" | tr -d ' '; fi; exit 0`);
    const r = runScript(uploadContainer, {});
    expect(r.status).toBe(0);
    const calls = fs.readFileSync(path.join(work, 'aws.log'), 'utf8');
    expect(calls).toContain(`s3://easyflow-backups/database/${path.basename(archive)}`);
  });
});

describe('S3 upload against a real S3-compatible server (s3rver, Debian awscli)', () => {
  const bucket = envOf(uploadContainer).S3_BUCKET!;
  const prefix = envOf(uploadContainer).S3_PREFIX!;
  let s3: Process;
  let endpoint: string;
  let s3Dir: string;

  beforeAll(async () => {
    s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-s3-'));
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = startProcess(process.execPath, [
      require.resolve('s3rver/bin/s3rver.js'),
      '--directory',
      s3Dir,
      '--address',
      '127.0.0.1',
      '--port',
      String(port),
      '--silent',
      '--configure-bucket',
      bucket,
    ]);
    await waitFor('s3rver', async () => (await fetch(endpoint)).status > 0, s3.output);
  });
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(s3Dir, { recursive: true, force: true });
  });

  /** The upload container's script with the credentials its Secret would hold, pointed at s3rver. */
  const upload = (env: Record<string, string> = {}) =>
    runScript(uploadContainer, {
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_DEFAULT_REGION: 'us-east-1',
      HOME: work,
      ...env,
    });

  test('a verified archive lands in the bucket byte for byte', () => {
    expect(dump().status).toBe(0);
    const archive = fs.readFileSync(path.join(work, 'last-archive'), 'utf8').trim();
    const r = upload();
    expect(r.stderr).toContain(`uploaded s3://${bucket}/${prefix}${path.basename(archive)}`);
    expect(r.status).toBe(0);
    const back = path.join(work, 'downloaded.sql.gz');
    const get = spawnSync(
      '/usr/bin/aws',
      ['--endpoint-url', endpoint, 's3', 'cp', `s3://${bucket}/${prefix}${path.basename(archive)}`, back],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_DEFAULT_REGION: 'us-east-1',
          HOME: work,
        },
      },
    );
    expect(get.stderr).toBe('');
    expect(fs.readFileSync(back).equals(fs.readFileSync(archive))).toBe(true);
  });

  test('wrong credentials fail the job loudly', () => {
    expect(dump().status).toBe(0);
    const r = upload({ AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/);
    expect(r.stderr).not.toContain('uploaded s3://');
  });

  test('a bucket that does not exist fails the job loudly', () => {
    expect(dump().status).toBe(0);
    const r = upload({ S3_BUCKET: 'no-such-bucket' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('NoSuchBucket');
  });

  test('an unreachable store fails the job loudly', async () => {
    expect(dump().status).toBe(0);
    const r = upload({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`, AWS_MAX_ATTEMPTS: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Could not connect/);
  });
});
