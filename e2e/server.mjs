// Test harness for the Khiên browser tests: starts `khien serve --demo` on a free loopback port
// with a fresh temporary data directory, waits until it is ready, parses the demo accounts it
// prints, and stops it (removing the data directory) afterwards.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/** Accounts the demo data set is expected to print (see the UI contract). */
export const EXPECTED_ACCOUNTS = ['admin', 'soc', 'thanhtra', 'canbo.syt', 'canbo.stc', 'lanhdao'];

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_LINES = 200;

// `DEMO username=<u> password=<p> role=<r> agency=<code or ->`, possibly behind a log prefix.
const DEMO_RE = /\bDEMO username=(\S+) password=(\S+) role=(\S+) agency=(\S+)/;
const LISTENING_RE = /listening on (http:\/\/\S+)/;
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Binds 127.0.0.1:0, reads the port the kernel chose and releases it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function healthy(baseURL) {
  try {
    const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer().catch(() => {});
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts the server. Returns { baseURL, accounts, dataDir, output(), stop() }.
 * `accounts` maps a username to { password, role, agency } (agency is null for "-").
 */
export async function startServer({ bin = process.env.KHIEN_BIN, extraArgs = [] } = {}) {
  if (!bin) {
    throw new Error('KHIEN_BIN is not set: point it at the khien binary (e.g. target/debug/khien)');
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'khien-e2e-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const args = ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs];

  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });

  const tail = [];
  const accounts = {};
  let listening = false;
  let exited = null;
  let spawnError = null;

  const remember = (stream, line) => {
    tail.push(`[${stream}] ${line}`);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
  };
  // The contract says stdout; stderr is scanned too in case the lines go through a logger.
  const onLine = (stream) => (raw) => {
    const line = raw.replace(ANSI_RE, '');
    remember(stream, line);
    const demo = DEMO_RE.exec(line);
    if (demo) {
      const [, username, password, role, agency] = demo;
      accounts[username] = { password, role, agency: agency === '-' ? null : agency };
    }
    if (LISTENING_RE.test(line)) listening = true;
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine('stdout'));
  readline.createInterface({ input: child.stderr }).on('line', onLine('stderr'));
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  child.on('error', (err) => {
    spawnError = err;
  });

  // Never leave the server behind, whatever happens to the test process.
  const killNow = () => {
    if (exited === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', killNow);

  const output = () => tail.join('\n');

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killNow);
    if (exited === null && !spawnError) {
      child.kill('SIGTERM');
      const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
      if ((await Promise.race([exitPromise, timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const allAccountsSeen = () => EXPECTED_ACCOUNTS.every((u) => u in accounts);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError) throw new Error(`could not start ${bin}: ${spawnError.message}`);
      if (exited !== null) {
        throw new Error(`khien exited early (code ${exited.code}, signal ${exited.signal})`);
      }
      // DEMO lines come before the "listening on" line, so either condition means all were seen.
      if ((listening || allAccountsSeen()) && (await healthy(baseURL))) break;
      if (Date.now() > deadline) {
        throw new Error(
          `khien not ready after ${READY_TIMEOUT_MS / 1000} s ` +
            `(listening line seen: ${listening}, accounts seen: ${Object.keys(accounts).join(', ') || 'none'})`,
        );
      }
      await sleep(250);
    }
    const missing = EXPECTED_ACCOUNTS.filter((u) => !(u in accounts));
    if (missing.length > 0) {
      throw new Error(`khien did not print DEMO lines for: ${missing.join(', ')}`);
    }
  } catch (err) {
    await stop();
    err.message += `\n--- khien ${args.join(' ')} output (last lines) ---\n${output()}`;
    throw err;
  }

  return { baseURL, accounts, dataDir, output, stop };
}
