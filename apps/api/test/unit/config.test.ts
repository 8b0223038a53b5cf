import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config';

const API_PACKAGE = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { name: string; version: string };

test('an empty environment gives the documented local defaults', () => {
  const config = loadConfig({});
  assert.equal(config.databaseUrl, 'postgresql://postgres@127.0.0.1:5432/hearth');
  assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, resolve('.hearth-data'));
  assert.equal(config.admin, undefined);
  assert.equal(config.masterKey, undefined);
  assert.equal(config.sessionTtlMs, 12 * 3600_000);
  assert.equal(config.worker, 'embedded');
  assert.equal(config.workerConcurrency, 4);
  assert.equal(config.redisPrefix, 'hearth');
  assert.equal(config.logLevel, 'log');
  assert.equal(config.logFormat, 'json');
  assert.equal(config.secureCookies, false);
  assert.deepEqual(config.trustedProxies, []);
  assert.equal(config.metricsPublic, false);
  assert.equal(config.sampleRetentionDays, 30);
  assert.equal(config.alertRetryDelayMs, 30_000);
  assert.ok(isAbsolute(config.webDir));
  assert.equal(API_PACKAGE.name, '@hearth/api');
  assert.equal(config.version, API_PACKAGE.version);
});

test('values are parsed and normalised', () => {
  const config = loadConfig({
    HEARTH_PORT: '9090',
    HEARTH_ADMIN_EMAIL: 'Owner@Example.ORG',
    HEARTH_ADMIN_PASSWORD: 'correct horse battery',
    HEARTH_SESSION_TTL_HOURS: '0.5',
    HEARTH_WORKER: 'off',
    HEARTH_SECURE_COOKIES: '1',
    HEARTH_METRICS_PUBLIC: 'true',
    HEARTH_TRUSTED_PROXIES: ' 10.0.0.1, ,192.168.1.2 ',
    HEARTH_DATA_DIR: '/var/lib/hearth',
    HEARTH_WEB_DIR: '/srv/web',
  });
  assert.equal(config.port, 9090);
  assert.deepEqual(config.admin, { email: 'owner@example.org', password: 'correct horse battery' });
  assert.equal(config.sessionTtlMs, 1800_000);
  assert.equal(config.worker, 'off');
  assert.equal(config.secureCookies, true);
  assert.equal(config.metricsPublic, true);
  assert.deepEqual(config.trustedProxies, ['10.0.0.1', '192.168.1.2']);
  assert.equal(config.dataDir, '/var/lib/hearth');
  assert.equal(config.webDir, '/srv/web');
});

test('every bad value is reported in one error', () => {
  let error: unknown;
  try {
    loadConfig({
      DATABASE_URL: 'not a url',
      HEARTH_PORT: 'eighty',
      HEARTH_WORKER: 'sometimes',
      HEARTH_ADMIN_PASSWORD: 'short',
      HEARTH_ADMIN_EMAIL: 'nobody',
      HEARTH_REDIS_PREFIX: 'has spaces',
      HEARTH_SECURE_COOKIES: 'yes',
    });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, 'a ConfigError');
  const message = (error as Error).message;
  assert.match(message, /^Invalid configuration:/);
  for (const name of ['DATABASE_URL', 'HEARTH_PORT', 'HEARTH_WORKER', 'HEARTH_ADMIN_PASSWORD', 'HEARTH_ADMIN_EMAIL', 'HEARTH_REDIS_PREFIX', 'HEARTH_SECURE_COOKIES']) {
    assert.match(message, new RegExp(`^  ${name}: `, 'm'), `${name} is listed`);
  }
  assert.doesNotMatch(message, /HEARTH_HOST/, 'valid settings are not listed');
});

test('out-of-range numbers are refused', () => {
  assert.throws(() => loadConfig({ HEARTH_PORT: '70000' }), (e: Error) => e instanceof ConfigError && /HEARTH_PORT/.test(e.message));
  assert.throws(() => loadConfig({ HEARTH_SESSION_TTL_HOURS: '0' }), /HEARTH_SESSION_TTL_HOURS/);
  assert.throws(() => loadConfig({ HEARTH_WORKER_CONCURRENCY: '0' }), /HEARTH_WORKER_CONCURRENCY/);
  assert.throws(() => loadConfig({ HEARTH_SAMPLE_RETENTION_DAYS: '0' }), /HEARTH_SAMPLE_RETENTION_DAYS/);
  assert.throws(() => loadConfig({ HEARTH_ALERT_RETRY_DELAY_MS: '10' }), /HEARTH_ALERT_RETRY_DELAY_MS/);
});

test('an admin password without an admin email is refused', () => {
  assert.throws(() => loadConfig({ HEARTH_ADMIN_PASSWORD: 'long enough password' }), (e: Error) => e instanceof ConfigError && /HEARTH_ADMIN_EMAIL is not/.test(e.message));
});

test('an empty variable counts as unset', () => {
  const config = loadConfig({ HEARTH_ADMIN_EMAIL: '', HEARTH_WEB_DIR: '', HEARTH_PORT: '' });
  assert.equal(config.admin, undefined);
  assert.equal(config.port, 8080);
  assert.match(config.webDir, /web\/dist$/);
});
