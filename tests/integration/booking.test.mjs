// The booking engine through the real server: open hours, the booking
// window, approval, idempotency, one active booking per traveller,
// cancelling, quotas and the locks that follow from a booking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, setClock, runCli, queryDatabase, assertApiError, uniqueHomeReturnPermit,
} from '../support/server.mjs';

const settings = {
  // The minimum Argon2id cost: these tests register dozens of travellers and
  // need working hashes, not slow ones.
  password_memory_kib: 1024,
  password_passes: 1,
  // Each test moves the test clock to a later week. A year-long session
  // keeps the staff signed in across all of them.
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

const staffPassword = 'Staff2026pass';
const profile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

// The first day the test clock shows. Every test takes a later week of its own.
const firstDay = '2027-03-01';
let weeksUsed = 0;

let server;
let operator;
let reviewer;

// `date` (YYYY-MM-DD) plus `count` days.
function addDays(date, count) {
  const moved = new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000);
  return moved.toISOString().slice(0, 10);
}

// A local time on `date` in the server's default zone, Asia/Shanghai (UTC+8, no DST).
function localTime(date, time) {
  return `${date}T${time}+08:00`;
}

// Move the clock to 10:30 on a day no earlier test used and return that day.
async function freshToday(time = '10:30:00') {
  weeksUsed += 1;
  const today = addDays(firstDay, weeksUsed * 8);
  await setClock(server.url, localTime(today, time));
  return today;
}

