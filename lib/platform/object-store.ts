/** An S3 (or S3-compatible) location that backups are written to, with its defaults resolved once. */
export interface ObjectStoreOptions {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * Key prefix inside the bucket.
   * @default 'database/'
   */
  readonly prefix?: string;
  /**
   * AWS region.
   * @default - the client's default resolution
   */
  readonly region?: string;
  /**
   * Endpoint of an S3-compatible store.
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, created outside this repository.
   * @default 'easyflow-backup-s3'
   */
  readonly credentialsSecret?: string;
}

/** The same location with every default filled in. */
export type ObjectStore = Required<Pick<ObjectStoreOptions, 'bucket' | 'prefix' | 'credentialsSecret'>> &
  Pick<ObjectStoreOptions, 'region' | 'endpoint'>;

export function objectStore(o: ObjectStoreOptions): ObjectStore {
  return {
    bucket: o.bucket,
    prefix: o.prefix ?? 'database/',
    region: o.region,
    endpoint: o.endpoint,
    credentialsSecret: o.credentialsSecret ?? 'easyflow-backup-s3',
  };
}
