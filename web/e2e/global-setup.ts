/**
 * Starts the local stack for the browser tests: builds the `dev-server` binary (cargo is
 * incremental; `make test` has built everything else already), runs it on a free port with
 * its own AWS emulators and the console of `web/dist`, and waits for `/health`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM } from '../playwright.config';
import { ADMIN_EMAIL, ADMIN_PASSWORD, SCREEN_CALLS, STATE_FILE } from './stack';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(web, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess, log: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 180_000) {
    if (child.exitCode !== null) throw new Error(`dev-server exited with ${child.exitCode}; see ${log}`);
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`dev-server did not answer ${base}/health within 180 s; see ${log}`);
}

export default async function globalSetup(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  if (!existsSync(join(web, 'dist', 'index.html'))) {
    throw new Error('web/dist is missing: run `npm run build` first (make test does).');
  }
  console.log('Building dev-server (cargo build -p portal --features local --bin dev-server)...');
  execFileSync('cargo', ['build', '--locked', '-p', 'portal', '--features', 'local', '--bin', 'dev-server'], {
    cwd: repo,
    stdio: 'inherit',
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logDir = join(repo, 'target', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const log = join(logDir, 'dev-server.log');
  const out = openSync(log, 'w');
  // Its own emulators (no AWS_ENDPOINT_URL), its own port, this build of the console.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ADMIN_EMAIL, ADMIN_PASSWORD, CONSOLE_DIR: join(web, 'dist'), RUST_MIN_STACK: '16777216' };
  delete env.AWS_ENDPOINT_URL;
  const targetDir = resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target');
  const child = spawn(join(targetDir, 'debug', 'dev-server'), [], {
    cwd: repo,
    env,
    stdio: ['ignore', out, out],
    detached: false,
  });
  await waitForHealth(base, child, log);
  writeFileSync(STATE_FILE, JSON.stringify({ base, pid: child.pid }));
  writeFileSync(SCREEN_CALLS, '');
  process.env.PORTAL_BASE_URL = base;
  console.log(`Local stack at ${base} (log: ${log})`);
}
