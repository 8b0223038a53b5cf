// The new-rollout form without a browser: the request it builds from what the operator chose (which
// the contract, and so the API, accepts), its own checks, what it offers to move to and what it
// says each server would do, and the maintenance window's fields rendered to HTML with the real
// catalogue (what a person sees and what assistive technology reads).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nContext } from 'react-admin';
import { CreateUpgradeRollout } from '@hearth/contracts';
import { runnerImport } from 'vite';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
// Vite's module runner compiles the TypeScript sources the same way the build does.
const load = async (path) => (await runnerImport(join(SRC, path), { configFile: false, logLevel: 'silent' })).module;
const draftModule = await load('upgrades/rolloutDraft.ts');
const { windowText } = await load('upgrades/rolloutStatus.ts');
const { WindowFields } = await load('upgrades/WindowFields.tsx');
const { i18nProvider } = await load('i18n/i18nProvider.ts');
const { canUse } = await load('access.ts');
const { checkRollout, emptyWindow, planFor, rolloutRequest, versionChoices, kindsOf, serversOf } = draftModule;
const translate = (key, options) => i18nProvider.translate(key, options);

const TARGET = '0b6a3f0e-8d1c-4c43-9a57-2f1f3f0c9e11';
const KEY = '5d7f1a52-35e4-4d0e-8f0a-6c9a0f8b2c33';
const CLUB = '1f0e6b8a-2b7c-4a3d-9e5f-7a8b9c0d1e2f';
const FAMILY = '2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SERVERS = [CLUB, FAMILY];

/** What the form holds once the operator has chosen; `changes` for the case at hand. */
const draft = (changes = {}) => ({
  kind: 'prosody',
  to: 'bookworm-backports',
  instanceIds: [...SERVERS],
  targetId: TARGET,
  recipientIds: [KEY],
  window: emptyWindow('Europe/Berlin'),
  reason: '',
  ...changes,
});
const withWindow = (changes) => ({ window: { ...emptyWindow('Europe/Berlin'), enabled: true, start: '22:00', end: '02:00', ...changes } });

test('every server of the kind, at once: no server list, no window; the contract accepts it', () => {
  const body = rolloutRequest(draft(), SERVERS);
  assert.deepEqual(body, { kind: 'prosody', to: 'bookworm-backports', targetId: TARGET, recipientIds: [KEY] });
  assert.deepEqual(CreateUpgradeRollout.parse(body), body);
  assert.deepEqual(checkRollout(draft(), SERVERS), {});
});

test('some servers, in a window on some days, with a reason: all of it is sent as the contract has it', () => {
  const chosen = draft({ instanceIds: [FAMILY], reason: '  Prosody 13  ', ...withWindow({ start: '22:00:00', days: [6, 0] }) });
  const body = rolloutRequest(chosen, SERVERS);
  assert.deepEqual(body, {
    kind: 'prosody',
    to: 'bookworm-backports',
    instanceIds: [FAMILY],
    targetId: TARGET,
    recipientIds: [KEY],
    // A time input may give seconds: the API takes HH:MM. Days in the API's order, 0 = Sunday.
    window: { start: '22:00', end: '02:00', timezone: 'Europe/Berlin', days: [0, 6] },
    reason: 'Prosody 13',
  });
  assert.deepEqual(CreateUpgradeRollout.parse(body), body);
  assert.deepEqual(checkRollout(chosen, SERVERS), {});
  // Every day ticked is no restriction: the days are left out.
  assert.equal(rolloutRequest(draft(withWindow({})), SERVERS).window.days, undefined);
  assert.equal(CreateUpgradeRollout.parse(rolloutRequest(draft(withWindow({})), SERVERS)).window.timezone, 'Europe/Berlin');
});

test('the form’s own checks name the field, in catalogue keys the catalogue has', () => {
  const empty = draft({ kind: '', to: '', instanceIds: [], targetId: '', recipientIds: [] });
  assert.deepEqual(Object.keys(checkRollout(empty, SERVERS)).sort(), ['instanceIds', 'kind', 'recipientIds', 'targetId', 'to']);
  const window = checkRollout(draft(withWindow({ start: '', end: '', timezone: 'Mars/Olympus_Mons', days: [] })), SERVERS);
  assert.deepEqual(window, {
    'window.start': 'ra.validation.required',
    'window.end': 'ra.validation.required',
    'window.timezone': 'hearth.rollouts.window.timezone_unknown',
    'window.days': 'hearth.rollouts.window.days_required',
  });
  assert.deepEqual(checkRollout(draft(withWindow({ start: '03:00', end: '03:00' })), SERVERS), { 'window.end': 'hearth.rollouts.window.same' });
  // Anything else the contract refuses goes under its field, in the contract's words.
  assert.deepEqual(Object.keys(checkRollout(draft(withWindow({ start: '24:00' })), SERVERS)), ['window.start']);
  for (const key of Object.values({ ...checkRollout(empty, SERVERS), ...window })) {
    assert.notEqual(translate(key), key, `${key} is in the catalogue`);
  }
});

/** GET /instances/:id/versions of a Prosody container after its upgrade, and of one still on bookworm. */
const image = (id, version, current, state = 'installed') => ({ id, version, packageVersion: null, source: 'image', suite: id, state, current, problems: [] });
const upgraded = { current: { id: 'bookworm-backports', version: '13.0.1' }, versions: [image('bookworm', '0.12.3', false), image('bookworm-backports', '13.0.1', true)] };
const older = { current: { id: 'bookworm', version: '0.12.3' }, versions: [image('bookworm', '0.12.3', true), image('bookworm-backports', null, false, 'installable'), image('trixie', null, false, 'unavailable')] };

