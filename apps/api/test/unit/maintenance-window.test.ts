import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTimeZone } from '@hearth/contracts';
import { describeWindow, insideWindow, nextOpening } from '../../src/upgrades/maintenance-window';

const berlinNight = { start: '22:00', end: '02:00', timezone: 'Europe/Berlin' };

test('a window past midnight is open in the evening and the next morning, in its own time zone', () => {
  // 2026-11-26 is a Thursday; Berlin is UTC+1 in November.
  assert.equal(insideWindow(berlinNight, new Date('2026-11-26T20:59:00Z')), false, '21:59 in Berlin');
  assert.equal(insideWindow(berlinNight, new Date('2026-11-26T21:00:00Z')), true, '22:00 in Berlin');
  assert.equal(insideWindow(berlinNight, new Date('2026-11-27T00:59:00Z')), true, '01:59 the next morning');
  assert.equal(insideWindow(berlinNight, new Date('2026-11-27T01:00:00Z')), false, '02:00: closed');
});

test('days are the days a window starts on', () => {
  const saturdayNight = { ...berlinNight, days: [6] };
  assert.equal(insideWindow(saturdayNight, new Date('2026-11-26T21:30:00Z')), false, 'Thursday');
  assert.equal(insideWindow(saturdayNight, new Date('2026-11-28T21:30:00Z')), true, 'Saturday 22:30');
  assert.equal(insideWindow(saturdayNight, new Date('2026-11-29T00:30:00Z')), true, 'Sunday 01:30 belongs to Saturday night');
  assert.equal(insideWindow(saturdayNight, new Date('2026-11-29T21:30:00Z')), false, 'Sunday evening');
  assert.equal(nextOpening(saturdayNight, new Date('2026-11-26T12:00:00Z')).toISOString(), '2026-11-28T21:00:00.000Z');
  assert.equal(describeWindow(saturdayNight), '22:00-02:00 Europe/Berlin on Sat');
});

test('the next opening is now inside the window, and follows daylight saving time', () => {
  const at = new Date('2026-11-26T21:30:00Z');
  assert.equal(nextOpening(berlinNight, at), at);
  // Berlin moves to UTC+2 on 2027-03-28: 03:00 local is then 01:00 UTC.
  const early = { start: '03:00', end: '04:00', timezone: 'Europe/Berlin' };
  assert.equal(nextOpening(early, new Date('2027-03-27T12:00:00Z')).toISOString(), '2027-03-28T01:00:00.000Z');
  assert.equal(nextOpening(early, new Date('2027-03-26T12:00:00Z')).toISOString(), '2027-03-27T02:00:00.000Z');
});

test('time zones are checked', () => {
  assert.equal(isTimeZone('Europe/Berlin'), true);
  assert.equal(isTimeZone('Mars/Olympus'), false);
});
