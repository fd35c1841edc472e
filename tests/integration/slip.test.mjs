// The confirmation slip through the real server: the slip exists on the
// booking date only, its token verifies offline with `yizhan verify-slip`
// against the published key document, the page shows the slip, and running
// servers pick up a rotated or retired key without a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, setClock, runCli, assertApiError } from '../support/server.mjs';
import { addStaff, loginStaff, staffClient, submittedTraveller } from './admin_helpers.mjs';

const settings = {
  password_memory_kib: 1024,
  password_passes: 1,
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

let server;
let operator;
let reviewer;

function addDays(date, count) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000).toISOString().slice(0, 10);
}

// A traveller with an approved profile and a booking for `date`, booked at
// 10:30 two days before it.
async function bookedTraveller(date) {
  await setClock(server.url, `${addDays(date, -2)}T10:30:00+08:00`);
  const traveller = await submittedTraveller(server);
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${traveller.accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, decision.text);
  const quota = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 50 } });
  assert.equal(quota.status, 200, quota.text);
  const captcha = await traveller.client.captcha();
  const booked = await traveller.client.request('POST', '/api/v1/bookings',
    { json: { date, captcha_id: captcha, captcha_answer: '0000' } });
  assert.equal(booked.status, 201, booked.text);
  return { ...traveller, bookingNumber: booked.json.booking_number };
}

before(async () => {
  server = await startServer(settings);
  operator = await staffClient(server, 'operator');
  reviewer = await staffClient(server, 'reviewer');
});

after(async () => {
  await server?.stop();
});

test('slip window: day before, the day, day after', async () => {
  const date = '2027-05-10';
  const traveller = await bookedTraveller(date);

  await setClock(server.url, `${addDays(date, -1)}T23:59:00+08:00`);
  const early = await traveller.client.request('GET', '/api/v1/me/slip');
  assertApiError(early, { status: 404, code: 'slip.not_today' });
  assert.match(early.json.error.message, new RegExp(date));

  await setClock(server.url, `${date}T00:00:30+08:00`);
  const onDay = await traveller.client.request('GET', '/api/v1/me/slip');
  assert.equal(onDay.status, 200, onDay.text);
  assert.equal(onDay.json.booking_number, traveller.bookingNumber);
  assert.equal(onDay.json.date, date);
  assert.equal(typeof onDay.json.token, 'string');
  assert.match(onDay.json.token, /^[A-Za-z0-9_-]+$/);
  assert.equal(onDay.json.group_size, 1);

  const page = await traveller.client.request('GET', '/slip');
  assert.equal(page.status, 200);
  assert.match(page.text, /<svg[^>]*class="qr-code"/);
  assert.match(page.text, new RegExp(traveller.bookingNumber));
  assert.match(page.text, /<details class="slip-more"/);
  assert.ok(page.text.includes(traveller.idNumber), 'the full ID number is behind "show more"');

  await setClock(server.url, `${addDays(date, 1)}T08:00:00+08:00`);
  const late = await traveller.client.request('GET', '/api/v1/me/slip');
  assertApiError(late, { status: 404, code: 'slip.not_today' });
  assert.match(late.json.error.message, new RegExp(date));
  const latePage = await traveller.client.request('GET', '/slip');
  assert.equal(latePage.status, 404);
  assert.match(latePage.text, /id="slip-unavailable"/);
});

test('slip needs a session', async () => {
  const response = await new Client(server.url, 'en').request('GET', '/api/v1/me/slip');
  assertApiError(response, { status: 401, code: 'auth.required' });
  const page = await new Client(server.url, 'en').request('GET', '/slip');
  assert.equal(page.status, 303);
});

test('token verifies offline with the published keys', async () => {
  const date = '2027-05-20';
  const traveller = await bookedTraveller(date);
  await setClock(server.url, `${date}T09:00:00+08:00`);
  const slip = await traveller.client.request('GET', '/api/v1/me/slip');
  assert.equal(slip.status, 200, slip.text);

  const keys = await new Client(server.url).request('GET', '/api/v1/slip-key');
  assert.equal(keys.status, 200);
  assert.equal(keys.json.keys.length, 1);
  assert.match(keys.json.keys[0].id, /^[0-9a-f]{8}$/);
  const keyFile = join(server.directory, 'slip-key.json');
  writeFileSync(keyFile, keys.text);

  const valid = runCli(['verify-slip', '--key', keyFile, slip.json.token]);
  assert.equal(valid.status, 0, valid.stderr);
  assert.match(valid.stdout, /^VALID/);
  assert.match(valid.stdout, new RegExp(`booking_number: ${traveller.bookingNumber}`));
  assert.match(valid.stdout, new RegExp(`date: ${date}`));

  const token = slip.json.token;
  const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
  const invalid = runCli(['verify-slip', '--key', keyFile, flipped]);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stdout, /^INVALID: (bad signature|unknown key)/);

  const garbage = runCli(['verify-slip', '--key', keyFile, 'not*a*token']);
  assert.equal(garbage.status, 1);
  assert.match(garbage.stdout, /^INVALID: bad format/);

  // The default key directory is slip-keys beside the database file.
  const rotated = runCli(['slip-key', 'rotate', '--key-dir', join(server.directory, 'slip-keys')]);
  assert.equal(rotated.status, 0, rotated.stderr);
});

// The id of the key that signed `token`: bytes 1 to 4 of its payload.
function signingKeyId(token) {
  return Buffer.from(token, 'base64url').subarray(1, 5).toString('hex');
}

