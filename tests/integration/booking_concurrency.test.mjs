// The opening-time rush through the real server: 500 approved travellers,
// each with its own session and captcha, POST a booking for one date with
// 100 rooms at the same instant. Exactly 100 must win, the other 400 must
// hear "sold out", and the database must agree. The rush runs three times
// on fresh dates so that a race that only sometimes loses shows up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, Client, setClock, runCli, queryDatabase, uniqueHomeReturnPermit } from '../support/server.mjs';
import { sendOver, inBatches } from '../support/rush.mjs';

const travellerCount = 500;
const quota = 100;
// Concurrent requests while registering, so setup fits the time budget on
// a small machine without turning setup itself into a load test.
const setupBatch = 50;

const settings = {
  // The minimum Argon2id cost. At the default (19 MiB, 2 passes) one
  // registration took about 60 ms instead of 21 ms on a 2-core machine, so
  // 500 of them would add about 20 s of CPU time to the setup.
  password_memory_kib: 1024,
  password_passes: 1,
  // Each rush runs a day after the one before, so sessions must last longer than that.
  session_lifetime_minutes: 30 * 24 * 60,
  staff_session_lifetime_minutes: 30 * 24 * 60,
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

const firstDay = '2027-05-03';
const staffPassword = 'Staff2026pass';

let server;
let operator;
let travellers = [];
// One keep-alive socket per traveller, opened before the rush, so the 500
// requests leave together instead of queueing behind TCP handshakes.
const agent = new http.Agent({ keepAlive: true, maxSockets: travellerCount, maxFreeSockets: travellerCount });

function addDays(date, count) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000).toISOString().slice(0, 10);
}

// A local time on `date` in the server's default zone, Asia/Shanghai (UTC+8, no DST).
function localTime(date, time) {
  return `${date}T${time}+08:00`;
}

async function submittedTraveller() {
  const client = new Client(server.url, 'en');
  const registered = await client.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: profile });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  return { client, accountId: registered.json.account_id };
}

