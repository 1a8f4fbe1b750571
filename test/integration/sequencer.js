/**
 * The integration files in Jest's own order (failed first, then longest by the last run's times,
 * else largest), but the README workflows first: they take longest by far (several full `npm test`
 * runs in a copy), and on a fresh clone, which has no times yet, Jest would start them behind
 * larger files, at the end of the run's critical path.
 */
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;

const LONGEST = 'workflows.test.ts';

class IntegrationSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const first = (t) => path.basename(t.path) === LONGEST;
    return [...sorted.filter(first), ...sorted.filter((t) => !first(t))];
  }
}

module.exports = IntegrationSequencer;
