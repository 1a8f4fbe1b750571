import { AppSecrets, AppSecretsProps, OBJECT_STORE_KEYS, SECRET_KEYS } from '../../lib/workloads/app-secrets';
import { find } from '../helpers';
import { scratch } from '../charts';

test('minimal props: an ExternalSecret from the ClusterSecretStore easyflow', () => {
  const { chart, synth } = scratch();
  new AppSecrets(chart, 's', { remoteKey: 'easyflow/test' });
  const es = find(synth(), 'ExternalSecret', 'easyflow-secrets');
  expect(es.apiVersion).toBe('external-secrets.io/v1');
  expect(es.spec).toEqual({
    refreshInterval: '1h',
    secretStoreRef: { name: 'easyflow', kind: 'ClusterSecretStore' },
    target: { name: 'easyflow-secrets', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
    data: SECRET_KEYS.map((key) => ({ secretKey: key, remoteRef: { key: 'easyflow/test', property: key } })),
  });
});

test('all props; existing: nothing is synthesized, the secret is only referenced', () => {
  const { chart, synth } = scratch();
  const props: Required<AppSecretsProps> = {
    source: 'existing',
    storeName: 'vault',
    storeKind: 'SecretStore',
    remoteKey: 'x',
    refreshInterval: '5m',
  };
  const s = new AppSecrets(chart, 's', props);
  expect(synth()).toEqual([]);
  expect(s.env('OPENAI_API_KEY', 'OPENAI_API_KEY')).toEqual({
    name: 'OPENAI_API_KEY',
    valueFrom: { secretKeyRef: { name: 'easyflow-secrets', key: 'OPENAI_API_KEY' } },
  });
});

test('a SecretStore kind', () => {
  const { chart, synth } = scratch();
  new AppSecrets(chart, 's', { remoteKey: 'k', storeKind: 'SecretStore', storeName: 'local' });
  expect(find(synth(), 'ExternalSecret', 'easyflow-secrets').spec.secretStoreRef).toEqual({
    name: 'local',
    kind: 'SecretStore',
  });
});

test('a bad remote key is refused', () => {
  const { chart } = scratch();
  expect(() => new AppSecrets(chart, 's', { remoteKey: 'easy flow' })).toThrow(
    'test/s: remoteKey "easy flow" must be a store path such as easyflow/prod',
  );
});

test('the object-store Secret comes from the same store key, or is made by hand with existing', () => {
  const { chart, synth } = scratch();
  new AppSecrets(chart, 's', { remoteKey: 'easyflow/test' }).objectStoreSecret(chart, 'o3', 'backup-s3');
  const es = find(synth(), 'ExternalSecret', 'backup-s3').spec;
  expect(es.target.name).toBe('backup-s3');
  expect(es.data).toEqual(
    OBJECT_STORE_KEYS.map((key) => ({
      secretKey: key,
      remoteRef: { key: 'easyflow/test', property: `BACKUP_${key}` },
    })),
  );
  const existing = scratch();
  new AppSecrets(existing.chart, 's', { remoteKey: 'easyflow/test', source: 'existing' }).objectStoreSecret(
    existing.chart,
    'o3',
    'backup-s3',
  );
  expect(existing.synth()).toEqual([]);
});
