// The create wizard's choice of runtime: offered only for a program Hearth can also run in a
// container, defaulting to the host's own program when it has it, and sent with the request.
// The step is rendered to HTML with the real catalogue (no browser): what a person sees and what
// assistive technology reads (radios and their labels).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nContext, TestMemoryRouter } from 'react-admin';
import { CreateInstanceRequest } from '@hearth/contracts';
import { runnerImport } from 'vite';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
// Vite's module runner compiles the TypeScript sources the same way the build does.
const load = async (path) => (await runnerImport(join(SRC, path), { configFile: false, logLevel: 'silent' })).module;
const draft = await load('instances/draft.ts');
const { KindStep } = await load('instances/KindStep.tsx');
const { i18nProvider } = await load('i18n/i18nProvider.ts');

/** Prosody as GET /api/instance-kinds reports it; `changes` for the case at hand. */
const prosody = (changes = {}) => ({
  kind: 'prosody',
  displayName: 'Prosody',
  available: true,
  version: '0.12.3',
  runtimes: ['process'],
  installHint: 'apt-get install prosody lua-dbi-sqlite3',
  problems: [],
  ...changes,
});
const ejabberd = { kind: 'ejabberd', displayName: 'ejabberd', available: true, version: '23.01', runtimes: ['process'], installHint: 'apt-get install ejabberd', problems: [] };

/** Installed on the host, and Hearth can build images of it and reach an engine. */
const both = prosody({ runtimes: ['process', 'container'] });
/** Not installed on the host (availability as the process runtime sees it), but a container is possible. */
const containerOnly = prosody({ available: false, version: null, runtimes: ['process', 'container'] });

function renderStep(kinds, value, runtime = 'process', extra = {}) {
  const step = createElement(KindStep, {
    kinds,
    isPending: false,
    error: null,
    onRetry: () => undefined,
    value,
    onChange: () => undefined,
    runtime,
    onRuntimeChange: () => undefined,
    ...extra,
  });
  return renderToStaticMarkup(createElement(TestMemoryRouter, null, createElement(I18nContext.Provider, { value: i18nProvider }, step)));
}

/** The radios in the markup, by value: whether each is checked and disabled. */
function radios(html) {
  return Object.fromEntries(
    [...html.matchAll(/<input\b[^>]*type="radio"[^>]*>/g)].map(([input]) => [
      /value="([^"]*)"/.exec(input)[1],
      { checked: /\bchecked=""/.test(input), disabled: /\bdisabled=""/.test(input) },
    ]),
  );
}

test('no runtime choice for a program that runs only as a process', () => {
  assert.deepEqual(draft.runtimeOptions(prosody()), []);
  assert.deepEqual(draft.runtimeOptions(undefined), []);
  const html = renderStep([prosody(), ejabberd], 'prosody');
  assert.doesNotMatch(html, /Where it runs/);
  assert.deepEqual(Object.keys(radios(html)).sort(), ['ejabberd', 'prosody']);
});

test('no runtime choice before a program is chosen, even one that offers a container', () => {
  const html = renderStep([both, ejabberd], '');
  assert.doesNotMatch(html, /Where it runs/);
  assert.equal(radios(html).container, undefined);
});

test('a program Hearth can also run in a container offers both, the host’s own program first', () => {
  assert.deepEqual(draft.runtimeOptions(both), [
    { runtime: 'process', enabled: true },
    { runtime: 'container', enabled: true },
  ]);
  assert.equal(draft.defaultRuntime(both), 'process');
  const html = renderStep([both, ejabberd], 'prosody', 'container');
  assert.match(html, /<label[^>]*id="instance-runtime-label"[^>]*>Where it runs/);
  assert.match(html, /role="radiogroup" aria-labelledby="instance-runtime-label"/);
  assert.match(html, /On this host \(native process\)/);
  assert.match(html, /In a container \(Docker or Podman\)/);
  assert.deepEqual(radios(html).process, { checked: false, disabled: false });
  assert.deepEqual(radios(html).container, { checked: true, disabled: false });
  // Each option says what it means, tied to its radio.
  assert.match(html, /aria-describedby="instance-runtime-container-about"/);
  assert.match(html, /id="instance-runtime-container-about"[^>]*>Hearth builds a container image of Prosody/);
});

test('a program missing on the host can still be chosen to run in a container', () => {
  for (const kind of [containerOnly]) {
    assert.equal(draft.processReady(kind), false);
    assert.equal(draft.kindSelectable(kind), true);
    assert.deepEqual(draft.runtimeOptions(kind), [
      { runtime: 'process', enabled: false },
      { runtime: 'container', enabled: true },
    ]);
    assert.equal(draft.defaultRuntime(kind), 'container');
    const html = renderStep([kind, ejabberd], 'prosody', 'container');
    const found = radios(html);
    assert.deepEqual(found.prosody, { checked: true, disabled: false });
    assert.deepEqual(found.process, { checked: false, disabled: true });
    assert.deepEqual(found.container, { checked: true, disabled: false });
    assert.match(html, /Not installed on this machine, but Hearth can run it in a container/);
    assert.match(html, /apt-get install prosody lua-dbi-sqlite3/);
  }
  // Without the container runtime a missing program stays out of reach, as before.
  const missing = prosody({ available: false, version: null });
  assert.equal(draft.kindSelectable(missing), false);
  assert.deepEqual(radios(renderStep([missing, ejabberd], '')).prosody, { checked: false, disabled: true });
});

test('the API’s refusal of the runtime shows by the runtime choice, or by the program when there is none', () => {
  const refusal = 'The container engine at /run/podman/podman.sock does not answer';
  const withChoice = renderStep([both], 'prosody', 'container', { runtimeError: refusal });
  assert.match(withChoice, new RegExp(`instance-runtime-label[\\s\\S]*${refusal}`));
  const without = renderStep([prosody()], 'prosody', 'process', { runtimeError: refusal });
  assert.match(without, new RegExp(refusal));
  assert.equal(draft.stepOfField('runtime'), 0);
});

test('the request carries the runtime chosen, and the API accepts it', () => {
  const filled = { ...draft.EMPTY_DRAFT, kind: 'prosody', domain: 'Family.Example', name: 'family' };
  assert.equal(draft.EMPTY_DRAFT.runtime, 'process');
  for (const runtime of ['process', 'container']) {
    const body = draft.createRequest({ ...filled, runtime });
    assert.equal(body.runtime, runtime);
    assert.equal(CreateInstanceRequest.parse(body).runtime, runtime);
  }
});
