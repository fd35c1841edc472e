// A PostgreSQL restart while travellers are booking: the server responds
// with 503 while the database is down (no hang, no crash, no other error),
// recovers by itself once it is back, and every booking it answered 201 is
// in the database afterwards. Runs its own throw-away cluster, started with
// scripts/pg-cluster.sh on a free loopback port, because it stops and starts
// it. PostgreSQL only: skipped unless YIZHAN_TEST_POSTGRES_URL is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, createDatabase, postgresUrl, freePort, Client, setClock, runCli, queryDatabase,
  uniqueHomeReturnPermit,
} from '../support/server.mjs';

const skip = postgresUrl ? false : 'needs PostgreSQL: YIZHAN_TEST_POSTGRES_URL is not set';

const clusterScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'pg-cluster.sh');
const travellerCount = 60;
const bookingIntervalMs = 150;
const workerCount = 8;
// A request slower than this counts as hanging.
const requestTimeoutMs = 15000;
const downtimeMs = 4000;
const recoveryDeadlineMs = 45000;
const day = '2027-07-05';
const staffPassword = 'Staff2026pass';

const settings = {
  password_memory_kib: 1024,
  password_passes: 1,
  session_lifetime_minutes: 24 * 60,
};

const profile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

let clusterDirectory;
let clusterPort;
let database;
let server;