test('what it offers to move to: the suites the servers have, with the versions they mean; never an unavailable one', () => {
  assert.deepEqual(versionChoices([upgraded, older]), [
    { value: 'bookworm', versions: ['0.12.3'] },
    { value: 'bookworm-backports', versions: ['13.0.1'] },
  ]);
  assert.deepEqual(versionChoices([]), []);
});

test('what it says each server would do, decided as the API decides it', () => {
  assert.deepEqual(planFor(upgraded, 'bookworm'), { outcome: 'moves', from: '13.0.1', to: '0.12.3' });
  assert.deepEqual(planFor(upgraded, 'bookworm-backports'), { outcome: 'current', version: '13.0.1' });
  assert.deepEqual(planFor(older, 'bookworm-backports'), { outcome: 'moves', from: '0.12.3', to: 'bookworm-backports' });
  assert.deepEqual(planFor(older, 'trixie'), { outcome: 'missing' });
});

test('the programs and servers a rollout may take: only those Hearth runs', () => {
  const instances = [
    { id: 'b', name: 'zoo', kind: 'prosody', managed: true },
    { id: 'a', name: 'club', kind: 'prosody', managed: true },
    { id: 'c', name: 'elsewhere', kind: 'ejabberd', managed: false },
  ];
  assert.deepEqual(kindsOf(instances), ['prosody']);
  assert.deepEqual(serversOf(instances, 'prosody').map((instance) => instance.name), ['club', 'zoo']);
  assert.deepEqual(serversOf(instances, 'ejabberd'), []);
});

test('a window in words, in its own time zone; none is "any time"', () => {
  assert.equal(windowText({ start: '22:00', end: '02:00', timezone: 'Europe/Berlin', days: [6, 0] }, translate), '22:00–02:00 Europe/Berlin, Sat, Sun');
  assert.equal(windowText({ start: '01:00', end: '03:00', timezone: 'UTC' }, translate), '01:00–03:00 UTC');
  assert.equal(windowText({ start: '01:00', end: '03:00', timezone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6] }, translate), '01:00–03:00 UTC');
  assert.equal(windowText(null, translate), 'Any time');
});

function renderWindow(value, errors = {}) {
  const fields = createElement(WindowFields, { value, onChange: () => undefined, errors, zones: ['UTC', 'Europe/Berlin'] });
  return renderToStaticMarkup(createElement(I18nContext.Provider, { value: i18nProvider }, fields));
}

/** The days' checkboxes in the markup with their labels, in order, and whether each is checked (the switch above them apart). */
function checkboxes(html) {
  const days = html.slice(html.indexOf('On these days'));
  return [...days.matchAll(/<label\b[^>]*>(?:(?!<\/label>)[\s\S])*?<input\b([^>]*type="checkbox"[^>]*)>(?:(?!<\/label>)[\s\S])*?<span[^>]*>([^<]+)<\/span><\/label>/g)].map(
    ([, input, label]) => [label, /\bchecked=""/.test(input)],
  );
}

test('the window’s fields: off by default, saying upgrades then start at once', () => {
  const html = renderWindow(emptyWindow('UTC'));
  assert.match(html, /Only inside a maintenance window/);
  assert.match(html, /the first upgrade starts at once/);
  assert.doesNotMatch(html, /type="time"/);
});

test('the window’s fields once on: the times, the time zone (the browser’s by default), every day ticked from Monday', () => {
  assert.equal(emptyWindow().timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  const html = renderWindow({ ...emptyWindow('Europe/Berlin'), enabled: true, start: '22:00', end: '02:00' });
  assert.match(html, /<label[^>]*>Opens at/);
  assert.match(html, /<input[^>]*type="time"[^>]*value="22:00"/);
  assert.match(html, /<input[^>]*type="time"[^>]*value="02:00"/);
  assert.match(html, /<label[^>]*>Time zone/);
  assert.match(html, /<input[^>]*role="combobox"[^>]*value="Europe\/Berlin"|<input[^>]*value="Europe\/Berlin"[^>]*role="combobox"/);
  assert.match(html, /It is \d\d:\d\d there now\./);
  assert.match(html, /<legend[^>]*>On these days/);
  assert.deepEqual(checkboxes(html), [
    ['Monday', true],
    ['Tuesday', true],
    ['Wednesday', true],
    ['Thursday', true],
    ['Friday', true],
    ['Saturday', true],
    ['Sunday', true],
  ]);
});

test('the window’s fields show the form’s messages under each', () => {
  const html = renderWindow(
    { ...emptyWindow('UTC'), enabled: true, days: [6] },
    { 'window.start': 'Required', 'window.days': 'Tick at least one day.' },
  );
  assert.match(html, /Opens at[\s\S]*Required/);
  assert.match(html, /On these days[\s\S]*Tick at least one day\./);
  assert.deepEqual(
    checkboxes(html).filter(([, checked]) => checked),
    [['Saturday', true]],
  );
});

test('everyone who sees the servers sees the rollouts; only admins and owners start or cancel one', () => {
  for (const role of ['viewer', 'moderator', 'admin', 'owner']) {
    assert.equal(canUse(role, 'upgrade-rollouts', 'list'), true, role);
    assert.equal(canUse(role, 'upgrade-rollouts', 'show'), true, role);
    assert.equal(canUse(role, 'upgrade-rollouts', 'create'), role === 'admin' || role === 'owner', role);
  }
});
