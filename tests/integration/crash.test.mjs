// Crash safety of the rush: 300 approved travellers book one date with 100
// rooms at once, and the server is killed with SIGKILL after some of them
// have received their confirmation. A new server on the same database must
// contain every booking a client saw confirmed, no more than the quota, and
// each booking number once. Then the travellers left book, and the same
// must hold with the date sold out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, Client, setClock, runCli, queryDatabase, uniqueHomeReturnPermit } from '../support/server.mjs';
import { sendOver, inBatches } from '../support/rush.mjs';

const travellerCount = 300;
const quota = 100;
const setupBatch = 50;
// The kill comes when the client has seen this many confirmations, drawn
// at random so that runs hit different points of the rush.
const killAfterSeen = 10 + Math.floor(Math.random() * 41);

const settings = {
  // The minimum Argon2id cost keeps 300 registrations fast; sign-in cost is
  // not what this test is about.
  password_memory_kib: 1024,
  password_passes: 1,
  // Small batches make the rush span many commits, so the kill lands in its
  // middle. With the default limit one batch can decide all 300 requests
  // before the client has read the first confirmation.
  booking_batch_limit: 2,
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

const day = '2027-06-07';
const staffPassword = 'Staff2026pass';

let first;
let restarted;
let travellers = [];

// A local time on `day` in the server's default zone, Asia/Shanghai (UTC+8, no DST).
function localTime(time) {
  return `${day}T${time}+08:00`;
}

async function submittedTraveller(server) {
  const client = new Client(server.url, 'en');
  const registered = await client.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: profile });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  return { client, accountId: registered.json.account_id };
}

