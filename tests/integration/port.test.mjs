// Port verification and station arrivals through the real server: valid
// check-in records the entry once, concurrent checks of one slip record one
// entry, every invalid reason, role refusal, and station check-in with CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, setClock, queryDatabase, assertApiError } from '../support/server.mjs';
import { staffClient, submittedTraveller, auditEntries } from './admin_helpers.mjs';

const settings = {
  password_memory_kib: 1024,
  password_passes: 1,
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

let server;
let operator;
let reviewer;
let admin;
let officers;
let dayCounter = 0;

function addDays(date, count) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000).toISOString().slice(0, 10);
}

// A traveller booked for a date no other test uses; the clock ends at 09:00 on that date.
async function bookedTraveller() {
  dayCounter += 1;
  const date = addDays('2027-06-01', dayCounter * 4);
  await setClock(server.url, `${addDays(date, -3)}T10:30:00+08:00`);
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
  await setClock(server.url, `${date}T09:00:00+08:00`);
  const slip = await traveller.client.request('GET', '/api/v1/me/slip');
  assert.equal(slip.status, 200, slip.text);
  return { ...traveller, date, bookingNumber: booked.json.booking_number, token: slip.json.token };
}

function checkin(client, body) {
  return client.request('POST', '/api/v1/staff/checkins', { json: body });
}

before(async () => {
  server = await startServer(settings);
  operator = await staffClient(server, 'operator');
  reviewer = await staffClient(server, 'reviewer');
  admin = await staffClient(server, 'admin');
  officers = [await staffClient(server, 'port_officer'), await staffClient(server, 'port_officer')];
});

after(async () => {
  await server?.stop();
});

test('checkin records entry once', async () => {
  const traveller = await bookedTraveller();
  queryDatabase(server.dbPath, `UPDATE accounts SET consecutive_no_shows = 1 WHERE id = ${traveller.accountId}`);

  const first = await checkin(officers[0], { token: traveller.token });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.verdict, 'valid');
  assert.equal(first.json.reason, null);
  assert.equal(first.json.booking_number, traveller.bookingNumber);
  assert.equal(first.json.date, traveller.date);
  assert.deepEqual(first.json.names, ['陳大文']);
  assert.equal(first.json.group_size, 1);
  assert.equal(first.json.entered_by, officers[0].username);
  assert.match(first.json.entered_at, /^\d{4}-\d{2}-\d{2}T09:00:\d{2}\+08:00$/);

  const second = await checkin(officers[1], { token: traveller.token });
  assert.equal(second.json.verdict, 'invalid');
  assert.equal(second.json.reason, 'slip.already_entered');
  assert.equal(second.json.entered_by, officers[0].username);
  assert.equal(second.json.entered_at, first.json.entered_at);
  assert.ok(second.json.message.includes(officers[0].username), second.json.message);

  const [row] = queryDatabase(server.dbPath,
    `SELECT status, entered_by FROM bookings WHERE booking_number = '${traveller.bookingNumber}'`);
  assert.equal(row.status, 'entered');
  assert.equal(row.entered_by, officers[0].staffId);
  const [account] = queryDatabase(server.dbPath,
    `SELECT consecutive_no_shows FROM accounts WHERE id = ${traveller.accountId}`);
  assert.equal(account.consecutive_no_shows, 0, 'an entry resets consecutive no-shows');

  const me = await traveller.client.request('GET', '/api/v1/me/slip');
  assert.equal(me.status, 200, 'an entered booking still has its slip on the day');
});

test('concurrent checkins record one entry', async () => {
  for (let round = 0; round < 3; round += 1) {
    const traveller = await bookedTraveller();
    const results = await Promise.all(officers.map((officer) => checkin(officer, { token: traveller.token })));
    const verdicts = results.map((response) => response.json.verdict).sort();
    assert.deepEqual(verdicts, ['invalid', 'valid'], JSON.stringify(results.map((r) => r.json)));
    const loser = results.find((response) => response.json.verdict === 'invalid');
    assert.equal(loser.json.reason, 'slip.already_entered');
  }
});

test('checkin by booking and ID number', async () => {
  const traveller = await bookedTraveller();
  const wrong = await checkin(officers[0], { booking_number: traveller.bookingNumber, id_number: '110101199003070000' });
  assert.equal(wrong.json.verdict, 'invalid');
  assert.equal(wrong.json.reason, 'slip.unknown');
  assert.equal(wrong.json.booking_number, null, 'a wrong ID number reveals nothing of the booking');

  const unknown = await checkin(officers[0], { booking_number: '209912319999', id_number: traveller.idNumber });
  assert.equal(unknown.json.reason, 'slip.unknown');

  const right = await checkin(officers[0],
    { booking_number: traveller.bookingNumber, id_number: traveller.idNumber.toLowerCase() });
  assert.equal(right.json.verdict, 'valid', right.text);
});

