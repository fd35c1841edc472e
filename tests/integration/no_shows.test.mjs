// No-shows and bans through the real server. Days are closed by the staff
// API, the command line and the server's own midnight job. The tests cover
// bans after two consecutive no-shows and their exact end, lifting a ban,
// the personal center, and which roles may do what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, setClock, runCli, queryDatabase, assertApiError,
} from '../support/server.mjs';
import {
  staffClient, submittedTraveller, postForm, auditEntries, elementText,
} from './admin_helpers.mjs';

const settings = {
  // The minimum Argon2id cost: these tests register many travellers.
  password_memory_kib: 1024,
  password_passes: 1,
  // Tests move the clock by weeks; long sessions keep everyone signed in.
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

// Every test takes later dates of its own. They lie in the past of the real
// clock, because `yizhan close-day` uses the system clock and closes only
// days before today.
const firstDay = '2025-03-01';
let periodsUsed = 0;

let server;
let operator;
let reviewer;
let admin;

function addDays(date, count) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000).toISOString().slice(0, 10);
}

// A local time on `date` in the server's default zone, Asia/Shanghai (UTC+8, no DST).
function localTime(date, time = '10:30:00') {
  return `${date}T${time}+08:00`;
}

// A first day that no earlier test used; each test has 40 days from it.
function freshDay() {
  periodsUsed += 1;
  return addDays(firstDay, periodsUsed * 40);
}

async function at(date, time) {
  await setClock(server.url, localTime(date, time));
}

async function approvedTraveller() {
  const traveller = await submittedTraveller(server);
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${traveller.accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, `approve ${traveller.accountId}: ${decision.text}`);
  return traveller;
}

async function setQuotas(from, count, quota = 20) {
  const response = await operator.request('POST', '/api/v1/staff/quotas',
    { json: { from, to: addDays(from, count - 1), quota } });
  assert.equal(response.status, 200, `quotas from ${from}: ${response.text}`);
}

// Book `date` on the clock's current day with test mode's captcha answer.
async function book(client, date) {
  const captcha = await client.captcha();
  return client.request('POST', '/api/v1/bookings', { json: { date, captcha_id: captcha, captcha_answer: '0000' } });
}

async function bookOk(client, date) {
  const response = await book(client, date);
  assert.equal(response.status, 201, `book ${date}: ${response.text}`);
  return response.json;
}

async function closeDay(client, date) {
  return client.request('POST', `/api/v1/staff/days/${date}/close`, { json: {} });
}

async function me(client) {
  const response = await client.request('GET', '/api/v1/me');
  assert.equal(response.status, 200, response.text);
  return response.json;
}

async function bookingStatus(client, bookingNumber) {
  const response = await client.request('GET', '/api/v1/me/bookings');
  assert.equal(response.status, 200, response.text);
  const booking = response.json.find((entry) => entry.booking_number === bookingNumber);
  assert.ok(booking, `booking ${bookingNumber} is listed: ${response.text}`);
  return booking.status;
}

// A traveller who missed bookings on `first` and `first + 1`, booked on
// each of those days; the clock is left on `first + 1`.
async function travellerWithTwoMissedDays(first) {
  const traveller = await approvedTraveller();
  await at(first);
  const missedFirst = await bookOk(traveller.client, first);
  await at(addDays(first, 1));
  const missedSecond = await bookOk(traveller.client, addDays(first, 1));
  return { ...traveller, missedFirst, missedSecond };
}

before(async () => {
  server = await startServer(settings);
  await at(firstDay);
  operator = await staffClient(server, 'operator');
  reviewer = await staffClient(server, 'reviewer');
  admin = await staffClient(server, 'admin');
});

after(async () => {
  await server?.stop();
});

