// CTest's entry for the page tests: runs pages.test.mjs with node's test runner, or says why
// it cannot and exits with TESSERA_SKIP_CODE (CTest sets 77 and SKIP_RETURN_CODE 77; by hand
// the default 0 makes a skip a success).
//   node tests/browser/run.mjs            (TESSERA_BINARY=build/src/tessera by default)
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {missingPrerequisites} from './lib/env.mjs';

const missing = missingPrerequisites();
if (missing.length) {
  console.log('SKIP browser tests: ' + missing.join('; '));
  process.exit(Number(process.env.TESSERA_SKIP_CODE || 0));
}
const here = path.dirname(fileURLToPath(import.meta.url));
const run = spawnSync(process.execPath,
                      ['--test', '--test-reporter=spec', path.join(here, 'pages.test.mjs')],
                      {stdio: 'inherit'});
process.exit(run.status ?? 1);