async function staffClient(role) {
  const username = `booking${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

// A registered traveller whose profile is saved and submitted for review.
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

async function approvedTraveller() {
  const traveller = await submittedTraveller();
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${traveller.accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, `approve ${traveller.accountId}: ${decision.text}`);
  assert.equal(decision.json.status, 'approved');
  return traveller;
}

async function setQuota(date, quota) {
  const response = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota } });
  assert.equal(response.status, 200, `quota ${date}: ${response.text}`);
  return response;
}

// POST a booking with a fresh captcha (or `captchaId`) answered with test mode's 0000.
async function book(client, date, { key, captchaId } = {}) {
  const captcha = captchaId ?? await client.captcha();
  const headers = key === undefined ? {} : { 'idempotency-key': key };
  return client.request('POST', '/api/v1/bookings',
    { json: { date, captcha_id: captcha, captcha_answer: '0000' }, headers });
}

async function availabilityOf(date) {
  const response = await new Client(server.url).request('GET', '/api/v1/availability');
  assert.equal(response.status, 200, response.text);
  const day = response.json.find((entry) => entry.date === date);
  assert.ok(day, `availability lists ${date}: ${response.text}`);
  return day;
}

async function myBookings(client) {
  const response = await client.request('GET', '/api/v1/me/bookings');
  assert.equal(response.status, 200, response.text);
  return response.json;
}

before(async () => {
  server = await startServer(settings);
  await setClock(server.url, localTime(firstDay, '10:30:00'));
  operator = await staffClient('operator');
  reviewer = await staffClient('reviewer');
});

after(async () => {
  await server?.stop();
});

test('booking opens at 10:00:00', async () => {
  const today = await freshToday('09:59:00');
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const captchaId = await client.captcha();

  await setClock(server.url, localTime(today, '09:59:59'));
  const early = await book(client, today, { captchaId });
  assertApiError(early, { status: 422, code: 'booking.outside_open_hours' }, '09:59:59');
  assert.match(early.json.error.message, new RegExp(`${today}T10:00:00\\+08:00`), 'names the next opening');

  await setClock(server.url, localTime(today, '10:00:00'));
  const open = await book(client, today, { captchaId });
  assert.equal(open.status, 201, `10:00:00: ${open.text}`);
  assert.equal(open.json.status, 'confirmed');
  assert.equal(open.json.replayed, false);
});

test('booking closes at 20:00:00', async () => {
  const today = await freshToday('19:59:00');
  const tomorrow = addDays(today, 1);
  await setQuota(tomorrow, 5);
  const first = await approvedTraveller();
  const second = await approvedTraveller();
  const firstCaptcha = await first.client.captcha();
  const secondCaptcha = await second.client.captcha();

  await setClock(server.url, localTime(today, '19:59:59'));
  const last = await book(first.client, tomorrow, { captchaId: firstCaptcha });
  assert.equal(last.status, 201, `19:59:59: ${last.text}`);

  await setClock(server.url, localTime(today, '20:00:00'));
  const closed = await book(second.client, tomorrow, { captchaId: secondCaptcha });
  assertApiError(closed, { status: 422, code: 'booking.outside_open_hours' }, '20:00:00');
  assert.match(closed.json.error.message, new RegExp(`${tomorrow}T10:00:00\\+08:00`), 'opens tomorrow at 10:00');

  const day = await availabilityOf(tomorrow);
  assert.equal(day.bookable, false, 'nothing is bookable outside the open hours');
  assert.equal(day.booked, 1);
});

test('booking window is today through today + 6', async () => {
  const today = await freshToday();
  const dates = { yesterday: addDays(today, -1), today, last: addDays(today, 6), beyond: addDays(today, 7) };
  for (const date of Object.values(dates)) await setQuota(date, 5);

  const traveller = await approvedTraveller();
  assertApiError(await book(traveller.client, dates.beyond), { status: 422, code: 'booking.date_outside_window', field: 'date' },
    'today + 7');
  assertApiError(await book(traveller.client, dates.yesterday),
    { status: 422, code: 'booking.date_outside_window', field: 'date' }, 'yesterday');
  assertApiError(await book(traveller.client, '2027-02-30'), { status: 422, code: 'booking.date_invalid', field: 'date' },
    'no such day');
  assertApiError(await book(traveller.client, 'tomorrow'), { status: 422, code: 'booking.date_invalid', field: 'date' },
    'not a date');

  const lastDay = await book(traveller.client, dates.last);
  assert.equal(lastDay.status, 201, `today + 6: ${lastDay.text}`);
  assert.equal(lastDay.json.date, dates.last);
  const other = await approvedTraveller();
  const sameDay = await book(other.client, dates.today);
  assert.equal(sameDay.status, 201, `today: ${sameDay.text}`);
});

test('booking needs an approved profile and a session', async () => {
  const today = await freshToday();
  await setQuota(today, 5);

  const pending = await submittedTraveller();
  assertApiError(await book(pending.client, today), { status: 403, code: 'booking.profile_not_approved' }, 'pending');

  const draft = new Client(server.url, 'en');
  assert.equal((await draft.register({ id_number: uniqueHomeReturnPermit() })).status, 201);
  assertApiError(await book(draft, today), { status: 403, code: 'booking.profile_not_approved' }, 'no profile');

  const rejected = await submittedTraveller();
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${rejected.accountId}`,
    { json: { decision: 'reject', reason: 'mobile_invalid' } });
  assert.equal(decision.status, 200, decision.text);
  assertApiError(await book(rejected.client, today), { status: 403, code: 'booking.profile_not_approved' }, 'rejected');

  const anonymous = new Client(server.url, 'en');
  assertApiError(await book(anonymous, today), { status: 401, code: 'auth.required' }, 'no session');
  assert.equal((await availabilityOf(today)).booked, 0, 'no refused request took a room');
});

test('booking checks the captcha', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const post = (captchaId, answer) => client.request('POST', '/api/v1/bookings',
    { json: { date: today, captcha_id: captchaId, captcha_answer: answer } });

  const captchaId = await client.captcha();
  assertApiError(await post(captchaId, '1234'), { status: 422, code: 'captcha.wrong', field: 'captcha_answer' },
    'wrong answer');
  assertApiError(await post(captchaId, '0000'), { status: 422, code: 'captcha.expired', field: 'captcha_answer' },
    'a captcha works once, even after a wrong answer');
  assertApiError(await post('no-such-captcha', '0000'),
    { status: 422, code: 'captcha.expired', field: 'captcha_answer' }, 'unknown captcha');
  assertApiError(await post(await client.captcha(), ''), { status: 422, code: 'captcha.missing', field: 'captcha_answer' },
    'empty answer');
  assert.equal((await availabilityOf(today)).booked, 0, 'no refused request took a room');
  assert.equal((await post(await client.captcha(), '0000')).status, 201);
});

