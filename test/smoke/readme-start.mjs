// The newcomer smoke test: runs the README's start command exactly as written (no
// DATABASE_URL, a fresh data directory, a free port), uses the API once as a user would,
// then stops it with SIGTERM and checks that it exits 0 and leaves no PostgreSQL behind.
// Run alone with `npm run test:smoke`; .ci/run runs it on every change.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 45_000;
const REQUEST_TIMEOUT_MS = 15_000;

/** The quick start's command: the line of the README's first code block that runs `npm start`. */
function readmeStartCommand() {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const line = block.split('\n').find((text) => text.includes('npm start'));
  if (!line) throw new Error("README.md: no 'npm start' line in the first sh block");
  return line.replace(/\s+#.*$/, '').trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function graphql(port, query, variables = {}, token = undefined) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function waitForApi(port, app) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (app.exitCode !== null)
      throw new Error(`the app exited with ${app.exitCode} while starting`);
    const ok = await graphql(port, '{ __typename }').then(
      () => true,
      () => false,
    );
    if (ok) return;
    await sleep(500);
  }
  throw new Error(`/graphql did not answer within ${START_TIMEOUT_MS / 1000} s`);
}

/** A customer's token, as the README's quick start gets one: from the `ledger` CLI. */
function customerToken(env) {
  const args = ['run', '--silent', 'ledger', '--', 'token', '--sub', 'smoke', '--role', 'customer'];
  return execFileSync('npm', args, { cwd: ROOT, env, timeout: 60_000 }).toString().trim();
}

async function useTheApi(port, token) {
  const opened = await graphql(
    port,
    'mutation { openAccount(input: { customerId: "smoke", name: "Main", currency: "USD" }) { id } }',
    {},
    token,
  );
  const accountId = opened.openAccount.id;
  const deposit = await graphql(
    port,
    'mutation ($id: String!) { depositFunds(input: { accountId: $id, amount: "12.34", reference: "smoke" }) { position } }',
    { id: accountId },
    token,
  );
  const { account } = await graphql(
    port,
    'query ($id: ID!, $consistency: ConsistencyInput) { account(id: $id, consistency: $consistency) { balance } }',
    { id: accountId, consistency: { atLeast: deposit.depositFunds.position, timeoutMs: 10_000 } },
    token,
  );
  if (account?.balance !== '12.34') throw new Error(`read back ${JSON.stringify(account)}`);
  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (ready.status !== 200) throw new Error(`/health/ready answered ${ready.status}`);
  // The admin UI, built by the same start: the page, and the script it names.
  const page = await fetch(`http://127.0.0.1:${port}/admin`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const html = await page.text();
  const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (page.status !== 200 || script === undefined)
    throw new Error(`/admin answered ${page.status}`);
  const asset = await fetch(`http://127.0.0.1:${port}${script}`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (asset.status !== 200) throw new Error(`${script} answered ${asset.status}`);
}

/** Processes whose command line names the folder: a server left running from it. */
function processesUsing(folder) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => commandLine(pid).includes(folder));
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function stop(app) {
  const exited = new Promise((resolve) =>
    app.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // To the whole process group, as a terminal or a service manager sends it.
  process.kill(-app.pid, 'SIGTERM');
  const timeout = sleep(STOP_TIMEOUT_MS, undefined, { ref: false });
  const outcome = await Promise.race([exited, timeout]);
  if (!outcome)
    throw new Error(`the app did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`);
  if (outcome.code !== 0) throw new Error(`the app exited with ${outcome.code ?? outcome.signal}`);
}

const command = readmeStartCommand();
// A fresh clone has no data yet: then the README's default folder is used, as written.
const DEFAULT_DATA_DIR = join(ROOT, '.ledger');
const useDefault = !existsSync(DEFAULT_DATA_DIR) && process.env.LEDGER_DATA_DIR === undefined;
const dataDir = useDefault ? DEFAULT_DATA_DIR : mkdtempSync(join(tmpdir(), 'ledger-smoke-'));
const port = await freePort();
const env = { ...process.env, PORT: String(port), LEDGER_DATA_DIR: dataDir };
if (useDefault) delete env.LEDGER_DATA_DIR;
delete env.DATABASE_URL;
delete env.EVENTSTORE_URL;
console.log(`smoke: \`${command}\` in ${ROOT}, port ${port}, data in ${dataDir}`);
const startedMs = Date.now();
const app = spawn('bash', ['-c', command], { cwd: ROOT, env, stdio: 'inherit', detached: true });
try {
  await waitForApi(port, app);
  console.log(`smoke: GraphQL answered after ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  await useTheApi(port, customerToken(env));
  const stoppingMs = Date.now();
  await stop(app);
  console.log(`smoke: stopped in ${((Date.now() - stoppingMs) / 1000).toFixed(1)} s`);
  const left = processesUsing(dataDir);
  if (left.length > 0) throw new Error(`processes of ${dataDir} left running: ${left.join(', ')}`);
  console.log(
    'smoke: ok (opened, deposited, read back, ready, admin UI served; stopped with exit 0)',
  );
  rmSync(dataDir, { recursive: true, force: true });
} catch (error) {
  console.error(`smoke: FAILED: ${error.message}`);
  if (app.exitCode === null) process.kill(-app.pid, 'SIGKILL');
  process.exitCode = 1;
}
