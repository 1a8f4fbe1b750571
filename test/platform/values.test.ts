/** The small validators config and constructs share: cron, image references, quantities. */
import { cronProblem } from '../../lib/platform/cron';
import { imageReference, pinnedImageProblem, tagProblem } from '../../lib/platform/image';
import { isQuantity, parseQuantity } from '../../lib/platform/quantity';

test.each([
  '0 2 * * *',
  '*/15 * * * *',
  '0 0 1 jan,jul *',
  '30 3 * * mon-fri',
  '0 0 * * 7',
  '@daily',
  '5-10/2 0 1-31 1-12 0-6',
])('valid cron: %s', (expr) => expect(cronProblem(expr)).toBeUndefined());

test.each([
  ['0 2 * *', 'expected 5 fields (minute hour day-of-month month day-of-week), found 4'],
  ['60 2 * * *', '"60" in the minute field is outside 0-59'],
  ['0 2 0 * *', '"0" in the day of month field is outside 1-31'],
  ['0 2 * * 8', '"8" in the day of week field is outside 0-7'],
  ['0 5-2 * * *', 'range "5-2" in the hour field runs backwards'],
  ['*/0 * * * *', 'step "0" in the minute field must be a positive whole number'],
  ['0 2 * foo *', '"foo" in the month field is outside 1-12'],
  ['TZ=UTC 0 2 * * *', 'a time zone inside the schedule is not allowed; use backup.timeZone'],
])('invalid cron: %s', (expr, problem) => expect(cronProblem(expr)).toBe(problem));

test.each([
  ['postgres:15.10-alpine', undefined],
  ['docker.io/library/postgres:15.10-alpine', undefined],
  ['localhost:5000/easyflow:1.0.0', undefined],
  [`ghcr.io/easyflow/easyflow@sha256:${'a'.repeat(64)}`, undefined],
  ['postgres', 'the image has no tag: pin a version tag such as :15.10-alpine'],
  ['localhost:5000/easyflow', 'the image has no tag: pin a version tag such as :15.10-alpine'],
  ['postgres:latest', '"latest" is not a release: pin a version tag'],
  ['postgres:', 'the tag is empty'],
  ['Postgres:15', 'an image repository is lower-case path components such as ghcr.io/easyflow/easyflow, without a tag'],
  ['postgres@sha256:abc', 'a digest is sha256: followed by 64 lower-case hex digits'],
])('pinned image %s', (ref, problem) => expect(pinnedImageProblem(ref)).toBe(problem));

test('tags', () => {
  expect(tagProblem('v1.2.3')).toBeUndefined();
  expect(tagProblem('LATEST')).toBe('"latest" is not a release: pin a version tag');
  expect(tagProblem('-rc')).toBe('a tag is 1-128 letters, digits, "_", "." or "-" and does not start with "." or "-"');
  expect(imageReference('r.io/a', '1', `sha256:${'b'.repeat(64)}`)).toBe(`r.io/a:1@sha256:${'b'.repeat(64)}`);
});

test('quantities', () => {
  expect(['500m', '1', '0.5', '512Mi', '1Gi', '20G', '100k'].every(isQuantity)).toBe(true);
  expect(['512MB', '1e3', '', 'Gi', '-1'].some(isQuantity)).toBe(false);
  expect(parseQuantity('500m')).toBe(0.5);
  expect(parseQuantity('1Gi')).toBe(2 ** 30);
  expect(parseQuantity('1G')).toBe(1e9);
  expect(() => parseQuantity('512MB')).toThrow('"512MB" is not a Kubernetes quantity');
});
