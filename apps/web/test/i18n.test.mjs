import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuditEvent, AuditResult, JobStatus, ROLES, RolloutInstance, RuntimeKind, StepStatus, UpgradeRollout } from '@hearth/contracts';
import { runnerImport } from 'vite';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

// Vite's module runner compiles the TypeScript catalogue the same way the build does.
const { module: catalogueModule } = await runnerImport(join(SRC, 'i18n/en.ts'), { configFile: false, logLevel: 'silent' });
const messages = flatten(catalogueModule.en);

function flatten(tree, prefix = '') {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value]] : flatten(value, `${prefix}${key}.`),
  );
}
const catalogue = new Map(messages);

async function sourceFiles(dir = SRC) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return /\.tsx?$/.test(entry.name) ? [{ path, text: await readFile(path, 'utf8') }] : [];
    }),
  );
  return nested.flat();
}
const files = await sourceFiles();

function missing(keys) {
  return [...new Set(keys)].filter((key) => !catalogue.has(key)).sort();
}

test("no message of Hearth's own is empty", () => {
  // react-admin's catalogue (ra.*) leaves some on purpose, e.g. the label of an unset boolean.
  const empty = messages.filter(([key, value]) => !key.startsWith('ra.') && value.trim() === '').map(([key]) => key);
  assert.deepEqual(empty, []);
});

test('every message key written in the code exists in the catalogue', () => {
  // Quoted literals only: keys built at run time are covered by the contract enum test below.
  const used = files.flatMap(({ text }) =>
    [...text.matchAll(/['"`]((?:hearth|ra|resources)\.[\w.-]+)['"`]/g)].map((match) => match[1]),
  );
  assert.ok(used.length > 50, `expected many keys in src/, found ${used.length}`);
  assert.deepEqual(missing(used), []);
});

test('every value of a contract enum the console displays has a label', () => {
  const keys = [
    ...ROLES.map((role) => `hearth.roles.${role}`),
    ...JobStatus.options.map((status) => `hearth.jobs.status.${status}`),
    ...StepStatus.options.map((status) => `hearth.jobs.step_status.${status}`),
    ...AuditResult.options.map((result) => `hearth.audit.result.${result}`),
    ...AuditEvent.shape.actorKind.options.map((kind) => `hearth.audit.actor_kind.${kind}`),
    // The instance page's "Where it runs".
    ...RuntimeKind.options.map((runtime) => `hearth.instances.runtime.${runtime}`),
    // Upgrade rollouts, and each of their servers.
    ...UpgradeRollout.shape.status.options.map((status) => `hearth.rollouts.status.${status}`),
    ...RolloutInstance.shape.status.options.map((status) => `hearth.rollouts.server_status.${status}`),
  ];
  assert.deepEqual(missing(keys), []);
});

test('every resource has a name and a label for each field its pages show', async () => {
  const app = await readFile(join(SRC, 'App.tsx'), 'utf8');
  const folderByImport = new Map([...app.matchAll(/import (\w+) from '\.\/(\w+)';/g)].map((m) => [m[1], m[2]]));
  const resources = [...app.matchAll(/<Resource name="([\w-]+)" \{\.\.\.(\w+)\}/g)].map((m) => ({
    name: m[1],
    folder: folderByImport.get(m[2]),
  }));
  assert.ok(resources.length >= 4, 'App.tsx should register the resources');

  const keys = resources.flatMap(({ name, folder }) => {
    assert.ok(folder, `no folder import found for resource ${name}`);
    const fields = files
      .filter(({ path }) => path.startsWith(join(SRC, folder) + '/'))
      .flatMap(({ text }) => [...text.matchAll(/source="(\w+)"/g)].map((m) => m[1]))
      // <SearchInput source="q"> labels itself with ra.action.search.
      .filter((field) => field !== 'q');
    return [`resources.${name}.name`, ...fields.map((field) => `resources.${name}.fields.${field}`)];
  });
  assert.deepEqual(missing(keys), []);
});

test('every list of a nested resource (an instance’s accounts, invites) has a label for each field it shows', () => {
  const lists = files.flatMap(({ path, text }) => [...text.matchAll(/<List\s[^>]*?resource="([\w-]+)"/g)].map((m) => ({ path, text, resource: m[1] })));
  assert.ok(lists.length >= 2, `expected the accounts and invites lists, found ${lists.length}`);
  const keys = lists.flatMap(({ text, resource }) => [
    `resources.${resource}.name`,
    ...[...text.matchAll(/source="(\w+)"/g)].map((m) => m[1]).filter((field) => field !== 'q').map((field) => `resources.${resource}.fields.${field}`),
  ]);
  assert.deepEqual(missing(keys), []);
});
