import { k8s } from '../platform/k8s';
import type { Identity } from '../platform/labels';

/**
 * What the app, the backup, the exporter and the network policies need from PostgreSQL, whichever
 * way it runs: the single StatefulSet (`Postgres`) or a CloudNativePG cluster (`PostgresCluster`).
 * Switching an environment between the two changes only config.
 */
export interface PostgresDatabase {
  /** The pods carry `app: <identity.name>`. */
  readonly identity: Identity;
  /** Host of the read-write endpoint (the primary). */
  readonly serviceName: string;
  /** Host of the read-only endpoint (replicas), when there are replicas. */
  readonly readOnlyServiceName?: string;
  /** Host the nightly pg_dump reads from: a replica when there is one. */
  readonly dumpServiceName: string;
  readonly port: number;
  /**
   * The libpq `sslmode` clients that read no CA use: `require` where the server has TLS (encrypted,
   * though the server's certificate is not verified), `disable` where it has none.
   */
  readonly sslMode: 'require' | 'disable';
  /** The port PostgreSQL listens on in its pods. */
  readonly containerPort: number;
  readonly database: string;
  /** The user the app connects as. */
  readonly user: string;
  /** The PostgreSQL image; the backup's pg_dump comes from it by default. */
  readonly image: string;
  /** uid/gid of the image's postgres user, for pods that run its tools. */
  readonly runAsUser: number;
  /** The password of `user`, as environment variable `name`. */
  passwordEnv(name: string): k8s.EnvVar;
}

/** libpq's environment for `psql`/`pg_dump` as `db.user` against `host` and `database`. */
export function libpqEnv(db: PostgresDatabase, host: string, database: string): k8s.EnvVar[] {
  return [
    { name: 'PGHOST', value: host },
    { name: 'PGPORT', value: String(db.port) },
    { name: 'PGDATABASE', value: database },
    { name: 'PGUSER', value: db.user },
    db.passwordEnv('PGPASSWORD'),
  ];
}
