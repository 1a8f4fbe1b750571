/**
 * The restore Job's script, exactly as `npm run restore` synthesizes it for prod, run against a real
 * PostgreSQL 15 with an archive the nightly backup's own script wrote: the rows come back; a
 * database that is not empty, a truncated archive, a missing archive and a restore that fails half
 * way each exit non-zero and change nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { restoreManifests } from '../../scripts/restore';
import { CONFIG_DIR, ROOT, find, manifestsOf } from '../helpers';
import { PG_BIN, PostgresServer, startPostgres } from './postgres-server';

const ARCHIVE = 'easyflow_20261127T020000Z.sql.gz';
const job = find(restoreManifests(CONFIG_DIR, 'prod', ARCHIVE), 'Job', 'postgres-restore-20261127t020000z');
const restoreContainer = job.spec.template.spec.containers[0];
const backupPod = find(manifestsOf('prod'), 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec;
const dumpContainer = [...(backupPod.initContainers ?? []), ...backupPod.containers].find(
  (c: any) => c.name === 'pg-dump',
);
const envOf = (c: any): Record<string, string> =>
  Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
const ROWS = "SELECT count(*) || ':' || md5(string_agg(id || body, ',' ORDER BY id)) FROM messages";

let pg: PostgresServer;
let work: string;
let archive: string;

/** A container's script as the manifest has it, with its env, pointed at the test server and `work`. */
function run(container: any, env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(container.command[0], container.command.slice(1), {
    encoding: 'utf8',
    env: {
      PATH: `${PG_BIN}:/usr/bin:/bin`,
      ...envOf(container),
      PGHOST: '127.0.0.1',
      PGPORT: String(pg.port),
      PGPASSWORD: pg.password,
      BACKUP_DIR: work,
      ...env,
    },
  });
  return { status: r.status, stderr: r.stderr };
}

const restore = (env: Record<string, string> = {}) => run(restoreContainer, { PGDATABASE: 'restored', ...env });
const relations = () =>
  pg.sql(
    'restored',
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
  );

beforeAll(() => {
  pg = startPostgres();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-restore-'));
  // As CloudNativePG bootstraps prod: the application user owns the database.
  pg.sql('postgres', `CREATE ROLE easyflow LOGIN PASSWORD '${pg.password}'`);
  pg.sql('postgres', 'CREATE DATABASE easyflow OWNER easyflow');
  pg.sql(
    'easyflow',
    "SET ROLE easyflow; CREATE TABLE messages (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO messages (body) SELECT 'message ' || g FROM generate_series(1, 500) g",
  );
  const dumped = run(dumpContainer, { PGDATABASE: 'easyflow', LAST_ARCHIVE_FILE: path.join(work, 'last') });
  if (dumped.status !== 0) throw new Error(`the backup script failed: ${dumped.stderr}`);
  const written = fs.readFileSync(path.join(work, 'last'), 'utf8').trim();
  archive = path.join(work, ARCHIVE);
  fs.renameSync(written, archive);
});
afterAll(() => {
  pg?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  pg.sql('postgres', 'DROP DATABASE IF EXISTS restored');
  pg.sql('postgres', 'CREATE DATABASE restored OWNER easyflow');
});

test("the Job restores as the database owner into prod's primary, from the backup claim", () => {
  expect(envOf(restoreContainer)).toMatchObject({
    PGHOST: 'postgres-rw',
    PGUSER: 'easyflow',
    PGDATABASE: 'easyflow',
    BACKUP_DIR: '/backup',
    RESTORE_ARCHIVE: ARCHIVE,
  });
});

test('an archive of the nightly backup restores into an empty database: same rows, same owner', () => {
  const r = restore();
  expect(r.stderr).toContain('done: 1 tables restored');
  expect(r.status).toBe(0);
  expect(pg.sql('restored', ROWS)).toBe(pg.sql('easyflow', ROWS));
  expect(pg.sql('restored', "SELECT tableowner FROM pg_tables WHERE tablename = 'messages'")).toBe('easyflow');
});

test('a database that already holds tables is refused and left alone', () => {
  pg.sql('restored', 'CREATE TABLE keep (id int)');
  const r = restore();
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('already holds 1 relations: restore into an empty database');
  expect(pg.sql('restored', "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")).toBe(
    'keep',
  );
});

test('a truncated archive is refused before anything is written', () => {
  const truncated = 'easyflow_20261126T020000Z.sql.gz';
  const r0 = spawnSync('/bin/bash', [
    '-c',
    `gzip -dc "$1" | head -n 30 | gzip -c > "$2"`,
    '_',
    archive,
    path.join(work, truncated),
  ]);
  expect(r0.status).toBe(0);
  const r = restore({ RESTORE_ARCHIVE: truncated });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('has no completion marker');
  expect(relations()).toBe('0');
});

test('a missing archive names the ones there are', () => {
  const r = restore({ RESTORE_ARCHIVE: 'easyflow_20200101T020000Z.sql.gz' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain(ARCHIVE);
});

test('a restore that fails half way leaves the database empty (one transaction)', () => {
  const failing = 'easyflow_20261125T020000Z.sql.gz';
  // A complete-looking dump whose last statement fails: nothing before it may stay.
  const r0 = spawnSync('/bin/bash', [
    '-c',
    `{ gzip -dc "$1" | head -n -3; echo 'SELECT no_such_function();'; gzip -dc "$1" | tail -n 3; } | gzip -c > "$2"`,
    '_',
    archive,
    path.join(work, failing),
  ]);
  expect(r0.status).toBe(0);
  const r = restore({ RESTORE_ARCHIVE: failing });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('no_such_function');
  expect(relations()).toBe('0');
});

describe('npm run restore', () => {
  const cli = (...args: string[]) =>
    spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/restore.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  test("prints the checked objects, the Job's script the one tested above", () => {
    const r = cli('prod', ARCHIVE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('---\napiVersion: v1\nkind: ServiceAccount\n')).toBe(true);
    expect(r.stdout).toContain(restoreContainer.command[2].split('\n')[0]);
  });

  test('a wrong archive name exits 1 with the reason and no stack trace; a missing one with the usage', () => {
    const bad = cli('prod', 'latest.sql');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('archive "latest.sql" is not an archive of the nightly backup');
    expect(bad.stderr).not.toContain('    at ');
    const usage = cli('prod');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: npm run restore -- <env> <archive file name> [--out <file>]');
  });
});
