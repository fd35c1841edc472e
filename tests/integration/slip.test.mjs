// The confirmation slip through the real server: the slip exists on the
// booking date only, its token verifies offline with `yizhan verify-slip`
// against the published key document, and the page shows the slip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, setClock, runCli, assertApiError } from '../support/server.mjs';
import { staffClient, submittedTraveller } from './admin_helpers.mjs';

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
