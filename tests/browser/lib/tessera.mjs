// A real `tessera serve` for a test: a fresh data directory, port 0 (the server prints
// "tessera listening on <url>" once it accepts connections), the repository's web pages.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {BINARY, WEB_ROOT} from './env.mjs';

const START_TIMEOUT_MS = 60_000;

export const ADMIN_LOGIN = 'admin';
export const ADMIN_PASSWORD = 'tessera-admin-pw';

export async function startTessera({binary = BINARY, webRoot = WEB_ROOT, extraArgs = []} = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-browser-'));
  // The first start creates the admin with this password (no user exists yet); no free-space
  // reserve, so that uploads work on nearly full test disks too.
  fs.writeFileSync(path.join(dataDir, 'test.conf'),
                   `admin-password = ${ADMIN_PASSWORD}\nmin-free-disk-bytes = 0\n`, {mode: 0o600});
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir,
                '--web-root', webRoot, '--config', path.join(dataDir, 'test.conf'),
                ...extraArgs];
  const child = spawn(binary, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 65536) stderr = stderr.slice(-65536);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) =>
    resolve({code, signal})));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `tessera did not print its URL within ${START_TIMEOUT_MS / 1000} s\n${stderr}`)),
    START_TIMEOUT_MS);
    const lines = readline.createInterface({input: child.stdout});
    lines.on('line', (line) => {
      const m = /^tessera listening on (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({code, signal}) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });

  return {
    url,
    dataDir,
    logs: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, {recursive: true, force: true});
    },
  };
}

// The admin Tessera created on its first start: checks the login works and returns it.
export async function createAdmin(url, {login = ADMIN_LOGIN, password = ADMIN_PASSWORD} = {}) {
  const basic = Buffer.from(`${login}:${password}`).toString('base64');
  const response = await fetch(`${url}/api/v1/user/authentication`,
                               {headers: {Authorization: `Basic ${basic}`}});
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(`GET /api/v1/user/authentication answered ${response.status}: ` +
                    JSON.stringify(body));
  }
  if (!body || !body.user || body.user.admin !== true) {
    throw new Error(`the admin login is not an admin: ${JSON.stringify(body)}`);
  }
  return {login, password, user: body.user};
}