async function staffClient(server, role) {
  const username = `crash${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

before(async () => {
  first = await startServer(settings);
  await setClock(first.url, localTime('09:00:00'));
  const operator = await staffClient(first, 'operator');
  const reviewer = await staffClient(first, 'reviewer');
  travellers = await inBatches(Array.from({ length: travellerCount }), setupBatch, () => submittedTraveller(first));
  await inBatches(travellers, setupBatch, async ({ accountId }) => {
    const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
      { json: { decision: 'approve' } });
    assert.equal(decision.status, 200, `approve ${accountId}: ${decision.text}`);
  });
  const quotaSet = await operator.request('PUT', `/api/v1/staff/quotas/${day}`, { json: { quota } });
  assert.equal(quotaSet.status, 200, quotaSet.text);
});

after(async () => {
  // The restarted server leaves the shared database alone; the first one
  // owns it, so it is stopped (its process already dead) last.
  await restarted?.stop();
  await first?.stop();
});

// Book for every traveller in `indices` at once on `server` (its clock at
// 10:00 on `day`), each with a fresh captcha. `onAnswer(index, answer)` runs
// as each response arrives. Resolves the responses in the order of `indices`.
async function rush(server, indices, onAnswer = () => {}) {
  await setClock(server.url, localTime('09:59:00'));
  for (const index of indices) travellers[index].client.baseUrl = server.url;
  const captchas = await inBatches(indices, setupBatch, (index) => travellers[index].client.captcha());

  // One keep-alive socket per traveller, opened before the rush, so that
  // the requests leave together instead of queueing behind TCP handshakes.
  const agent = new http.Agent({ keepAlive: true, maxSockets: indices.length, maxFreeSockets: indices.length });
  const warm = await Promise.all(indices.map(() => sendOver(agent, server.port, 'GET', '/healthz')));
  assert.ok(warm.every((response) => response.status === 200), 'every warm-up request answered');
  await setClock(server.url, localTime('10:00:00'));

  const answers = await Promise.all(indices.map(async (index, position) => {
    const body = JSON.stringify({ date: day, captcha_id: captchas[position], captcha_answer: '0000' });
    const answer = await sendOver(agent, server.port, 'POST', '/api/v1/bookings',
      { headers: { cookie: travellers[index].client.cookieHeader() }, body });
    onAnswer(index, answer);
    return answer;
  }));
  agent.destroy();
  return answers;
}

// The confirmed bookings of `day` as stored, and the day's booked counter.
function storedBookings(server) {
  const rows = queryDatabase(server.dbPath,
    `SELECT booking_number, sequence, account_id, status FROM bookings WHERE date = '${day}'`);
  const booked = queryDatabase(server.dbPath, `SELECT booked FROM day_quotas WHERE date = '${day}'`)[0].booked;
  return { rows, booked };
}

// Assert the three crash-safety properties. Every booking in `seen` (account
// id → the booking number its 201 carried) is stored as that account's
// confirmed booking. The confirmed bookings do not exceed the quota. Every
// booking number and sequence appears once.
function checkStore(t, server, seen, label) {
  const { rows, booked } = storedBookings(server);
  const confirmed = rows.filter((row) => row.status === 'confirmed');
  const byNumber = new Map(rows.map((row) => [row.booking_number, row]));
  t.diagnostic(`${label}: seen ${seen.size} confirmations, stored ${confirmed.length} confirmed, ` +
    `day_quotas.booked ${booked}`);

  const missing = [...seen].filter(([accountId, number]) => {
    const row = byNumber.get(number);
    return !row || row.status !== 'confirmed' || row.account_id !== accountId;
  });
  assert.deepEqual(missing, [], `${label}: every booking a client saw confirmed is stored, confirmed, for its account`);
  assert.ok(confirmed.length <= quota, `${label}: ${confirmed.length} confirmed bookings exceed the quota of ${quota}`);
  assert.equal(booked, confirmed.length, `${label}: day_quotas.booked equals the confirmed bookings`);

  assert.equal(new Set(rows.map((row) => row.booking_number)).size, rows.length, `${label}: booking numbers are unique`);
  assert.equal(new Set(rows.map((row) => row.sequence)).size, rows.length, `${label}: sequences are unique`);
  assert.equal(new Set(seen.values()).size, seen.size, `${label}: no two clients were given the same booking number`);
  assert.equal(new Set(confirmed.map((row) => row.account_id)).size, confirmed.length,
    `${label}: one confirmed booking per account`);
  return confirmed.length;
}

test('kill -9 mid-rush keeps every confirmed booking', async (t) => {
  const seen = new Map();
  let killedWhilePending = 0;
  let settled = 0;
  const everyone = travellers.map((_, index) => index);
  const answers = await rush(first, everyone, (index, answer) => {
    settled += 1;
    if (answer.status !== 201) return;
    seen.set(travellers[index].accountId, answer.json.booking_number);
    if (seen.size === killAfterSeen) {
      first.child.kill('SIGKILL');
      killedWhilePending = travellerCount - settled;
    }
  });
  const ended = await first.exited;
  assert.equal(ended.signal, 'SIGKILL', 'the first server died of the kill');
  const cutOff = answers.filter((answer) => answer.status === 0).length;
  t.diagnostic(`killed after ${killAfterSeen} confirmations with ${killedWhilePending} requests pending; ` +
    `${cutOff} requests got no response`);
  assert.ok(killedWhilePending > 0, 'the kill came while requests were still pending');
  const unexpected = answers.filter((answer) => answer.status !== 0 && answer.status !== 201);
  assert.deepEqual(unexpected.map((answer) => `${answer.status} ${answer.text.slice(0, 200)}`), [],
    'every answer before the kill is a confirmation (a sold-out answer means the kill came too late)');

  restarted = await startServer(settings, { database: first.dbPath });
  const storedAfterRestart = checkStore(t, restarted, seen, 'after the restart');
  assert.ok(storedAfterRestart < quota, 'the kill came before the date sold out');

  // Everyone without a confirmation tries again. Travellers whose booking
  // was stored but whose 201 was lost get booking.already_active.
  const waiting = everyone.filter((index) => !seen.has(travellers[index].accountId));
  const retries = await rush(restarted, waiting, (index, answer) => {
    if (answer.status === 201) seen.set(travellers[index].accountId, answer.json.booking_number);
  });
  const codes = {};
  for (const answer of retries) {
    const key = answer.status === 201 ? '201' : `${answer.status} ${answer.json?.error?.code}`;
    codes[key] = (codes[key] ?? 0) + 1;
  }
  t.diagnostic(`after the restart: ${JSON.stringify(codes)}`);
  const allowed = new Set(['201', '409 booking.sold_out', '409 booking.already_active']);
  assert.deepEqual(Object.keys(codes).filter((key) => !allowed.has(key)), [],
    'after the restart, every answer is a confirmation, sold out or already booked');
  assert.equal(codes['409 booking.already_active'] ?? 0, storedAfterRestart - seen.size + (codes['201'] ?? 0),
    'already booked answers go exactly to the travellers whose 201 was lost');

  const storedAtEnd = checkStore(t, restarted, seen, 'after the second rush');
  assert.equal(storedAtEnd, quota, 'the date is sold out at the end');
});
