import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SetFederationRequest } from '@hearth/contracts';
import type { FederationPolicy, InstanceSpec } from '../../src/drivers/driver';
import { DriverError } from '../../src/drivers/driver';
import { serverRule } from '../../src/drivers/ejabberd/ejabberd-federation';
import { renderEjabberdConfig } from '../../src/drivers/ejabberd/ejabberd.config';
import { describePolicy, federationPolicy, normalisePolicy, samePolicy } from '../../src/drivers/federation-policy';
import { renderProsodyConfig } from '../../src/drivers/prosody/prosody.config';
import { SYNAPSE_SECRETS, renderHearthConfig } from '../../src/drivers/synapse/synapse.config';
import { YamlSubsetError, readYamlKeys } from '../../src/drivers/yaml-reader';

function spec(kind: InstanceSpec['kind'], federation?: FederationPolicy, ports: Record<string, number> = {}): InstanceSpec {
  return {
    id: 'fed',
    kind,
    domain: 'home.test',
    bindAddress: '127.0.0.1',
    dir: '/srv/hearth/instances/fed',
    ports: { client: 26200, http: 26201, dist: 26202, ...ports },
    settings: federation ? { federation } : {},
  };
}
const SECRETS = Object.fromEntries(SYNAPSE_SECRETS.map((name) => [name, name === 'signing_key_seed' ? Buffer.alloc(32, 7).toString('base64url') : `secret-${name}`]));

