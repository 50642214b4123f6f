// Where the browser tests find what they need, and what is missing (the tests skip, with the
// reason, rather than fail, when the machine lacks a browser, the npm packages or test data).
//   TESSERA_BINARY    the tessera executable (default: <repo>/build/src/tessera)
//   TESSERA_CHROMIUM  the browser (default: Debian's /usr/bin/chromium)
//   TESSERA_TESTDATA  the shared test images (default: <repo>/../shared/testdata)
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB_ROOT = path.join(REPO, 'web');
export const BINARY = process.env.TESSERA_BINARY || path.join(REPO, 'build/src/tessera');
export const CHROMIUM = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
export const TESTDATA = process.env.TESSERA_TESTDATA || path.join(REPO, '../shared/testdata');
export const SLIDE = path.join(TESTDATA, 'CMU-1-Small-Region.svs');

const webRequire = createRequire(path.join(WEB_ROOT, 'package.json'));

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function resolves(name) {
  try {
    webRequire.resolve(name);
    return true;
  } catch {
    return false;
  }
}

// What the page tests lack, as sentences; empty when they can run.
export function missingPrerequisites() {
  const missing = [];
  if (!isExecutable(CHROMIUM)) {
    missing.push(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set TESSERA_CHROMIUM)`);
  }
  if (!resolves('playwright-core') || !resolves('openseadragon')) {
    missing.push('no web/node_modules with playwright-core and openseadragon (run scripts/setup, ' +
                 'or npm ci in web/)');
  }
  if (!isExecutable(BINARY)) missing.push(`no tessera binary at ${BINARY} (set TESSERA_BINARY)`);
  if (!fs.existsSync(SLIDE)) {
    missing.push(`no test slide ${SLIDE} (set TESSERA_TESTDATA to the shared test data)`);
  }
  return missing;
}

export function playwright() {
  return webRequire('playwright-core');
}