async function staffClient(role) {
  const username = `rush${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

before(async () => {
  server = await startServer(settings);
  await setClock(server.url, localTime(firstDay, '09:00:00'));
  operator = await staffClient('operator');
  const reviewer = await staffClient('reviewer');

  const started = Date.now();
  travellers = await inBatches(Array.from({ length: travellerCount }), setupBatch, () => submittedTraveller());
  await inBatches(travellers, setupBatch, async ({ accountId }) => {
    const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
      { json: { decision: 'approve' } });
    assert.equal(decision.status, 200, `approve ${accountId}: ${decision.text}`);
  });
  console.log(`setup: ${travellerCount} travellers registered and approved in ${Date.now() - started} ms`);
});

after(async () => {
  agent.destroy();
  await server?.stop();
});

// One rush on `today` for `date`. `keyFor(index)` gives the traveller's
// Idempotency-Key, or undefined to send none. Returns what the test checks.
async function rush(today, date, keyFor) {
  // 09:59 leaves the captchas (120 s lifetime) valid through the rush.
  await setClock(server.url, localTime(today, '09:59:00'));
  const quotaSet = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota } });
  assert.equal(quotaSet.status, 200, quotaSet.text);
  const captchas = await inBatches(travellers, setupBatch, ({ client }) => client.captcha());

  // Open one socket per traveller now, while nothing else happens.
  const warm = await Promise.all(travellers.map(() => sendOver(agent, server.port, 'GET', '/healthz')));
  assert.ok(warm.every((response) => response.status === 200), 'every warm-up request answered');
  // The agent files a socket as free just after its response ends.
  await new Promise((resolve) => setImmediate(resolve));
  const openSockets = Object.values(agent.freeSockets).reduce((total, list) => total + list.length, 0);
  assert.equal(openSockets, travellerCount, 'one open connection per traveller before the rush');

  const requests = travellers.map(({ client }, index) => {
    const key = keyFor(index);
    return {
      headers: { cookie: client.cookieHeader(), ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify({ date, captcha_id: captchas[index], captcha_answer: '0000' }),
    };
  });
  await setClock(server.url, localTime(today, '10:00:00'));

  const started = performance.now();
  const answers = await Promise.all(requests.map(
    (request) => sendOver(agent, server.port, 'POST', '/api/v1/bookings', request)));
  const elapsed = Math.round(performance.now() - started);
  return { answers, elapsed };
}

function checkRush(t, date, { answers, elapsed }, label) {
  const byStatus = {};
  for (const answer of answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
  const winners = answers.filter((answer) => answer.status === 201);
  const losers = answers.filter((answer) => answer.status === 409);
  const soldOut = losers.filter((answer) => answer.json?.error?.code === 'booking.sold_out');
  const stored = queryDatabase(server.dbPath,
    `SELECT count(*) AS confirmed, count(DISTINCT account_id) AS accounts FROM bookings
     WHERE date = '${date}' AND status = 'confirmed'`)[0];
  const booked = queryDatabase(server.dbPath, `SELECT booked FROM day_quotas WHERE date = '${date}'`)[0].booked;
  t.diagnostic(`${label}: ${answers.length} requests in ${elapsed} ms, statuses ${JSON.stringify(byStatus)}, ` +
    `stored confirmed ${stored.confirmed}, day_quotas.booked ${booked}`);

  const unexpected = answers.filter((answer) => answer.status !== 201 && answer.status !== 409);
  assert.deepEqual(unexpected.map((answer) => `${answer.status} ${answer.text.slice(0, 200)}`), [],
    'no status other than 201 and 409');
  assert.equal(winners.length, quota, 'exactly the quota is confirmed');
  assert.equal(losers.length, travellerCount - quota, 'everyone else is refused');
  assert.deepEqual([...new Set(losers.map((answer) => answer.json?.error?.code))], ['booking.sold_out'],
    'every refusal is booking.sold_out');
  assert.equal(soldOut.length, travellerCount - quota);

  assert.equal(stored.confirmed, quota, 'the store holds as many confirmed bookings as were answered 201');
  assert.equal(stored.accounts, quota, 'one booking per winning account');
  assert.equal(booked, quota, 'day_quotas.booked');

  const compact = date.replaceAll('-', '');
  const expectedNumbers = Array.from({ length: quota }, (_, i) => `${compact}${String(i + 1).padStart(4, '0')}`);
  const answeredNumbers = winners.map((answer) => answer.json.booking_number).sort();
  assert.deepEqual(answeredNumbers, expectedNumbers, 'the 201 answers carry sequences 0001 to 0100, each once');
  const sequences = queryDatabase(server.dbPath,
    `SELECT sequence, count(*) AS copies FROM bookings WHERE date = '${date}' GROUP BY sequence ORDER BY sequence`);
  assert.deepEqual(sequences.map((row) => [row.sequence, row.copies]),
    Array.from({ length: quota }, (_, i) => [i + 1, 1]), 'the store holds sequences 1 to 100, each once');
  assert.deepEqual(queryDatabase(server.dbPath,
    `SELECT booking_number FROM bookings WHERE date = '${date}' ORDER BY booking_number`)
    .map((row) => row.booking_number), expectedNumbers);
}

// Each rush is on its own day and books that same day, so the winners of
// the previous rush hold only past bookings and may book again.
const rushes = [
  { label: 'rush 1, no Idempotency-Key', keyFor: () => undefined },
  // With a key the sold-out shortcut is skipped and every request reaches
  // the booking writer.
  { label: 'rush 2, every request with an Idempotency-Key', keyFor: (index) => `rush2-${index}` },
  { label: 'rush 3, half with an Idempotency-Key', keyFor: (index) => (index % 2 ? `rush3-${index}` : undefined) },
];

for (const [index, { label, keyFor }] of rushes.entries()) {
  test(`${label}: ${travellerCount} travellers for ${quota} rooms`, async (t) => {
    const today = addDays(firstDay, index + 1);
    checkRush(t, today, await rush(today, today, keyFor), label);
  });
}