async function publishedKeyIds(baseUrl) {
  const response = await new Client(baseUrl).request('GET', '/api/v1/slip-key');
  assert.equal(response.status, 200, response.text);
  return response.json.keys.map((key) => key.id);
}

// Calls `probe` every 100 ms until it returns something other than
// undefined, and returns that; fails after `timeoutMs`.
async function eventually(probe, timeoutMs, description) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    assert.ok(Date.now() < deadline, `timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The same session on another server that shares the database.
function sameSessionOn(client, baseUrl) {
  const copy = new Client(baseUrl);
  for (const [name, value] of client.cookies) copy.cookies.set(name, value);
  return copy;
}

function checkin(client, token) {
  return client.request('POST', '/api/v1/staff/checkins', { json: { token } });
}

test('rotated key used without restart', async () => {
  const date = '2027-05-28';
  const keyDirectory = join(server.directory, 'slip-keys');
  // A second server sharing the database and the key directory, as two
  // servers behind one load balancer would.
  const second = await startServer({ ...settings, slip_key_dir: keyDirectory }, { database: server.dbPath });
  try {
    const first = await bookedTraveller(date);
    const other = await bookedTraveller(date);
    await setClock(server.url, `${date}T09:00:00+08:00`);
    await setClock(second.url, `${date}T09:00:00+08:00`);
    const officer = addStaff(server, 'port_officer');
    const officerOnFirst = await loginStaff(server, officer);
    const officerOnSecond = await loginStaff(second, officer);

    // The test before this one rotated the key too, and the first server
    // may still be within its check interval.
    const keysBefore = await eventually(async () => {
      const [onFirst, onSecond] = [await publishedKeyIds(server.url), await publishedKeyIds(second.url)];
      return JSON.stringify(onFirst) === JSON.stringify(onSecond) ? onFirst : undefined;
    }, 10000, 'both servers to publish the same keys');
    const oldSlip = await first.client.request('GET', '/api/v1/me/slip');
    assert.equal(oldSlip.status, 200, oldSlip.text);
    const oldToken = oldSlip.json.token;
    assert.equal(signingKeyId(oldToken), keysBefore[0], 'slips are signed with the first published key');

    const rotated = runCli(['slip-key', 'rotate', '--key-dir', keyDirectory]);
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKey = rotated.stdout.match(/new signing key ([0-9a-f]{8})/)?.[1];
    assert.ok(newKey, rotated.stdout);
    assert.ok(!keysBefore.includes(newKey));

    // Both servers publish the new key first, and the old ones after it.
    for (const url of [server.url, second.url]) {
      const ids = await eventually(async () => {
        const published = await publishedKeyIds(url);
        return published[0] === newKey ? published : undefined;
      }, 10000, `${url} to publish key ${newKey}`);
      assert.deepEqual(ids.slice(1).sort(), [...keysBefore].sort(), `${url} still publishes the old keys`);
    }

    // New slips carry the new key id, from either server.
    const newSlip = await other.client.request('GET', '/api/v1/me/slip');
    assert.equal(newSlip.status, 200, newSlip.text);
    assert.equal(signingKeyId(newSlip.json.token), newKey);
    const fromSecond = await sameSessionOn(first.client, second.url).request('GET', '/api/v1/me/slip');
    assert.equal(fromSecond.status, 200, fromSecond.text);
    assert.equal(signingKeyId(fromSecond.json.token), newKey);

    // Offline, the published document verifies tokens of both keys.
    const keyFile = join(server.directory, 'slip-key-rotated.json');
    writeFileSync(keyFile, (await new Client(server.url).request('GET', '/api/v1/slip-key')).text);
    for (const token of [oldToken, newSlip.json.token]) {
      const offline = runCli(['verify-slip', '--key', keyFile, token]);
      assert.equal(offline.status, 0, `verify-slip ${token}: ${offline.stdout}${offline.stderr}`);
    }

    // At the port, the old token is valid on one server and the new one on the other.
    const oldChecked = await checkin(officerOnSecond, oldToken);
    assert.equal(oldChecked.json.verdict, 'valid', oldChecked.text);
    const newChecked = await checkin(officerOnFirst, newSlip.json.token);
    assert.equal(newChecked.json.verdict, 'valid', newChecked.text);
    const reissued = await checkin(officerOnFirst, fromSecond.json.token);
    assert.equal(reissued.json.reason, 'slip.already_entered', 'the new key verifies a reissued slip');

    // Removing the old key's files retires it on the running servers.
    const retired = signingKeyId(oldToken);
    rmSync(join(keyDirectory, `${retired}.public`));
    rmSync(join(keyDirectory, `${retired}.secret`));
    for (const [url, officerClient] of [[server.url, officerOnFirst], [second.url, officerOnSecond]]) {
      await eventually(async () => {
        const published = await publishedKeyIds(url);
        return published.includes(retired) ? undefined : published;
      }, 10000, `${url} to stop publishing key ${retired}`);
      const rejected = await eventually(async () => {
        const checked = await checkin(officerClient, oldToken);
        return checked.json.reason === 'slip.bad_signature' ? checked : undefined;
      }, 10000, `${url} to reject a token of the retired key`);
      assert.equal(rejected.json.verdict, 'invalid');
    }
    const stillValid = await checkin(officerOnSecond, newSlip.json.token);
    assert.equal(stillValid.json.reason, 'slip.already_entered', 'the new key keeps verifying');
  } finally {
    await second.stop();
  }
});
