/** The shared prop checks, at their edges: every construct's bounds go through them. */
import { isIP } from 'net';
import { ipFamily, wholeNumberProblem } from '../../lib/platform/checks';

test.each<[number, number, number | undefined, string | undefined]>([
  [1, 1, undefined, undefined],
  [0, 1, undefined, 'n must be a whole number >= 1, got 0'],
  [60, 60, undefined, undefined],
  [59, 60, undefined, 'n must be a whole number >= 60, got 59'],
  [9, 1, 9, undefined],
  [10, 1, 9, 'n must be a whole number from 1 to 9, got 10'],
  [0, 1, 9, 'n must be a whole number from 1 to 9, got 0'],
  [1.5, 1, undefined, 'n must be a whole number >= 1, got 1.5'],
])('value %d, minimum %d, maximum %s: problem %s', (value, min, max, problem) => {
  expect(wholeNumberProblem('n', value, min, max)).toBe(problem);
});

test.each([
  '10.0.0.1',
  '0.0.0.0',
  '255.255.255.255',
  '256.1.1.1',
  '01.2.3.4',
  '1.2.3',
  '1.2.3.4.5',
  ' 1.2.3.4',
  '::',
  '::1',
  'fd00:10::',
  'fe80::1%eth0',
  '::ffff:1.2.3.4',
  '1::2::3',
  '[::1]',
  'api.easyflow.dev',
  '',
])('ipFamily(%j) is what net.isIP answers', (value) => {
  expect(ipFamily(value)).toBe(isIP(value));
});