function cluster(...args) {
  return execFileSync(clusterScript, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// The same without blocking the event loop, for use while requests run.
async function clusterAsync(...args) {
  const { stdout } = await promisify(execFile)(clusterScript, args, { encoding: 'utf8' });
  return stdout.trim();
}

before(async () => {
  if (skip) return;
  // The script hands this directory to the postgres user, so it must not sit
  // inside a directory that only root may enter.
  clusterDirectory = mkdtempSync(join(tmpdir(), 'yizhan-pg-restart-'));
  clusterPort = await freePort();
  const maintenanceUrl = cluster('start', clusterDirectory, String(clusterPort));
  database = createDatabase(maintenanceUrl);
  server = await startServer(settings, { database: database.url });
});

after(async () => {
  await server?.stop();
  if (clusterDirectory) {
    try {
      cluster('stop', clusterDirectory);
    } finally {
      rmSync(clusterDirectory, { recursive: true, force: true });
    }
  }
});

async function staffClient(role) {
  const username = `restart${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', database.url, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

async function approvedTraveller(reviewer) {
  const client = new Client(server.url, 'en');
  const registered = await client.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: profile });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${registered.json.account_id}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, `approve: ${decision.text}`);
  return { client, booked: false };
}

// Send one request with a deadline. A transport error or a timeout returns
// status 0 with the error, so the caller counts it instead of catching it.
async function timedRequest(client, method, path, options = {}) {
  const started = Date.now();
  try {
    const response = await Promise.race([
      client.request(method, path, options),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), requestTimeoutMs)),
    ]);
    return { ...response, method, path, started, finished: Date.now() };
  } catch (error) {
    return { status: 0, text: String(error), method, path, started, finished: Date.now() };
  }
}

test('PostgreSQL restart under load', { skip, timeout: 300000 }, async (t) => {
  await setClock(server.url, `${day}T10:00:00+08:00`);
  const operator = await staffClient('operator');
  const reviewer = await staffClient('reviewer');
  const quotaSet = await operator.request('PUT', `/api/v1/staff/quotas/${day}`, { json: { quota: 1000 } });
  assert.equal(quotaSet.status, 200, quotaSet.text);
  const travellers = [];
  for (let i = 0; i < travellerCount; i += 1) travellers.push(await approvedTraveller(reviewer));

  const results = [];
  const confirmed = [];
  let stopLoad = false;
  let next = 0;
  const loadStarted = Date.now();
  // Traveller i may book from `i * bookingIntervalMs` after the start, so
  // bookings fall before, during and after the downtime.
  const due = (traveller) => !traveller.booked && !traveller.busy &&
    Date.now() >= loadStarted + travellers.indexOf(traveller) * bookingIntervalMs;
  // Each worker books for a due traveller, and retries one whose attempt
  // failed, until every traveller has a booking. With no booking due it
  // reads a booking list, so requests keep arriving throughout.
  async function worker() {
    while (!stopLoad) {
      const pending = travellers.filter(due);
      if (pending.length === 0) {
        if (travellers.every((traveller) => traveller.booked)) return;
        const reader = travellers[next++ % travellers.length];
        results.push(await timedRequest(reader.client, 'GET', '/api/v1/me/bookings'));
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const traveller = pending[next++ % pending.length];
      traveller.busy = true;
      const captcha = await timedRequest(traveller.client, 'GET', '/api/v1/captcha');
      results.push(captcha);
      if (captcha.status === 200) {
        const booking = await timedRequest(traveller.client, 'POST', '/api/v1/bookings',
          { json: { date: day, captcha_id: captcha.json.id, captcha_answer: '0000' } });
        results.push(booking);
        if (booking.status === 201) {
          traveller.booked = true;
          confirmed.push({ number: booking.json.booking_number, at: booking.finished });
        } else if (booking.status === 409 && booking.json?.error?.code === 'booking.already_active') {
          // The booking committed but its response was lost with the connection.
          traveller.booked = true;
        }
      } else {
        // Back off a little while the database is away.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      traveller.busy = false;
    }
  }
  const workers = Array.from({ length: workerCount }, () => worker());

  await new Promise((resolve) => setTimeout(resolve, 1500));
  const bookedBeforeStop = confirmed.length;
  await clusterAsync('stop', clusterDirectory);
  const downSince = Date.now();
  await new Promise((resolve) => setTimeout(resolve, downtimeMs));
  const health = await timedRequest(new Client(server.url), 'GET', '/healthz');
  const downUntil = Date.now();
  await clusterAsync('start', clusterDirectory, String(clusterPort));
  const upSince = Date.now();

  let recoveredAt;
  while (Date.now() - upSince < recoveryDeadlineMs) {
    const probe = await timedRequest(new Client(server.url), 'GET', '/healthz');
    if (probe.status === 200) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const loadDeadline = Date.now() + recoveryDeadlineMs;
  while (!travellers.every((traveller) => traveller.booked) && Date.now() < loadDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stopLoad = true;
  await Promise.all(workers);

  const whileDown = results.filter((result) => result.started >= downSince && result.finished <= downUntil);
  const statusCounts = {};
  for (const result of results) statusCounts[result.status] = (statusCounts[result.status] ?? 0) + 1;
  t.diagnostic(`${results.length} requests, statuses ${JSON.stringify(statusCounts)}; ${bookedBeforeStop} booked ` +
    `before the stop, ${whileDown.length} requests while down, recovered ` +
    `${recoveredAt ? `${recoveredAt - upSince} ms` : 'never'} after the start, ${confirmed.length} booked`);

  assert.equal(server.child.exitCode, null, `the server is still running:\n${server.logs().slice(-2000)}`);
  const broken = results.filter((result) => result.status === 0 || result.status >= 500 && result.status !== 503);
  assert.deepEqual(broken.map((result) => `${result.method} ${result.path}: ${result.status} ${result.text.slice(0, 200)}`),
    [], 'no timeout, dropped connection or error other than 503');

  assert.ok(bookedBeforeStop > 0, 'bookings went through before the stop');
  assert.equal(health.status, 503, `healthz while down: ${health.text}`);
  assert.ok(whileDown.length > 0, 'requests ran while the database was down');
  assert.deepEqual([...new Set(whileDown.map((result) => result.status))], [503], 'every request while down got 503');
  const unavailable = whileDown.find((result) => result.path === '/api/v1/bookings') ?? whileDown[0];
  assert.equal(unavailable.json?.error?.code, 'service.unavailable', unavailable.text);
  assert.ok(Number(unavailable.headers.get('retry-after')) > 0, 'a 503 carries Retry-After');

  assert.ok(recoveredAt, `healthz answered 200 within ${recoveryDeadlineMs} ms of the start`);
  assert.ok(travellers.every((traveller) => traveller.booked), 'every traveller booked after the recovery');
  assert.ok(confirmed.some((booking) => booking.at > upSince), 'bookings went through after the restart');
  const numbers = confirmed.map((booking) => booking.number);
  const stored = new Set(queryDatabase(database.url,
    `SELECT booking_number FROM bookings WHERE date = '${day}' AND status = 'confirmed'`)
    .map((row) => row.booking_number));
  assert.deepEqual(numbers.filter((number) => !stored.has(number)), [],
    'every booking answered 201 is in the database');
  assert.equal(new Set(numbers).size, numbers.length, 'no booking number was answered twice');
});
