// Integer arguments read as Redis's string2ll reads them: parseInteger's digit loop (up to 15
// characters) against the rule written as a pattern, and the 64-bit path beyond.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInteger } from '../src/commands/args.js';

/** The rule: an optional '-', then '0' alone or a digit 1-9 followed by digits. */
const RULE = /^(0|-?[1-9][0-9]*)$/;

describe('parseInteger', () => {
  it('accepts exactly what the rule accepts, with its value, up to 15 characters', () => {
    const cases = ['', '-', '0', '-0', '00', '01', '-01', '1', '-1', '9', '10', '+1', ' 1', '1 ', '1a', 'a', '1.0', '1e3', '0x1', '--1', ':', '/', '-/', '\u0661'];
    cases.push('999999999999999', '-99999999999999', '123456789012345');
    // Every string of up to 4 characters over digits, '-', and the characters either side of '0'..'9'.
    const alphabet = ['-', '/', '0', '1', '5', '9', ':'];
    let level = [''];
    for (let n = 1; n <= 4; n++) {
      level = level.flatMap((s) => alphabet.map((ch) => s + ch));
      cases.push(...level);
    }
    for (const s of cases) {
      const want = RULE.test(s) ? Number(s) : null;
      assert.equal(parseInteger(s), want, JSON.stringify(s));
    }
  });

  it('reads longer integers through 64 bits, and refuses what does not fit', () => {
    assert.equal(parseInteger('1234567890123456'), 1234567890123456);
    assert.equal(parseInteger('-9223372036854775808'), -9223372036854775808);
    assert.equal(parseInteger('9223372036854775808'), null);
    assert.equal(parseInteger('0000000000000001'), null);
  });
});