describe('a policy is checked and put in one form before it reaches a config file', () => {
  test('closed and open drop domains; lists are lowercased, sorted, without repeats', () => {
    assert.deepEqual(normalisePolicy({ mode: 'open', domains: ['a.test'] }), { mode: 'open', domains: [] });
    assert.deepEqual(normalisePolicy({ mode: 'allowlist', domains: ['B.test', 'a.test', 'b.test'] }), { mode: 'allowlist', domains: ['a.test', 'b.test'] });
    assert.ok(samePolicy({ mode: 'denylist', domains: ['b.test', 'a.test'] }, { mode: 'denylist', domains: ['a.test', 'b.test'] }));
    assert.ok(!samePolicy({ mode: 'allowlist', domains: ['a.test'] }, { mode: 'denylist', domains: ['a.test'] }));
    assert.equal(describePolicy({ mode: 'allowlist', domains: ['b.test', 'a.test'] }), 'allowlist (a.test, b.test)');
    assert.equal(describePolicy(null), 'none of the policies');
  });

  test('no policy is closed; a mode the server lacks, a bad or own domain, or an empty list is refused', () => {
    assert.deepEqual(federationPolicy(spec('prosody'), ['closed', 'open']), { mode: 'closed', domains: [] });
    const refused: [FederationPolicy, RegExp][] = [
      [{ mode: 'denylist', domains: ['a.test'] }, /can't enforce a denylist.*closed, open/],
      [{ mode: 'allowlist', domains: ['home.test'] }, /own domain/],
      [{ mode: 'allowlist', domains: ['"quoted".test'] }, /not a domain name/],
      [{ mode: 'allowlist', domains: [] }, /An allowlist needs at least one domain/],
    ];
    for (const [policy, message] of refused) {
      assert.throws(() => federationPolicy(spec('ejabberd', policy), policy.mode === 'denylist' ? ['closed', 'open'] : ['closed', 'allowlist', 'open']), (error: Error) => error instanceof DriverError && error.code === 'spec/invalid' && message.test(error.message), JSON.stringify(policy));
    }
  });

  test('the API refuses domains where the mode has none, and lists without one', () => {
    assert.ok(SetFederationRequest.safeParse({ mode: 'allowlist', domains: ['Friends.Test'] }).success);
    assert.deepEqual(SetFederationRequest.parse({ mode: 'closed' }), { mode: 'closed', domains: [] });
    for (const body of [{ mode: 'allowlist' }, { mode: 'denylist', domains: [] }, { mode: 'open', domains: ['a.test'] }, { mode: 'closed', domains: ['x'] }, { mode: 'shut' }, { mode: 'closed', extra: 1 }]) {
      assert.equal(SetFederationRequest.safeParse(body).success, false, JSON.stringify(body));
    }
  });
});

describe('rendered configs', () => {
  test('Prosody closed: mod_s2s not even loaded, no s2s port', () => {
    const config = renderProsodyConfig(spec('prosody'));
    assert.match(config, /^modules_disabled = \{ "s2s", "s2s_auth_certs" \}$/m);
    assert.match(config, /^s2s_ports = \{\}$/m);
    assert.doesNotMatch(config, /dialback/);
  });

  test('Prosody open: s2s on its own port on the instance address, with dialback; none without an s2s port', () => {
    const config = renderProsodyConfig(spec('prosody', { mode: 'open', domains: [] }, { s2s: 26203 }));
    assert.match(config, /^s2s_ports = \{ 26203 \}$/m);
    assert.match(config, /^s2s_interfaces = \{ "127\.0\.0\.1" \}$/m);
    assert.match(config, /^modules_disabled = \{\}$/m);
    assert.match(config, /^modules_enabled = \{ .*"dialback" \}$/m);
    assert.throws(() => renderProsodyConfig(spec('prosody', { mode: 'open', domains: [] })), /needs an s2s port.*none/);
    assert.throws(() => renderProsodyConfig(spec('prosody', { mode: 'open', domains: [] }, { s2s: 26200 })), /needs an s2s port.*26200/);
    assert.throws(() => renderProsodyConfig(spec('prosody', { mode: 'allowlist', domains: ['a.test'] }, { s2s: 26203 })), /can't enforce an? allowlist/);
  });

  test('ejabberd: s2s_access, an ACL of remote servers and the s2s listener, per mode', () => {
    const read = (policy?: FederationPolicy) => readYamlKeys(renderEjabberdConfig(spec('ejabberd', policy, { s2s: 26203 })), ['s2s_access', 'acl', 'access_rules', 'listen', 'modules']);
    const closed = read();
    assert.equal(closed.s2s_access, 'none');
    assert.equal((closed.listen as { module: string }[]).some((listener) => listener.module === 'ejabberd_s2s_in'), false);
    assert.equal(Object.hasOwn(closed.modules as object, 'mod_s2s_dialback'), false);

    const allow = read({ mode: 'allowlist', domains: ['b.test', 'a.test'] });
    assert.equal(allow.s2s_access, 'federation');
    assert.deepEqual((allow.acl as Record<string, unknown>).federation_allowed, { server: ['a.test', 'b.test'] });
    assert.deepEqual((allow.access_rules as Record<string, unknown>).federation, { allow: 'federation_allowed' });
    assert.deepEqual((allow.listen as unknown[]).at(-1), { port: 26203, ip: '127.0.0.1', module: 'ejabberd_s2s_in', max_stanza_size: 524288 });
    assert.deepEqual(serverRule(allow.s2s_access!, allow.access_rules, allow.acl), { allowOnly: ['a.test', 'b.test'] });

    const deny = read({ mode: 'denylist', domains: ['spam.test'] });
    assert.deepEqual((deny.access_rules as Record<string, unknown>).federation, { deny: 'federation_refused', allow: 'all' });
    assert.deepEqual(serverRule(deny.s2s_access!, deny.access_rules, deny.acl), { allowAllBut: ['spam.test'] });
    assert.equal(read({ mode: 'open', domains: [] }).s2s_access, 'all');
  });

  test('ejabberd rules are read the way ejabberd evaluates them: first match, default deny', () => {
    const acl = { a: { server: 'a.test' }, b: { server: ['b.test', 'a.test'] }, users: { user: 'x@y.test' } };
    assert.deepEqual(serverRule('r', { r: [{ deny: 'a' }, { allow: 'b' }] }, acl), { allowOnly: ['b.test'] });
    assert.deepEqual(serverRule('r', { r: { allow: ['a', 'b'] } }, acl), { allowOnly: ['a.test', 'b.test'] });
    assert.deepEqual(serverRule('r', { r: { deny: 'b', allow: 'all' } }, acl), { allowAllBut: ['a.test', 'b.test'] });
    assert.deepEqual(serverRule('r', { r: { allow: 'a', deny: 'all' } }, acl), { allowOnly: ['a.test'] });
    assert.equal(serverRule('r', { r: { allow: 'users' } }, acl), undefined, 'not whole servers');
    assert.equal(serverRule('missing', { r: { allow: 'a' } }, acl), undefined);
  });

  test('Synapse: the whitelist and the federation resource, per mode; open overrides the operator\'s whitelist with null', () => {
    const read = (policy?: FederationPolicy) => {
      const text = renderHearthConfig(spec('synapse', policy), SECRETS);
      const keys = readYamlKeys(text, ['federation_domain_whitelist', 'listeners']);
      return { whitelist: keys.federation_domain_whitelist, resources: (keys.listeners as { resources: { names: string[] }[] }[])[0].resources[0].names };
    };
    assert.deepEqual(read(), { whitelist: [], resources: ['client'] });
    assert.deepEqual(read({ mode: 'allowlist', domains: ['friends.test'] }), { whitelist: ['friends.test'], resources: ['client', 'federation'] });
    assert.deepEqual(read({ mode: 'open', domains: [] }), { whitelist: null, resources: ['client', 'federation'] });
    assert.throws(() => read({ mode: 'denylist', domains: ['a.test'] }), /can't enforce a denylist/);
  });
});

describe('the YAML reader', () => {
  test('reads the block and flow forms config files use', () => {
    const text = [
      '# a comment',
      'server_name: "home.test"  # trailing comment',
      'listeners:',
      '  - port: 8008',
      "    bind_addresses: ['::1', '127.0.0.1']",
      '    resources:',
      '      - names: [client, federation]',
      '        compress: false',
      'federation_domain_whitelist:',
      '- a.test',
      "- 'b.test'",
      'empty:',
      'nothing: ~',
      'ejabberd_style: ',
      '  - ',
      '    port: 5269',
      '    module: ejabberd_s2s_in',
      '  "/api": mod_http_api',
    ];
    const keys = readYamlKeys(text.slice(0, 13).join('\n'), ['server_name', 'listeners', 'federation_domain_whitelist', 'empty', 'nothing', 'absent']);
    assert.deepEqual(keys, {
      server_name: 'home.test',
      listeners: [{ port: 8008, bind_addresses: ['::1', '127.0.0.1'], resources: [{ names: ['client', 'federation'], compress: false }] }],
      federation_domain_whitelist: ['a.test', 'b.test'],
      empty: null,
      nothing: null,
      absent: undefined,
    });
    assert.deepEqual(readYamlKeys('listen: \n  - \n    port: 5269\n    module: ejabberd_s2s_in\n  - \n    request_handlers: \n      "/api": mod_http_api\n', ['listen']).listen, [
      { port: 5269, module: 'ejabberd_s2s_in' },
      { request_handlers: { '/api': 'mod_http_api' } },
    ]);
  });

  test('refuses what it does not read, but only in the keys asked for', () => {
    const text = 'motd: |\n  Welcome\n  home\nwhitelist: &list [a.test]\nother: *list\n';
    assert.throws(() => readYamlKeys(text, ['motd']), (error: Error) => error instanceof YamlSubsetError && /motd: block scalars/.test(error.message));
    assert.throws(() => readYamlKeys(text, ['whitelist']), /anchors/);
    assert.deepEqual(readYamlKeys('a: 1\nb: [x, y]\n', ['b']), { b: ['x', 'y'] });
    assert.throws(() => readYamlKeys('a: 1\na: 2\n', ['a']), /set twice/);
  });
});