test('checkin rejects bad tokens and input', async () => {
  const traveller = await bookedTraveller();
  const token = traveller.token;
  const flipped = token.slice(0, 40) + (token[40] === 'A' ? 'B' : 'A') + token.slice(41);
  const bad = await checkin(officers[0], { token: flipped });
  assert.equal(bad.json.verdict, 'invalid');
  assert.equal(bad.json.reason, 'slip.bad_signature');

  const malformed = await checkin(officers[0], { token: 'hello world' });
  assert.equal(malformed.json.reason, 'slip.malformed');

  assertApiError(await checkin(officers[0], {}), { status: 422, code: 'checkin.input_missing', field: 'token' });
  assertApiError(await checkin(officers[0], { booking_number: traveller.bookingNumber }),
    { status: 422, code: 'checkin.input_missing', field: 'id_number' });
  const extra = await checkin(officers[0], { token, station: 1 });
  assert.equal(extra.status, 400);

  const [row] = queryDatabase(server.dbPath,
    `SELECT status FROM bookings WHERE booking_number = '${traveller.bookingNumber}'`);
  assert.equal(row.status, 'confirmed', 'invalid checks record nothing');
});

test('checkin rejects cancelled and other dates', async () => {
  const traveller = await bookedTraveller();
  await setClock(server.url, `${addDays(traveller.date, -1)}T09:00:00+08:00`);
  const early = await checkin(officers[0], { token: traveller.token });
  assert.equal(early.json.verdict, 'invalid');
  assert.equal(early.json.reason, 'slip.not_today');
  await setClock(server.url, `${addDays(traveller.date, 1)}T09:00:00+08:00`);
  const late = await checkin(officers[0], { token: traveller.token });
  assert.equal(late.json.reason, 'slip.not_today');

  const cancelledTraveller = await bookedTraveller();
  queryDatabase(server.dbPath,
    `UPDATE bookings SET status = 'cancelled' WHERE booking_number = '${cancelledTraveller.bookingNumber}'`);
  const cancelled = await checkin(officers[0], { token: cancelledTraveller.token });
  assert.equal(cancelled.json.reason, 'slip.cancelled');

  const noShowTraveller = await bookedTraveller();
  queryDatabase(server.dbPath,
    `UPDATE bookings SET status = 'no_show' WHERE booking_number = '${noShowTraveller.bookingNumber}'`);
  const noShow = await checkin(officers[0], { token: noShowTraveller.token });
  assert.equal(noShow.json.reason, 'slip.no_show');
});

test('checkin refuses other roles', async () => {
  const traveller = await bookedTraveller();
  for (const role of ['reviewer', 'operator', 'station_staff']) {
    const client = await staffClient(server, role);
    assertApiError(await checkin(client, { token: traveller.token }), { status: 403, code: 'staff.role_forbidden' },
      role);
  }
  assertApiError(await checkin(new Client(server.url, 'en'), { token: traveller.token }),
    { status: 401, code: 'auth.required' });
  assertApiError(await checkin(traveller.client, { token: traveller.token }),
    { status: 401, code: 'auth.required' }, 'a traveller session is not a staff session');
  const adminCheck = await checkin(admin, { token: traveller.token });
  assert.equal(adminCheck.json.verdict, 'valid', 'administrators may verify');
});

test('port page shows verdict', async () => {
  const traveller = await bookedTraveller();
  const page = await officers[0].request('GET', '/admin/port');
  assert.equal(page.status, 200);
  assert.match(page.text, /id="menu-port"/);
  const csrf = officers[0].cookies.get('yz_csrf');
  const posted = await officers[0].request('POST', '/admin/port', { form: { csrf, token: `\n ${traveller.token} \n` } });
  assert.equal(posted.status, 200);
  assert.match(posted.text, /class="port-verdict port-valid"/);
  const again = await officers[0].request('POST', '/admin/port', { form: { csrf, token: traveller.token } });
  assert.match(again.text, /data-reason="slip.already_entered"/);
});

