import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/common/error-codes';

// Compiled to apps/api/dist-test/test/unit/: the repository root is four levels up.
const ERRORS_PAGE = join(__dirname, '../../../../../docs/api/errors.md');

test('docs/api/errors.md lists every error code with its status', () => {
  const page = readFileSync(ERRORS_PAGE, 'utf8');
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    assert.match(page, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} (${status}) is documented`);
  }
  const documented = [...page.matchAll(/^\| `([a-z_]+\/[a-z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.filter((code) => !(code! in ERROR_CODES)), [], 'no documented code is unknown to the API');
});
