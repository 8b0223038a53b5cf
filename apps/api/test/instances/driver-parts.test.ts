import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { InstanceSpec } from '../../src/drivers/driver';
import { builtInDrivers } from '../../src/drivers/drivers';
import { patchEjabberdctl, renderCtlConfig, renderEjabberdConfig } from '../../src/drivers/ejabberd/ejabberd.config';
import { toYaml } from '../../src/drivers/yaml';
import { AdminStreamParser, escapeXml, luaString, shellCall } from '../../src/drivers/prosody/prosody-admin-socket';
import { renderProsodyConfig } from '../../src/drivers/prosody/prosody.config';
import { generateSecrets } from '../../src/drivers/secrets';
import { checkUsername, validateSpec } from '../../src/drivers/validation';

const execFileAsync = promisify(execFile);

const base: InstanceSpec = {
  id: 'family',
  kind: 'prosody',
  domain: 'family.example',
  bindAddress: '127.0.0.1',
  dir: '/var/lib/hearth/instances/family',
  ports: { client: 15222, http: 15280, dist: 15299 },
  settings: {},
};

describe('Prosody admin shell protocol', () => {
  test('luaString survives any text, checked by Lua itself', async () => {
    const samples = ['plain', 'quote " and \' and \\ backslash', 'new\nline\r\0nul', ']] long-bracket [[', 'ünïcödé 🔑', '"); os.exit(1) --'];
    for (const sample of samples) {
      const { stdout } = await execFileAsync('lua5.4', ['-e', `io.write(${luaString(sample)})`]);
      assert.equal(stdout, sample);
    }
  });

  test('shellCall builds a call with literal arguments only', () => {
    assert.equal(shellCall('user:create', 'a@b.c', 'p"w'), 'user:create("a@b.c", "p\\034w")');
    assert.throws(() => shellCall('os.execute', 'x'));
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  test('the stream parser handles split chunks, entities, empty results and errors', () => {
    const parser = new AdminStreamParser();
    const chunks = [
      "<?xml version='1.0'?><stream:st",
      "ream id='' xmlns='xmpp:prosody.im/admin'><repl-output>a@b &amp; &lt;c&gt;</repl-output><repl-res",
      "ult>OK: Showing all 1 users</repl-result><repl-result type='error'>Error: User exists</repl-result><repl-result/>",
      '</stream:stream>',
    ];
    const events = chunks.flatMap((chunk) => parser.feed(chunk));
    assert.deepEqual(events, [
      { type: 'output', text: 'a@b & <c>' },
      { type: 'result', text: 'OK: Showing all 1 users', error: false },
      { type: 'result', text: 'Error: User exists', error: true },
      { type: 'result', text: '', error: false },
      { type: 'closed' },
    ]);
    assert.throws(() => new AdminStreamParser().feed('HTTP/1.1 400 Bad Request\r\n'));
  });
});

describe('config rendering', () => {
  test('Prosody: TLS from files, no archive, file sharing with expiry', () => {
    const config = renderProsodyConfig({
      ...base,
      bindAddress: '0.0.0.0',
      settings: {
        tls: { mode: 'files', certificate: '/etc/ssl/family.crt', key: '/etc/ssl/family.key' },
        messageRetentionDays: 0,
        fileShare: { externalUrl: 'https://chat.family.example/', retentionDays: 2, maxFileBytes: 10_000_000 },
        logLevel: 'warn',
      },
    });
    for (const expected of [
      'c2s_interfaces = { "0.0.0.0" }',
      'c2s_require_encryption = true',
      'ssl = { certificate = "/etc/ssl/family.crt", key = "/etc/ssl/family.key" }',
      'Component "upload.family.example" "http_file_share"',
      'http_file_share_expires_after = 172800',
      'http_file_share_size_limit = 10000000',
      'http_external_url = "https://chat.family.example/"',
      'levels = { min = "warn" }',
      '"tls"',
    ]) {
      assert.ok(config.includes(expected), `missing ${expected}`);
    }
    assert.ok(!config.includes('"mam"'), 'archive off');
    assert.ok(!config.includes('archive_expires_after'));
  });

  test('ejabberd: YAML quoting, TLS required away from loopback, ctl settings', () => {
    assert.equal(
      toYaml({ a: 'x: "y"', list: ['one', 2, true], nested: [{ port: 1, handlers: { '/api': 'mod_http_api' } }], empty: {} }, 'head'),
      ['# head', 'a: "x: \\"y\\""', 'list: ["one", 2, true]', 'nested:', '  - port: 1', '    handlers:', '      "/api": "mod_http_api"', 'empty: {}', ''].join('\n'),
    );
    const config = renderEjabberdConfig({ ...base, kind: 'ejabberd', bindAddress: '::', settings: { tls: { mode: 'self-signed' } } });
    assert.match(config, /starttls_required: true/);
    assert.match(config, /certfiles: \["\/var\/lib\/hearth\/instances\/family\/certs\/family\.example\.crt", ".*\.key"\]/);
    assert.match(config, /disable_sasl_mechanisms: \["DIGEST-MD5", "X-OAUTH2"\]/);
    assert.match(config, /s2s_access: "none"/);
    assert.match(config, /auto: false/);
    const ctl = renderCtlConfig({ ...base, id: 'my-club' });
    assert.match(ctl, /^ERLANG_NODE=ejabberd_my_club@localhost$/m);
    assert.match(ctl, /^ERL_DIST_PORT=15299$/m);
    assert.throws(() => patchEjabberdctl('#!/bin/sh\necho hi\n'), { code: 'driver/unavailable' });
  });
});

describe('validation', () => {
  const ports = builtInDrivers({ versionStore: '/nonexistent' }).get('ejabberd')!.portNames;

  test('refuses plaintext away from loopback, odd domains, ids and paths', () => {
    assert.doesNotThrow(() => validateSpec(base, ports));
    const bad: Array<Partial<InstanceSpec>> = [
      { bindAddress: '0.0.0.0', settings: { tls: { mode: 'off' } } },
      { bindAddress: 'localhost' },
      { domain: 'Family.Example' },
      { domain: 'family' },
      { domain: 'fam"ily.example' },
      { id: '../x' },
      { dir: 'relative/dir' },
      { dir: '/var/lib/hearth/../x' },
      { ports: { client: 1, http: 1, dist: 3 } },
      { ports: { client: 1, http: 2 } },
      { settings: { messageRetentionDays: -1 } },
      { settings: { fileShare: { externalUrl: 'javascript:alert(1)' } } },
    ];
    for (const change of bad) assert.throws(() => validateSpec({ ...base, ...change }, ports), { code: 'spec/invalid' }, JSON.stringify(change));
    assert.doesNotThrow(() => validateSpec({ ...base, bindAddress: '0.0.0.0', settings: { tls: { mode: 'self-signed' } } }, ports));
  });

  test('user names are lowercase local parts without characters that need quoting', () => {
    for (const good of ['alice', 'émilie', 'bob.smith', 'x_1-2']) assert.doesNotThrow(() => checkUsername(good));
    for (const bad of ['', 'Alice', 'a@b', 'a b', 'a/b', 'a"b', "a'b", 'a\nb', 'x'.repeat(65)]) {
      assert.throws(() => checkUsername(bad), { code: 'user/invalid' }, JSON.stringify(bad));
    }
  });

  test('secrets are random, ASCII and one per name', () => {
    const driver = builtInDrivers({ versionStore: '/nonexistent' }).get('ejabberd')!;
    const one = generateSecrets(driver);
    const two = generateSecrets(driver);
    assert.deepEqual(Object.keys(one).sort(), ['adminPassword', 'erlangCookie']);
    assert.notEqual(one.adminPassword, two.adminPassword);
    assert.match(one.adminPassword, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(generateSecrets(builtInDrivers({ versionStore: '/nonexistent' }).get('prosody')!), {});
  });
});
