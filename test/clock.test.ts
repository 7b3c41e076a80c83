// The wall clock's at(): the time now() would have read at a performance.now() reading.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../src/store/clock.js';

describe('systemClock.at', () => {
  it('maps a performance.now() reading to the Date.now() of that moment, before and after resync()', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1000; i++) {
        const before = Date.now();
        const at = systemClock.at(performance.now());
        const after = Date.now();
        // Never ahead of Date.now() (idle times would be negative), at most two milliseconds behind.
        assert.ok(at >= before - 2 && at <= after, `at ${at}, Date.now() ${before}..${after}`);
        assert.equal(at, Math.floor(at));
      }
      systemClock.resync();
    }
  });
});
