import { Construct } from 'constructs';
import { Exporter, ExporterProps } from './exporter';
import type { PostgresDatabase } from './database';

export interface PostgresExporterProps extends ExporterProps {
  /** The database to watch; address, user and password come from it. */
  readonly postgres: PostgresDatabase;
}

/**
 * postgres_exporter as Deployment and Service `postgres-exporter:9187`. It logs in as the app's
 * database user (see the README's design notes for why not a dedicated `pg_monitor` role yet),
 * over TLS where the server offers it (`PostgresDatabase.sslMode`).
 */
export class PostgresExporter extends Exporter {
  constructor(scope: Construct, id: string, props: PostgresExporterProps) {
    const pg = props.postgres;
    super(scope, id, props, {
      name: 'postgres-exporter',
      port: 9187,
      healthPath: '/',
      database: pg,
      runAsUser: 65534,
      env: [
        { name: 'DATA_SOURCE_URI', value: `${pg.serviceName}:${pg.port}/${pg.database}?sslmode=${pg.sslMode}` },
        { name: 'DATA_SOURCE_USER', value: pg.user },
        pg.passwordEnv('DATA_SOURCE_PASS'),
      ],
    });
  }
}