test('same Idempotency-Key twice books once', async () => {
  const today = await freshToday();
  // One room: the retry must find its booking even though the date is now full.
  await setQuota(today, 1);
  const { client } = await approvedTraveller();
  const captchaId = await client.captcha();

  const first = await book(client, today, { key: 'retry-1', captchaId });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.replayed, false);
  // A client that timed out sends the very same request again.
  const again = await book(client, today, { key: 'retry-1', captchaId });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.replayed, true);
  assert.equal(again.json.booking_number, first.json.booking_number);

  assert.equal((await myBookings(client)).length, 1);
  assert.equal((await availabilityOf(today)).booked, 1);
  assertApiError(await book(client, today, { key: 'x'.repeat(129) }),
    { status: 422, code: 'booking.idempotency_key_invalid' }, 'key over 128 characters');
});

test('double submit without a key books once', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const [firstCaptcha, secondCaptcha] = [await client.captcha(), await client.captcha()];

  const answers = await Promise.all([
    book(client, today, { captchaId: firstCaptcha }),
    book(client, today, { captchaId: secondCaptcha }),
  ]);

  const confirmed = answers.filter((answer) => answer.status === 201);
  const refused = answers.filter((answer) => answer.status !== 201);
  assert.equal(confirmed.length, 1, answers.map((answer) => answer.text).join('\n'));
  // The second submit either overlapped the first (one request per account
  // at a time) or came after it (one active booking per account).
  if (refused[0].status === 429) {
    assertApiError(refused[0], { status: 429, code: 'booking.in_flight' }, 'second submit');
    assert.equal(refused[0].headers.get('retry-after'), '1');
  } else {
    assertApiError(refused[0], { status: 409, code: 'booking.already_active' }, 'second submit');
    assert.ok(refused[0].json.error.message.includes(confirmed[0].json.booking_number), 'names the booking held');
  }
  assert.equal((await myBookings(client)).length, 1);
  assert.equal((await availabilityOf(today)).booked, 1);
});

test('one active booking per account', async () => {
  const today = await freshToday();
  await setQuota(addDays(today, 2), 5);
  await setQuota(addDays(today, 4), 5);
  const { client } = await approvedTraveller();

  const first = await book(client, addDays(today, 2));
  assert.equal(first.status, 201, first.text);
  assertApiError(await book(client, addDays(today, 4)), { status: 409, code: 'booking.already_active' }, 'another date');
  assertApiError(await book(client, addDays(today, 2)), { status: 409, code: 'booking.already_active' }, 'same date');
  assert.equal((await availabilityOf(addDays(today, 4))).booked, 0);
  assert.equal((await myBookings(client)).length, 1);
});

test('GET /me names the active booking', async () => {
  const today = await freshToday();
  const date = addDays(today, 3);
  await setQuota(date, 5);
  const { client } = await approvedTraveller();
  const before = await client.request('GET', '/api/v1/me');
  assert.equal(before.json.active_booking, null, 'none before booking');

  const booked = await book(client, date);
  assert.equal(booked.status, 201, booked.text);
  const during = await client.request('GET', '/api/v1/me');
  assert.equal(during.status, 200, during.text);
  // API.md fixes the member but not its shape: accept the number itself or
  // an object that carries it.
  const active = during.json.active_booking;
  assert.ok(active, `active_booking is set while the booking is active: ${during.text}`);
  assert.equal(typeof active === 'string' ? active : active.booking_number, booked.json.booking_number);

  assert.equal((await client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`)).status, 200);
  const afterCancel = await client.request('GET', '/api/v1/me');
  assert.equal(afterCancel.json.active_booking, null, 'none after cancelling');
});

test('cancel on D-2 returns the room', async () => {
  const today = await freshToday();
  const date = addDays(today, 2);
  await setQuota(date, 2);
  const { client } = await approvedTraveller();
  assert.equal((await availabilityOf(date)).remaining, 2);

  const booked = await book(client, date);
  assert.equal(booked.status, 201, booked.text);
  assert.equal(booked.json.cancellable, true);
  assert.equal(booked.json.last_cancel_date, today);
  assert.equal((await availabilityOf(date)).remaining, 1);

  const cancelled = await client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.json.status, 'cancelled');
  const day = await availabilityOf(date);
  assert.equal(day.remaining, 2, 'the room is back in the pool');
  assert.equal(day.booked, 0);
  assert.equal(queryDatabase(server.dbPath, `SELECT booked FROM day_quotas WHERE date = '${date}'`)[0].booked, 0);

  assertApiError(await client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`),
    { status: 409, code: 'booking.not_cancellable' }, 'cancelled twice');
  const rebooked = await book(client, date);
  assert.equal(rebooked.status, 201, `a cancelled booking is not active: ${rebooked.text}`);
  assert.notEqual(rebooked.json.booking_number, booked.json.booking_number, 'sequences are not reused');
});

