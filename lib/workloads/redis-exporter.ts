import { Construct } from 'constructs';
import { Exporter, ExporterProps } from './exporter';
import { Redis } from './redis';

export interface RedisExporterProps extends ExporterProps {
  /** The Redis to watch; address and password come from it. */
  readonly redis: Redis;
}

/** redis_exporter as Deployment and Service `redis-exporter:9121`, also exporting the length of Celery's queue. */
export class RedisExporter extends Exporter {
  constructor(scope: Construct, id: string, props: RedisExporterProps) {
    const redis = props.redis;
    super(scope, id, props, {
      name: 'redis-exporter',
      port: 9121,
      healthPath: '/health',
      database: redis,
      runAsUser: 59000,
      env: [
        { name: 'REDIS_ADDR', value: `redis://${redis.serviceName}:${redis.port}` },
        redis.passwordEnv('REDIS_PASSWORD'),
        // Celery's default queue is the list `celery` in db 0: its length is the backlog.
        { name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: 'db0=celery' },
      ],
    });
  }
}
