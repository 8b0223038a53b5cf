import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config';

test('instances live below the data directory, on the default ports, each as its own uid', () => {
  const config = loadConfig({ HEARTH_DATA_DIR: '/var/lib/hearth' });
  assert.equal(config.instancesDir, '/var/lib/hearth/instances');
  assert.deepEqual(config.portRange, { first: 15200, last: 16199 });
  assert.equal(config.instanceUser, undefined);
  assert.equal(config.instanceUidBase, 2_000_000);
  assert.equal(loadConfig({ HEARTH_INSTANCE_UID_BASE: '300000' }).instanceUidBase, 300_000);
});

test('HEARTH_INSTANCES_DIR, HEARTH_PORT_RANGE and HEARTH_INSTANCE_USER are parsed', () => {
  const config = loadConfig({ HEARTH_INSTANCES_DIR: 'srv/instances', HEARTH_PORT_RANGE: '20000-20099', HEARTH_INSTANCE_USER: 'hearth-run:hearth-run' });
  assert.equal(config.instancesDir, resolve('srv/instances'));
  assert.deepEqual(config.portRange, { first: 20000, last: 20099 });
  assert.deepEqual(config.instanceUser, { user: 'hearth-run', group: 'hearth-run' });
  assert.deepEqual(loadConfig({ HEARTH_INSTANCE_USER: 'nobody' }).instanceUser, { user: 'nobody', group: 'nogroup' });
  assert.equal(loadConfig({ HEARTH_DATA_DIR: 'data' }).instancesDir, join(resolve('data'), 'instances'));
});

test('a bad range or user is refused, naming the variable', () => {
  for (const range of ['15200', '16199-15200', '80-90', '15200-70000', 'a-b']) {
    assert.throws(() => loadConfig({ HEARTH_PORT_RANGE: range }), (error: Error) => error instanceof ConfigError && /HEARTH_PORT_RANGE/.test(error.message), range);
  }
  for (const user of ['nobody:nogroup:x', 'no body']) {
    assert.throws(() => loadConfig({ HEARTH_INSTANCE_USER: user }), /HEARTH_INSTANCE_USER/, user);
  }
  for (const base of ['0', '999', '-5', '2.5', '4294967295', 'many']) {
    assert.throws(() => loadConfig({ HEARTH_INSTANCE_UID_BASE: base }), /HEARTH_INSTANCE_UID_BASE/, base);
  }
});
