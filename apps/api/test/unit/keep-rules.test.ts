import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupsToPrune } from '../../src/backups/keep-rules';

const DAY = 86_400_000;
// Two backups a day (03:00 and 15:00 UTC) for 70 days, newest first, ending Thursday 2026-11-26.
const end = Date.UTC(2026, 10, 26, 15);
const backups = Array.from({ length: 140 }, (_, i) => ({ id: `b${i}`, startedAt: new Date(end - i * (DAY / 2)) }));
const kept = (rules: Parameters<typeof backupsToPrune>[1], timeZone = 'UTC', atMost?: number) => {
  const pruned = new Set(backupsToPrune(backups, rules, timeZone, atMost));
  return backups.filter((b) => !pruned.has(b.id)).map((b) => b.startedAt.toISOString());
};

test('keep last N only', () => {
  assert.deepEqual(kept({ keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }), [
    '2026-11-26T15:00:00.000Z',
    '2026-11-26T03:00:00.000Z',
    '2026-11-25T15:00:00.000Z',
  ]);
});

test('daily keeps the newest of each of the latest days', () => {
  assert.deepEqual(kept({ keepLast: 1, keepDaily: 3, keepWeekly: 0, keepMonthly: 0 }), ['2026-11-26T15:00:00.000Z', '2026-11-25T15:00:00.000Z', '2026-11-24T15:00:00.000Z']);
});

test('weekly counts ISO weeks (Monday to Sunday), monthly calendar months', () => {
  const weekly = kept({ keepLast: 1, keepDaily: 0, keepWeekly: 3, keepMonthly: 0 });
  // This week's newest, then the Sundays closing the two weeks before.
  assert.deepEqual(weekly, ['2026-11-26T15:00:00.000Z', '2026-11-22T15:00:00.000Z', '2026-11-15T15:00:00.000Z']);
  const monthly = kept({ keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 3 });
  assert.deepEqual(monthly, ['2026-11-26T15:00:00.000Z', '2026-10-31T15:00:00.000Z', '2026-09-30T15:00:00.000Z']);
});

test('rules add up: a backup any rule keeps stays', () => {
  const all = kept({ keepLast: 2, keepDaily: 2, keepWeekly: 2, keepMonthly: 2 });
  assert.deepEqual(all, ['2026-11-26T15:00:00.000Z', '2026-11-26T03:00:00.000Z', '2026-11-25T15:00:00.000Z', '2026-11-22T15:00:00.000Z', '2026-10-31T15:00:00.000Z']);
});

test('days are counted in the schedule time zone', () => {
  // In Tokyo (UTC+9) 15:00 UTC is already the next day: the 03:00 UTC backup is the newest of its own day.
  assert.deepEqual(kept({ keepLast: 1, keepDaily: 2, keepWeekly: 0, keepMonthly: 0 }, 'Asia/Tokyo'), ['2026-11-26T15:00:00.000Z', '2026-11-26T03:00:00.000Z']);
});

test("the console policy's cap keeps only the newest of what the rules keep", () => {
  assert.deepEqual(kept({ keepLast: 2, keepDaily: 2, keepWeekly: 2, keepMonthly: 2 }, 'UTC', 3), ['2026-11-26T15:00:00.000Z', '2026-11-26T03:00:00.000Z', '2026-11-25T15:00:00.000Z']);
});