test('two consecutive no-shows ban for 14 days', async () => {
  const first = freshDay();
  const second = addDays(first, 1);
  await setQuotas(first, 30);
  const traveller = await travellerWithTwoMissedDays(first);

  await at(addDays(first, 2));
  const firstClose = await closeDay(operator, first);
  assert.equal(firstClose.status, 200, firstClose.text);
  assert.deepEqual(firstClose.json, { date: first, no_shows: 1, bans: 0, already_closed: false });
  assert.equal(await bookingStatus(traveller.client, traveller.missedFirst.booking_number), 'no_show');
  let summary = await me(traveller.client);
  assert.equal(summary.no_show_count, 1, 'one no-show so far');
  assert.equal(summary.banned_until, null);

  const secondClose = await closeDay(operator, second);
  assert.equal(secondClose.status, 200, secondClose.text);
  assert.deepEqual(secondClose.json, { date: second, no_shows: 1, bans: 1, already_closed: false });

  const end = addDays(second, 14);
  summary = await me(traveller.client);
  assert.equal(summary.banned_until, end, 'booking is possible again 14 days after the second no-show');
  assert.equal(summary.no_show_count, 0, 'the consecutive count starts again after a ban');
  const rows = queryDatabase(server.dbPath,
    `SELECT consecutive_no_shows, total_no_shows, banned_until FROM accounts WHERE id = ${traveller.accountId}`);
  assert.deepEqual(rows, [{ consecutive_no_shows: 0, total_no_shows: 2, banned_until: end }]);

  // The ban's first whole day after the closing.
  const refused = await book(traveller.client, addDays(first, 2));
  assertApiError(refused, { status: 403, code: 'booking.banned' }, 'first day of the ban');
  assert.match(refused.json.error.message, new RegExp(end), 'the message names the end date');

  await at(addDays(end, -1));
  assertApiError(await book(traveller.client, addDays(end, -1)), { status: 403, code: 'booking.banned' },
    'the day before the ban ends');
  assertApiError(await book(traveller.client, end), { status: 403, code: 'booking.banned' },
    'booking the end date while still banned');

  await at(end);
  const allowed = await book(traveller.client, end);
  assert.equal(allowed.status, 201, `the end date itself: ${allowed.text}`);
});

test('closing a day twice changes nothing', async () => {
  const first = freshDay();
  await setQuotas(first, 3);
  const traveller = await approvedTraveller();
  await at(first);
  await bookOk(traveller.client, first);
  await at(addDays(first, 1));

  const closed = await closeDay(operator, first);
  assert.deepEqual(closed.json, { date: first, no_shows: 1, bans: 0, already_closed: false });
  const again = await closeDay(admin, first);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, { date: first, no_shows: 0, bans: 0, already_closed: true });
  assert.equal((await me(traveller.client)).no_show_count, 1, 'counted once');

  const audits = await auditEntries(admin, { action: 'day.close', target_id: first });
  assert.equal(audits.length, 1, `one audit entry for the closing: ${JSON.stringify(audits)}`);
  assert.equal(audits[0].target_type, 'day');
});

test('cancelled and entered bookings are not no-shows', async () => {
  const first = freshDay();
  await setQuotas(first, 6);
  const cancelled = await approvedTraveller();
  const kept = await approvedTraveller();
  await at(first);
  const later = addDays(first, 3);
  const booking = await bookOk(cancelled.client, later);
  const cancel = await cancelled.client.request('DELETE', `/api/v1/bookings/${booking.booking_number}`);
  assert.equal(cancel.status, 200, `cancel: ${cancel.text}`);
  const confirmed = await bookOk(kept.client, later);

  // The port records the entry on the booking date.
  await at(later);
  const port = await staffClient(server, 'port_officer');
  const entry = await port.request('POST', '/api/v1/staff/checkins',
    { json: { booking_number: confirmed.booking_number, id_number: kept.idNumber } });
  assert.equal(entry.status, 200, `entry: ${entry.text}`);
  assert.equal(entry.json.verdict, 'valid', `entry: ${entry.text}`);
  await at(addDays(later, 1));
  const closed = await closeDay(operator, later);
  assert.deepEqual(closed.json, { date: later, no_shows: 0, bans: 0, already_closed: false });
  assert.equal(await bookingStatus(cancelled.client, booking.booking_number), 'cancelled');
  assert.equal(await bookingStatus(kept.client, confirmed.booking_number), 'entered');
  assert.equal((await me(cancelled.client)).no_show_count, 0);
  assert.equal((await me(kept.client)).no_show_count, 0);
});

