import { AppConfig, AppConfigProps } from '../../lib/workloads/app-config';
import { find } from '../helpers';
import { scratch } from '../charts';

test('minimal props: the guide defaults', () => {
  const { chart, synth } = scratch();
  new AppConfig(chart, 'c', { environment: 'test' });
  expect(find(synth(), 'ConfigMap', 'easyflow-config').data).toEqual({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'INFO',
    WORKERS: '4',
  });
});

test('all props: extra settings, sorted; the checksum follows the data', () => {
  const { chart, synth } = scratch();
  const props: Required<AppConfigProps> = {
    environment: 'test',
    logLevel: 'DEBUG',
    workers: 2,
    settings: { TZ: 'UTC', CORS_ORIGINS: 'https://a' },
  };
  const c = new AppConfig(chart, 'c', props);
  expect(Object.keys(find(synth(), 'ConfigMap', 'easyflow-config').data)).toEqual([
    'CORS_ORIGINS',
    'ENVIRONMENT',
    'LOG_LEVEL',
    'TZ',
    'WORKERS',
  ]);
  const other = new AppConfig(scratch().chart, 'c', { ...props, workers: 3 });
  expect(c.checksum).not.toBe(other.checksum);
  expect(c.data.WORKERS).toBe('2');
});

test('bad props', () => {
  const { chart } = scratch();
  expect(() => new AppConfig(chart, 'a', { environment: 't', workers: 0 })).toThrow(
    'test/a: workers must be a whole number >= 1, got 0',
  );
  expect(() => new AppConfig(chart, 'b', { environment: 't', settings: { DATABASE_URL: 'x' } })).toThrow(
    'test/b: settings.DATABASE_URL is set by this construct and cannot be overridden',
  );
});