test('cancel on D-1 or D is too late', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  await setQuota(addDays(today, 1), 5);
  await setQuota(addDays(today, 3), 5);
  const onDayBefore = await approvedTraveller();
  const onTheDay = await approvedTraveller();
  const laterDayBefore = await approvedTraveller();

  const tomorrow = await book(onDayBefore.client, addDays(today, 1));
  assert.equal(tomorrow.status, 201, tomorrow.text);
  assert.equal(tomorrow.json.cancellable, false);
  const late = await onDayBefore.client.request('DELETE', `/api/v1/bookings/${tomorrow.json.booking_number}`);
  assertApiError(late, { status: 409, code: 'booking.cancel_too_late' }, 'D-1');
  assert.ok(late.json.error.message.includes(addDays(today, -1)), `names the last cancel date: ${late.text}`);

  const sameDay = await book(onTheDay.client, today);
  assert.equal(sameDay.status, 201, sameDay.text);
  assertApiError(await onTheDay.client.request('DELETE', `/api/v1/bookings/${sameDay.json.booking_number}`),
    { status: 409, code: 'booking.cancel_too_late' }, 'D');

  // Booked on D-3; two days later it is D-1. At 00:30 local time the UTC
  // date is still D-2, so this also catches a deadline taken from UTC.
  const inThreeDays = await book(laterDayBefore.client, addDays(today, 3));
  assert.equal(inThreeDays.status, 201, inThreeDays.text);
  await setClock(server.url, localTime(addDays(today, 2), '00:30:00'));
  assertApiError(await laterDayBefore.client.request('DELETE', `/api/v1/bookings/${inThreeDays.json.booking_number}`),
    { status: 409, code: 'booking.cancel_too_late' }, 'D-1 after the clock moved');

  assert.equal((await availabilityOf(addDays(today, 3))).booked, 1, 'the refused cancellations kept the rooms');
});

test('cancelling someone else\'s booking is not found', async () => {
  const today = await freshToday();
  const date = addDays(today, 3);
  await setQuota(date, 5);
  const owner = await approvedTraveller();
  const stranger = await approvedTraveller();
  const booked = await book(owner.client, date);
  assert.equal(booked.status, 201, booked.text);

  assertApiError(await stranger.client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`),
    { status: 404, code: 'booking.not_found' }, 'another traveller');
  assertApiError(await stranger.client.request('DELETE', `/api/v1/bookings/${date.replaceAll('-', '')}9999`),
    { status: 404, code: 'booking.not_found' }, 'unknown number');
  assertApiError(await stranger.client.request('DELETE', '/api/v1/bookings/not-a-number'),
    { status: 404, code: 'booking.not_found' }, 'malformed number');
  assertApiError(await new Client(server.url, 'en').request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`),
    { status: 401, code: 'auth.required' }, 'no session');

  const [mine] = await myBookings(owner.client);
  assert.equal(mine.status, 'confirmed', 'the booking is untouched');
});

test('quota cannot go below booked', async () => {
  const today = await freshToday();
  const date = addDays(today, 1);
  await setQuota(date, 3);
  for (let i = 0; i < 2; i += 1) {
    const { client } = await approvedTraveller();
    assert.equal((await book(client, date)).status, 201);
  }

  const below = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 1 } });
  assertApiError(below, { status: 409, code: 'quota.below_booked', field: 'quota' }, 'quota 1 with 2 booked');
  assert.equal((await availabilityOf(date)).quota, 3, 'the refused change left the quota');

  const exact = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 2 } });
  assert.equal(exact.status, 200, exact.text);
  const day = await availabilityOf(date);
  assert.equal(day.remaining, 0);
  assert.equal(day.state, 'full');
  const { client } = await approvedTraveller();
  assertApiError(await book(client, date), { status: 409, code: 'booking.sold_out' }, 'after lowering to booked');
});

