/** The shared prop checks, at their edges: every construct's bounds go through them. */
import { wholeNumberProblem } from '../../lib/platform/checks';

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