test('port page camera scanner assets', async () => {
  const page = await officers[0].request('GET', '/admin/port');
  assert.equal(page.status, 200);
  // The camera section stays hidden until the script finds a camera API.
  assert.match(page.text, /<div class="port-scan" id="port-scan" hidden/);
  assert.match(page.text, /<button type="button" id="port-scan-start" hidden>/);
  const scripts = [...page.text.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((match) => match[1]);
  assert.deepEqual(scripts, ['/static/js/jsQR.js', '/static/js/port_scan.js'], 'jsQR loads before the scanner');

  // Both are served from this server, which the script-src 'self' policy requires.
  const policy = page.headers.get('content-security-policy');
  assert.match(policy, /script-src 'self';/);
  for (const path of scripts) {
    const script = await new Client(server.url).request('GET', path);
    assert.equal(script.status, 200, `${path} is served; run the build, which copies jsQR from node_modules`);
    assert.match(script.headers.get('content-type'), /^text\/javascript/);
  }
  const reader = await new Client(server.url).request('GET', '/static/js/jsQR.js');
  assert.match(reader.text, /root\["jsQR"\] = factory\(\)/, 'the browser build of jsQR that defines window.jsQR');
  const license = await new Client(server.url).request('GET', '/static/js/jsQR.LICENSE.txt');
  assert.equal(license.status, 200);
  assert.match(license.text, /Apache License/);
});

test('station staff check in arrivals', async () => {
  const traveller = await bookedTraveller();
  const station = await staffClient(server, 'station_staff');

  const unassigned = await station.request('GET', `/api/v1/staff/arrivals?date=${traveller.date}`);
  assertApiError(unassigned, { status: 403, code: 'arrival.station_not_assigned' });

  assertApiError(await officers[0].request('PUT', `/api/v1/staff/accounts/${station.staffId}/station`,
    { json: { station_id: 1 } }), { status: 403, code: 'staff.role_forbidden' });
  assertApiError(await admin.request('PUT', `/api/v1/staff/accounts/${station.staffId}/station`,
    { json: { station_id: 999 } }), { status: 422, code: 'station.not_found', field: 'station_id' });
  assertApiError(await admin.request('PUT', `/api/v1/staff/accounts/${officers[0].staffId}/station`,
    { json: { station_id: 1 } }), { status: 422, code: 'staff.station_role_invalid', field: 'station_id' });
  const assigned = await admin.request('PUT', `/api/v1/staff/accounts/${station.staffId}/station`,
    { json: { station_id: 1 } });
  assert.equal(assigned.status, 200, assigned.text);
  assert.equal(assigned.json.station_id, 1);
  const audits = await auditEntries(admin, { action: 'staff.station_set' });
  assert.ok(audits.some((entry) => entry.target_id === String(station.staffId)), JSON.stringify(audits));

  const before = await station.request('GET', `/api/v1/staff/arrivals?date=${traveller.date}`);
  assert.equal(before.status, 200, before.text);
  const listed = before.json.arrivals.find((a) => a.booking_number === traveller.bookingNumber);
  assert.ok(listed, before.text);
  assert.equal(listed.status, 'confirmed');

  const tooEarly = await station.request('POST', `/api/v1/staff/arrivals/${traveller.bookingNumber}/checkin`,
    { json: { room_number: '1203' } });
  assertApiError(tooEarly, { status: 409, code: 'arrival.not_entered' });

  assert.equal((await checkin(officers[0], { token: traveller.token })).json.verdict, 'valid');
  assertApiError(await station.request('POST', `/api/v1/staff/arrivals/${traveller.bookingNumber}/checkin`,
    { json: { room_number: '12 03<script>' } }), { status: 422, code: 'arrival.room_number_invalid', field: 'room_number' });
  const checkedIn = await station.request('POST', `/api/v1/staff/arrivals/${traveller.bookingNumber}/checkin`,
    { json: { room_number: 'b-1203' } });
  assert.equal(checkedIn.status, 200, checkedIn.text);
  assert.equal(checkedIn.json.room_number, 'B-1203');
  assert.ok(checkedIn.json.checked_in_at);
  const checkIns = await auditEntries(admin, { action: 'arrival.check_in' });
  assert.ok(checkIns.some((entry) => entry.target_id === traveller.bookingNumber));

  const csv = await station.request('GET', `/admin/arrivals.csv?date=${traveller.date}`);
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.ok(csv.text.startsWith('booking_number,date,status,'));
  assert.ok(csv.text.includes(traveller.idNumber), 'station staff get full ID numbers');
  assert.ok(csv.text.includes('B-1203'));

  const page = await station.request('GET', `/admin/arrivals?date=${traveller.date}`);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`id="arrival-${traveller.bookingNumber}"`));

  assertApiError(await officers[0].request('GET', `/api/v1/staff/arrivals?date=${traveller.date}`),
    { status: 403, code: 'staff.role_forbidden' });
  assertApiError(await station.request('GET', '/api/v1/staff/arrivals?date=2027-13-40'),
    { status: 422, code: 'arrival.date_invalid', field: 'date' });
});