test('my bookings list newest first with statuses', async () => {
  const today = await freshToday();
  const earlier = addDays(today, 2);
  const later = addDays(today, 5);
  await setQuota(earlier, 5);
  await setQuota(later, 5);
  const { client } = await approvedTraveller();
  assert.deepEqual(await myBookings(client), []);

  const first = await book(client, earlier);
  assert.equal(first.status, 201, first.text);
  assert.equal((await client.request('DELETE', `/api/v1/bookings/${first.json.booking_number}`)).status, 200);
  const second = await book(client, later);
  assert.equal(second.status, 201, second.text);

  const list = await myBookings(client);
  assert.deepEqual(list.map((entry) => [entry.booking_number, entry.date, entry.status]), [
    [second.json.booking_number, later, 'confirmed'],
    [first.json.booking_number, earlier, 'cancelled'],
  ]);
  assert.match(second.json.booking_number, new RegExp(`^${later.replaceAll('-', '')}\\d{4}$`));
  assert.equal(list[0].cancellable, true);
  assert.equal(list[1].cancellable, false);
  assert.equal(list[0].name, profile.name);
  assert.equal(list[0].destination_code, profile.destination_code);
  assert.ok(!JSON.stringify(list).includes(queryDatabase(server.dbPath,
    `SELECT id_number FROM bookings WHERE booking_number = '${second.json.booking_number}'`)[0].id_number),
  'the ID number is masked');
  assertApiError(await new Client(server.url, 'en').request('GET', '/api/v1/me/bookings'),
    { status: 401, code: 'auth.required' }, 'no session');
});

test('availability needs no login', async () => {
  const today = await freshToday();
  await setQuota(addDays(today, 1), 4);

  const response = await new Client(server.url).request('GET', '/api/v1/availability');
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(response.json.map((day) => day.date), [0, 1, 2, 3, 4, 5, 6].map((offset) => addDays(today, offset)));
  for (const day of response.json) {
    for (const key of ['date', 'quota', 'booked', 'remaining', 'bookable']) {
      assert.ok(key in day, `${day.date} has ${key}`);
    }
  }
  const withQuota = response.json[1];
  assert.deepEqual([withQuota.quota, withQuota.booked, withQuota.remaining, withQuota.bookable], [4, 0, 4, true]);
  const withoutQuota = response.json[2];
  assert.deepEqual([withoutQuota.quota, withoutQuota.remaining, withoutQuota.bookable], [0, 0, false]);
});

test('quota route needs an operator', async () => {
  const today = await freshToday();
  const date = addDays(today, 1);

  assertApiError(await reviewer.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 10 } }),
    { status: 403, code: 'staff.role_forbidden' }, 'reviewer');
  assertApiError(await new Client(server.url, 'en').request('PUT', `/api/v1/staff/quotas/${date}`,
    { json: { quota: 10 } }), { status: 401, code: 'auth.required' }, 'no session');
  const { client } = await approvedTraveller();
  assertApiError(await client.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 10 } }),
    { status: 401, code: 'auth.required' }, 'traveller session');
  assertApiError(await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: -1 } }),
    { status: 422, code: 'quota.value_invalid', field: 'quota' }, 'negative quota');
  assertApiError(await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota: 10000 } }),
    { status: 422, code: 'quota.value_invalid', field: 'quota' }, 'over 9999');

  assert.equal((await availabilityOf(date)).quota, 0, 'no refused request set a quota');
});

