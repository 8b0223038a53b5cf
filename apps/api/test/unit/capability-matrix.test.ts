import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MATRIX_CAPABILITIES, renderCapabilityMatrix } from '../../src/drivers/capability-matrix';
import { builtInDrivers } from '../../src/drivers/drivers';

const DOC = join(__dirname, '../../../../../docs/capabilities.md');

test('docs/capabilities.md is what the drivers declare', () => {
  const drivers = [...builtInDrivers({ versionStore: '/nonexistent' }).values()];
  const rendered = renderCapabilityMatrix(drivers);
  if (process.env.HEARTH_UPDATE_DOCS === '1') writeFileSync(DOC, rendered);
  assert.equal(readFileSync(DOC, 'utf8'), rendered, 'run this test with HEARTH_UPDATE_DOCS=1 to regenerate docs/capabilities.md');
});

test('the matrix names every capability any driver declares', () => {
  const declared = new Set([...builtInDrivers({ versionStore: '/nonexistent' }).values()].flatMap((driver) => [...driver.capabilities]));
  assert.deepEqual([...declared].filter((capability) => !MATRIX_CAPABILITIES.includes(capability)), []);
});