test('only days that have ended can be closed', async () => {
  const today = freshDay();
  await at(today, '23:59:59');
  assertApiError(await closeDay(operator, today), { status: 409, code: 'day.not_over', field: 'date' }, 'today');
  assertApiError(await closeDay(operator, addDays(today, 1)), { status: 409, code: 'day.not_over', field: 'date' },
    'tomorrow');
  for (const bad of ['2025-02-30', '20250301', 'yesterday', '2025-3-01']) {
    assertApiError(await closeDay(operator, bad), { status: 422, code: 'day.date_invalid', field: 'date' }, bad);
  }
  await at(addDays(today, 1), '00:00:00');
  const closed = await closeDay(operator, today);
  assert.equal(closed.status, 200, `just after midnight: ${closed.text}`);
});

test('close-day on the command line', async () => {
  const first = freshDay();
  await setQuotas(first, 3);
  const traveller = await travellerWithTwoMissedDays(first);

  const closed = runCli(['close-day', '--db', server.dbPath, '--date', first]);
  assert.equal(closed.status, 0, closed.stderr);
  assert.match(closed.stdout, new RegExp(`closed ${first}: 1 no-show marked, 0 accounts banned`));
  const banned = runCli(['close-day', '--db', server.dbPath, '--date', addDays(first, 1)]);
  assert.equal(banned.status, 0, banned.stderr);
  assert.match(banned.stdout, /1 no-show marked, 1 account banned/);
  assert.equal((await me(traveller.client)).banned_until, addDays(first, 15));

  const again = runCli(['close-day', '--db', server.dbPath, '--date', first]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${first} was closed before; nothing changed`));
  // The server reads the closing that the command wrote.
  await at(addDays(first, 3));
  assert.equal((await closeDay(operator, first)).json.already_closed, true);

  const future = runCli(['close-day', '--db', server.dbPath, '--date', '2999-01-01']);
  assert.equal(future.status, 1);
  assert.match(future.stderr, /\[day\.not_over\]/);
  const invalid = runCli(['close-day', '--db', server.dbPath, '--date', '2025-13-01']);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /\[day\.date_invalid\]/);
  const missing = runCli(['close-day', '--db', server.dbPath]);
  assert.notEqual(missing.status, 0, '--date is required');
});

test('operators list and lift bans with a reason', async () => {
  const first = freshDay();
  await setQuotas(first, 10);
  const traveller = await travellerWithTwoMissedDays(first);
  await at(addDays(first, 2));
  await closeDay(operator, first);
  await closeDay(operator, addDays(first, 1));

  const list = await operator.request('GET', '/api/v1/staff/bans');
  assert.equal(list.status, 200, list.text);
  const entry = list.json.find((ban) => ban.account_id === traveller.accountId);
  assert.ok(entry, `the ban is listed: ${list.text}`);
  assert.equal(entry.banned_until, addDays(first, 15));
  assert.equal(entry.total_no_shows, 2);
  assert.ok(!JSON.stringify(entry).includes(traveller.idNumber), 'the ID number is masked');

  const path = `/api/v1/staff/bans/${traveller.accountId}/lift`;
  assertApiError(await operator.request('POST', path, { json: { reason: '   ' } }),
    { status: 422, code: 'ban.reason_missing', field: 'reason' }, 'blank reason');
  assertApiError(await operator.request('POST', path, { json: {} }),
    { status: 422, code: 'request.field_missing', field: 'reason' }, 'no reason');
  assertApiError(await operator.request('POST', path, { json: { reason: 'x'.repeat(501) } }),
    { status: 422, code: 'ban.reason_invalid', field: 'reason' }, 'reason too long');
  assertApiError(await operator.request('POST', '/api/v1/staff/bans/999999/lift', { json: { reason: 'typo' } }),
    { status: 404, code: 'ban.account_not_found' }, 'unknown account');
  assertApiError(await operator.request('POST', '/api/v1/staff/bans/abc/lift', { json: { reason: 'typo' } }),
    { status: 404, code: 'ban.account_not_found' }, 'not an id');

  const lifted = await operator.request('POST', path, { json: { reason: 'Hospital stay, letter seen' } });
  assert.equal(lifted.status, 200, lifted.text);
  assert.equal(lifted.json.banned_until, null);
  assert.equal((await me(traveller.client)).banned_until, null);
  assertApiError(await operator.request('POST', path, { json: { reason: 'again' } }),
    { status: 409, code: 'ban.not_banned' }, 'lifted twice');

  const audits = await auditEntries(admin, { action: 'ban.lift', target_id: String(traveller.accountId) });
  assert.equal(audits.length, 1, JSON.stringify(audits));
  assert.equal(audits[0].staff_username, operator.username);
  assert.deepEqual(audits[0].before,
    { banned_until: addDays(first, 15), consecutive_no_shows: 0, total_no_shows: 2 });
  assert.deepEqual(audits[0].after,
    { banned_until: null, reason: 'Hospital stay, letter seen' });

  const booked = await book(traveller.client, addDays(first, 3));
  assert.equal(booked.status, 201, `booking after the lift: ${booked.text}`);
});

test('bans page lists, lifts and closes days', async () => {
  const first = freshDay();
  await setQuotas(first, 10);
  const traveller = await travellerWithTwoMissedDays(first);
  await at(addDays(first, 2));
  await closeDay(operator, first);

  const formClose = await postForm(operator, '/admin/bans/close-day', { date: addDays(first, 1) });
  assert.equal(formClose.status, 200, formClose.text.slice(0, 300));
  assert.match(elementText(formClose.text, 'notice'), /1 no-shows marked, 1 travellers banned/);
  const pageAgain = await postForm(operator, '/admin/bans/close-day', { date: addDays(first, 1) });
  assert.match(elementText(pageAgain.text, 'notice'), /was closed before/);
  const tooEarly = await postForm(operator, '/admin/bans/close-day', { date: addDays(first, 2) });
  assert.equal(tooEarly.status, 409);
  assert.match(elementText(tooEarly.text, 'form-error'), /has not ended yet/);

  const page = await operator.request('GET', '/admin/bans');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`id="ban-${traveller.accountId}"`), 'the ban has a row');
  assert.ok(page.text.includes('id="menu-bans"'), 'the menu links the page');
  assert.ok(page.text.includes('id="close-day-form"'), 'operators may close days');

  const blank = await postForm(operator, `/admin/bans/${traveller.accountId}/lift`, { reason: '' });
  assert.equal(blank.status, 422);
  assert.match(elementText(blank.text, 'form-error'), /reason/i);
  const lifted = await postForm(operator, `/admin/bans/${traveller.accountId}/lift`, { reason: 'Flight cancelled' });
  assert.equal(lifted.status, 303, `redirect after the lift: ${lifted.status}`);
  const after = await operator.request('GET', lifted.headers.get('location'));
  assert.ok(elementText(after.text, 'notice'), 'the lift is confirmed');
  assert.ok(!after.text.includes(`id="ban-${traveller.accountId}"`), 'the row is gone');

  const forged = await operator.request('POST', '/admin/bans/close-day', { form: { date: first, csrf: 'wrong' } });
  assert.equal(forged.status, 403, 'a form without the CSRF token is refused');
});

test('personal center shows the count and the ban', async () => {
  const first = freshDay();
  await setQuotas(first, 3);
  const traveller = await travellerWithTwoMissedDays(first);
  await at(addDays(first, 2));

  let page = await traveller.client.request('GET', '/me');
  assert.equal(elementText(page.text, 'no-show-count'), '0');
  assert.equal(elementText(page.text, 'ban-notice'), null, 'no ban yet');

  await closeDay(operator, first);
  page = await traveller.client.request('GET', '/me');
  assert.equal(elementText(page.text, 'no-show-count'), '1');

  await closeDay(operator, addDays(first, 1));
  const end = addDays(first, 15);
  page = await traveller.client.request('GET', '/me');
  assert.equal(elementText(page.text, 'no-show-count'), '0');
  assert.ok(elementText(page.text, 'ban-notice').includes(end), `the notice names ${end}`);
  assert.ok(page.text.includes(`data-banned-until="${end}"`));

  await at(end);
  page = await traveller.client.request('GET', '/me');
  assert.equal(elementText(page.text, 'ban-notice'), null, 'the notice ends with the ban');
});

test('only operators and administrators handle no-shows', async () => {
  const date = addDays(freshDay(), -1);
  await at(addDays(date, 2));
  for (const role of ['reviewer', 'port_officer', 'station_staff']) {
    const client = await staffClient(server, role);
    assertApiError(await closeDay(client, date), { status: 403, code: 'staff.role_forbidden' }, `${role} closes`);
    assertApiError(await client.request('GET', '/api/v1/staff/bans'), { status: 403, code: 'staff.role_forbidden' },
      `${role} lists`);
    assertApiError(await client.request('POST', '/api/v1/staff/bans/1/lift', { json: { reason: 'x' } }),
      { status: 403, code: 'staff.role_forbidden' }, `${role} lifts`);
    const page = await client.request('GET', '/admin/bans');
    assert.equal(page.status, 403, `${role} opens the page`);
    const menu = await client.request('GET', '/admin');
    assert.ok(!menu.text.includes('id="menu-bans"'), `${role} has no menu entry`);
  }
  const anonymous = new Client(server.url, 'en');
  assertApiError(await closeDay(anonymous, date), { status: 401, code: 'auth.required' }, 'nobody signed in');
  assertApiError(await anonymous.request('GET', '/api/v1/staff/bans'), { status: 401, code: 'auth.required' },
    'nobody signed in');
  const traveller = await approvedTraveller();
  assertApiError(await closeDay(traveller.client, date), { status: 401, code: 'auth.required' }, 'a traveller');

  assert.equal((await closeDay(admin, date)).status, 200, 'administrators may close days');
});

test('server closes past days after 00:05', async () => {
  const job = await startServer({ ...settings, close_days_at: '00:05' });
  try {
    const day = freshDay();
    await setClock(job.url, localTime(day));
    const jobReviewer = await staffClient(job, 'reviewer');
    const jobOperator = await staffClient(job, 'operator');
    const quotas = await jobOperator.request('PUT', `/api/v1/staff/quotas/${day}`, { json: { quota: 5 } });
    assert.equal(quotas.status, 200, quotas.text);
    const traveller = await submittedTraveller(job);
    await jobReviewer.request('POST', `/api/v1/staff/reviews/${traveller.accountId}`, { json: { decision: 'approve' } });
    const captcha = await traveller.client.captcha();
    const booked = await traveller.client.request('POST', '/api/v1/bookings',
      { json: { date: day, captcha_id: captcha, captcha_answer: '0000' } });
    assert.equal(booked.status, 201, booked.text);

    const status = () => queryDatabase(job.dbPath,
      `SELECT status FROM bookings WHERE booking_number = '${booked.json.booking_number}'`)[0].status;
    await setClock(job.url, localTime(addDays(day, 1), '00:04:00'));
    // The job checks every 5 seconds; give it two chances.
    await new Promise((resolve) => setTimeout(resolve, 11000));
    assert.equal(status(), 'confirmed', 'not closed before 00:05');

    await setClock(job.url, localTime(addDays(day, 1), '00:05:30'));
    const deadline = Date.now() + 15000;
    while (status() !== 'no_show' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status(), 'no_show', 'closed by the server shortly after 00:05');
    const closed = queryDatabase(job.dbPath, `SELECT no_shows FROM closed_days WHERE date = '${day}'`);
    assert.deepEqual(closed, [{ no_shows: 1 }]);
    assert.match(await job.waitForLogs(/event=day_closed/), /event=day_closed date=\S+ no_shows=1 bans=0 by=system:scheduler/);
  } finally {
    await job.stop();
  }
  assert.match(job.logs(), /event=close_days_scheduler_stopped/, 'the job stops with the server');
});