test('profile is locked while a booking is active', async () => {
  const today = await freshToday();
  const date = addDays(today, 3);
  await setQuota(date, 5);
  const { client } = await approvedTraveller();
  const booked = await book(client, date);
  assert.equal(booked.status, 201, booked.text);

  const locked = await client.request('PUT', '/api/v1/me/profile', { json: { hk_mobile: '51234567' } });
  assert.equal(locked.status, 409, locked.text);
  // Profile saves list every error in `errors`, with the first also in `error`.
  assert.equal(locked.json.error.code, 'profile.locked_by_booking', locked.text);
  assert.deepEqual(locked.json.errors.map((error) => error.code), ['profile.locked_by_booking']);
  const unchanged = await client.request('GET', '/api/v1/me/profile');
  assert.equal(unchanged.status, 200, unchanged.text);
  assert.equal(unchanged.json.hk_mobile, profile.hk_mobile);
  assert.equal(unchanged.json.review_status, 'approved');

  assert.equal((await client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`)).status, 200);
  const unlocked = await client.request('PUT', '/api/v1/me/profile', { json: { hk_mobile: '51234567' } });
  assert.equal(unlocked.status, 200, `no active booking after cancelling: ${unlocked.text}`);
});

test('a script firing many requests for one account books once and is counted', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const captchas = [];
  for (let i = 0; i < 8; i += 1) captchas.push(await client.captcha());

  const answers = await Promise.all(captchas.map((captchaId) => book(client, today, { captchaId })));
  const statuses = answers.map((answer) => answer.status);
  assert.equal(statuses.filter((status) => status === 201).length, 1, `statuses: ${statuses}`);
  for (const answer of answers.filter((each) => each.status !== 201)) {
    assert.ok(['booking.in_flight', 'booking.already_active'].includes(answer.json.error.code), answer.text);
  }
  assert.equal((await availabilityOf(today)).booked, 1);

  const metrics = await new Client(server.url).request('GET', '/metrics');
  assert.match(metrics.text, /^yizhan_bookings_total\{outcome="confirmed"\} [1-9]/m);
  assert.match(metrics.text, /^yizhan_booking_writer_queue 0$/m);
  assert.match(metrics.text, /^yizhan_booking_requests_in_flight 0$/m);
});

test('a missing booking field is named in the reader\'s language', async () => {
  const { client } = await approvedTraveller();
  for (const [language, label] of [['zh-Hant', '日期'], ['zh-Hans', '日期'], ['en', 'Date']]) {
    client.cookies.set('lang', language);
    const answer = await client.request('POST', '/api/v1/bookings', { json: { captcha_id: 'x', captcha_answer: '0000' } });
    assertApiError(answer, { status: 422, code: 'request.field_missing', field: 'date' }, language);
    assert.ok(answer.json.error.message.includes(label), `${language}: ${answer.json.error.message}`);
    assert.ok(!answer.json.error.message.includes('date'), `${language}: no raw field name in ${answer.json.error.message}`);
  }
});

test('the same request twice at once gets one booking for both', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const [first, second] = [await client.captcha(), await client.captcha()];
  const answers = await Promise.all([
    book(client, today, { key: 'double-click', captchaId: first }),
    book(client, today, { key: 'double-click', captchaId: second }),
  ]);
  const statuses = answers.map((answer) => answer.status).sort();
  assert.deepEqual(statuses, [200, 201], answers.map((answer) => answer.text).join('\n'));
  assert.equal(answers[0].json.booking_number, answers[1].json.booking_number, 'both name the same booking');
  assert.equal((await myBookings(client)).length, 1);
});

test('booking route sees a sign-out at once', async () => {
  // The booking route runs on the network threads; a session ended there
  // or elsewhere must be refused on the very next request.
  const today = await freshToday();
  await setQuota(today, 5);
  const { client } = await approvedTraveller();
  const token = client.cookies.get('yz_session');
  const replay = new Client(server.url, 'en');
  replay.cookies.set('yz_session', token);
  const before = await book(replay, today, { captchaId: 'no-such-captcha' });
  assert.notEqual(before.status, 401, `the live session books: ${before.text}`);

  const signedOut = await client.request('DELETE', '/api/v1/session');
  assert.equal(signedOut.status, 204, signedOut.text);
  const after = await replay.request('POST', '/api/v1/bookings',
    { json: { date: today, captcha_id: 'x', captcha_answer: '0000' } });
  assertApiError(after, { status: 401, code: 'auth.required' }, 'the same cookie right after sign-out');
});
