// Co-residents through the real server: adding, listing and removing them,
// field validation, their review together with the personal information,
// and their place in a booking (snapshot, group rules, identity conflicts,
// the lock while a booking is active).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, setClock, runCli, queryDatabase, assertApiError, uniqueHomeReturnPermit,
} from '../support/server.mjs';
import { residentId } from './admin_helpers.mjs';

const settings = {
  password_memory_kib: 1024,
  password_passes: 1,
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

const staffPassword = 'Staff2026pass';
// An adult applicant: 37 on the test dates, so not in need of care by age.
const adultProfile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

const firstDay = '2027-03-01';
let weeksUsed = 0;
let server;
let operator;
let reviewer;

function addDays(date, count) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000).toISOString().slice(0, 10);
}

function localTime(date, time) {
  return `${date}T${time}+08:00`;
}

async function freshToday() {
  weeksUsed += 1;
  const today = addDays(firstDay, weeksUsed * 8);
  await setClock(server.url, localTime(today, '10:30:00'));
  return today;
}

async function staffClient(role) {
  const username = `coresident${role.replace(/_/g, '')}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

async function submittedTraveller(profile = adultProfile) {
  const client = new Client(server.url, 'en');
  const idNumber = uniqueHomeReturnPermit();
  const registered = await client.register({ id_number: idNumber });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: profile });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  return { client, accountId: registered.json.account_id, idNumber };
}

async function decide(accountId, decision, extra = {}) {
  const response = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision, ...extra } });
  assert.equal(response.status, 200, `${decision} ${accountId}: ${response.text}`);
  return response;
}

async function approvedTraveller(profile = adultProfile) {
  const traveller = await submittedTraveller(profile);
  await decide(traveller.accountId, 'approve');
  return traveller;
}

// A co-resident body; the birth date makes a child of 7 on the test dates.
function coResident(fields = {}) {
  return {
    name: '陳小明',
    relation: 'child',
    id_type: 'home_return_permit',
    id_number: uniqueHomeReturnPermit(),
    birth_date: '2020-01-15',
    gender: 'male',
    care_reason: '',
    care_note: '',
    ...fields,
  };
}

async function addCoResident(client, fields = {}) {
  const body = coResident(fields);
  const response = await client.request('POST', '/api/v1/me/co-residents', { json: body });
  assert.equal(response.status, 201, `add co-resident: ${response.text}`);
  return { ...response.json, sent: body };
}

// The error response without its "errors" list, which lists every failing
// field, so that assertApiError checks the first error's shape.
function withoutList(response) {
  assert.ok(Array.isArray(response.json?.errors), `"errors" lists every error: ${response.text.slice(0, 200)}`);
  return { ...response, json: { error: response.json.error } };
}

async function listCoResidents(client) {
  const response = await client.request('GET', '/api/v1/me/co-residents');
  assert.equal(response.status, 200, response.text);
  return response.json;
}

async function setQuota(date, quota) {
  const response = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota } });
  assert.equal(response.status, 200, `quota ${date}: ${response.text}`);
}

async function book(client, date) {
  const captcha = await client.captcha();
  return client.request('POST', '/api/v1/bookings', { json: { date, captcha_id: captcha, captcha_answer: '0000' } });
}

// A form post with the CSRF token of the client's last page.
async function postForm(client, path, form) {
  const page = await client.request('GET', '/me/co-residents');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(csrf, 'the page carries a CSRF token');
  return client.request('POST', path, { form: { csrf, ...form } });
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

test('co-residents add, list and remove', async () => {
  await freshToday();
  const { client } = await submittedTraveller();
  assert.deepEqual(await listCoResidents(client), []);

  const added = await addCoResident(client, { id_number: ' h 1234 5601 ', name: '  陳  小明 ' });
  assert.equal(added.status, 'pending');
  assert.equal(added.name, '陳 小明', 'the name is normalised');
  assert.equal(added.relation, 'child');
  assert.equal(added.id_number_masked, 'H123****1');
  assert.equal(added.id_number, undefined, 'the full number is not sent back');
  const stored = queryDatabase(server.dbPath, `SELECT id_number FROM co_residents WHERE id = ${added.id}`);
  assert.equal(stored[0].id_number, 'H12345601', 'the number is stored normalised');

  const second = await addCoResident(client, { relation: 'spouse', birth_date: '1991-06-01', gender: 'female',
    care_reason: 'pregnant' });
  const list = await listCoResidents(client);
  assert.deepEqual(list.map((item) => item.id), [added.id, second.id], 'oldest first');
  assert.equal(list[1].care_reason, 'pregnant');

  const removed = await client.request('DELETE', `/api/v1/me/co-residents/${added.id}`);
  assert.equal(removed.status, 204, removed.text);
  assert.deepEqual((await listCoResidents(client)).map((item) => item.id), [second.id]);

  assertApiError(await client.request('DELETE', `/api/v1/me/co-residents/${added.id}`),
    { status: 404, code: 'co_resident.not_found' }, 'removed twice');
  assertApiError(await client.request('DELETE', '/api/v1/me/co-residents/abc'),
    { status: 404, code: 'co_resident.not_found' }, 'not an id');

  // Another traveller cannot remove it.
  const other = await submittedTraveller();
  assertApiError(await other.client.request('DELETE', `/api/v1/me/co-residents/${second.id}`),
    { status: 404, code: 'co_resident.not_found' }, 'someone else\'s');

  const anonymous = new Client(server.url, 'en');
  assertApiError(await anonymous.request('GET', '/api/v1/me/co-residents'), { status: 401, code: 'auth.required' });
});

test('co-resident fields are validated', async () => {
  await freshToday();
  const { client } = await submittedTraveller();
  const cases = [
    [{ name: '' }, 'co_resident.name_missing', 'name'],
    [{ name: 'Tom 2' }, 'co_resident.name_invalid', 'name'],
    [{ name: 'a'.repeat(51) }, 'co_resident.name_too_long', 'name'],
    [{ relation: '' }, 'co_resident.relation_missing', 'relation'],
    [{ relation: 'sibling' }, 'co_resident.relation_invalid', 'relation'],
    [{ id_type: '' }, 'co_resident.id_type_missing', 'id_type'],
    [{ id_type: 'driving_licence' }, 'co_resident.id_type_invalid', 'id_type'],
    [{ id_number: '' }, 'co_resident.id_number_missing', 'id_number'],
    [{ id_number: 'H123' }, 'co_resident.id_number_invalid', 'id_number'],
    [{ id_type: 'resident_id', id_number: '110101202001150031' === residentId('11010120200115003')
      ? '110101202001150032' : '110101202001150031' }, 'co_resident.id_number_checksum', 'id_number'],
    [{ birth_date: '' }, 'co_resident.birth_date_missing', 'birth_date'],
    [{ birth_date: '2020-02-30' }, 'co_resident.birth_date_invalid', 'birth_date'],
    [{ birth_date: '2099-01-01' }, 'co_resident.birth_date_in_future', 'birth_date'],
    [{ birth_date: '1899-12-31' }, 'co_resident.birth_date_too_early', 'birth_date'],
    [{ gender: '' }, 'co_resident.gender_missing', 'gender'],
    [{ gender: 'other' }, 'co_resident.gender_invalid', 'gender'],
    [{ id_type: 'resident_id', id_number: residentId('11010120200115003'), birth_date: '2020-01-16' },
      'co_resident.birth_date_mismatch', 'birth_date'],
    [{ id_type: 'resident_id', id_number: residentId('11010120200115003'), gender: 'female' },
      'co_resident.gender_mismatch', 'gender'],
    [{ care_reason: 'elderly' }, 'co_resident.care_reason_invalid', 'care_reason'],
    [{ care_reason: 'other' }, 'co_resident.care_note_required', 'care_note'],
    [{ care_reason: 'other', care_note: 'x'.repeat(201) }, 'co_resident.care_note_too_long', 'care_note'],
    [{ care_reason: 'other', care_note: 'bad\u0007bell' }, 'co_resident.care_note_invalid', 'care_note'],
  ];
  for (const [fields, code, field] of cases) {
    const response = await client.request('POST', '/api/v1/me/co-residents', { json: coResident(fields) });
    assertApiError(withoutList(response), { status: 422, code, field }, JSON.stringify(fields).slice(0, 80));
    assert.ok(response.json.errors.some((error) => error.code === code), `errors lists ${code}`);
  }

  const missingMember = coResident();
  delete missingMember.relation;
  assertApiError(withoutList(await client.request('POST', '/api/v1/me/co-residents', { json: missingMember })),
    { status: 422, code: 'co_resident.relation_missing', field: 'relation' }, 'a member left out');
  assertApiError(await client.request('POST', '/api/v1/me/co-residents', { json: { ...coResident(), gender: 1 } }),
    { status: 400, code: 'request.wrong_type', field: 'gender' }, 'a member of the wrong type');
  assertApiError(await client.request('POST', '/api/v1/me/co-residents', { json: { ...coResident(), age: 7 } }),
    { status: 400, code: 'request.unknown_field', field: 'age' }, 'an unknown member');

  const valid = await addCoResident(client, { id_type: 'resident_id', id_number: residentId('11010120200115003'),
    care_reason: 'other', care_note: 'needs a carer at night' });
  assert.equal(valid.status, 'pending');
  assert.equal((await listCoResidents(client)).length, 1, 'no invalid co-resident was stored');
});

test('co-residents are limited to 3, distinct and not the applicant', async () => {
  await freshToday();
  const traveller = await submittedTraveller();
  const { client } = traveller;

  const first = await addCoResident(client);
  assertApiError(withoutList(await client.request('POST', '/api/v1/me/co-residents',
    { json: coResident({ id_number: first.sent.id_number }) })),
  { status: 409, code: 'co_resident.duplicate', field: 'id_number' }, 'same ID document twice');
  assertApiError(withoutList(await client.request('POST', '/api/v1/me/co-residents',
    { json: coResident({ id_number: traveller.idNumber.toLowerCase() }) })),
  { status: 409, code: 'co_resident.same_as_applicant', field: 'id_number' }, 'the applicant');

  await addCoResident(client);
  await addCoResident(client);
  assertApiError(withoutList(await client.request('POST', '/api/v1/me/co-residents', { json: coResident() })),
    { status: 409, code: 'co_resident.limit_reached' }, 'a 4th co-resident');
  assert.equal((await listCoResidents(client)).length, 3);

  // Adding needs submitted personal information.
  const fresh = new Client(server.url, 'en');
  assert.equal((await fresh.register({ id_number: uniqueHomeReturnPermit() })).status, 201);
  assertApiError(withoutList(await fresh.request('POST', '/api/v1/me/co-residents', { json: coResident() })),
    { status: 409, code: 'co_resident.profile_not_submitted' }, 'no profile');
});

test('review decision covers pending co-residents with the profile', async () => {
  await freshToday();
  const traveller = await submittedTraveller();
  const child = await addCoResident(traveller.client);

  const queue = await reviewer.request('GET', '/api/v1/staff/reviews?limit=200');
  const entry = queue.json.find((item) => item.account_id === traveller.accountId);
  assert.ok(entry, 'the account is in the queue');
  assert.equal(entry.co_residents.length, 1);
  assert.equal(entry.co_residents[0].status, 'pending');
  assert.equal(entry.co_residents[0].checks.id_number_format_valid, true);

  await decide(traveller.accountId, 'approve');
  assert.equal((await listCoResidents(traveller.client))[0].status, 'approved');
  const me = await traveller.client.request('GET', '/api/v1/me');
  assert.equal(me.json.review_status, 'approved');

  // A co-resident added after approval puts the account back in the queue
  // on its own, and a rejection leaves the approved profile as it was.
  const spouse = await addCoResident(traveller.client, { relation: 'spouse', birth_date: '1991-06-01' });
  const again = await reviewer.request('GET', '/api/v1/staff/reviews?limit=200');
  const waiting = again.json.find((item) => item.account_id === traveller.accountId);
  assert.ok(waiting, 'pending co-resident alone puts the account in the queue');
  assert.equal(waiting.status, 'approved');
  assert.equal(waiting.pending, true);
  const rejected = await decide(traveller.accountId, 'reject', { reason: 'document_mismatch', note: 'blurred' });
  assert.equal(rejected.json.status, 'approved', 'the profile stays approved');
  const list = await listCoResidents(traveller.client);
  assert.deepEqual(list.map((item) => [item.id, item.status]), [[child.id, 'approved'], [spouse.id, 'rejected']]);
  assert.equal(list[1].reject_reason, 'document_mismatch');
  assert.equal(list[1].reject_note, 'blurred');

  const nothing = await reviewer.request('POST', `/api/v1/staff/reviews/${traveller.accountId}`,
    { json: { decision: 'approve' } });
  assertApiError(nothing, { status: 409, code: 'review.not_pending' }, 'nothing left to decide');

  const audit = queryDatabase(server.dbPath,
    `SELECT after_json FROM audit_log WHERE target_id = '${traveller.accountId}' ORDER BY id DESC LIMIT 1`);
  const after = JSON.parse(audit[0].after_json);
  assert.equal(after.co_residents[0].status, 'rejected');
  assert.ok(!audit[0].after_json.includes(spouse.sent.id_number), 'the audit log holds only masked numbers');
});

test('booking snapshots two approved co-residents', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const traveller = await submittedTraveller();
  const spouse = await addCoResident(traveller.client, { relation: 'spouse', birth_date: '1991-06-01',
    gender: 'female', name: '李美玲' });
  const child = await addCoResident(traveller.client, { birth_date: '2021-09-09' });
  await decide(traveller.accountId, 'approve');
  // A co-resident still pending stays out of the booking.
  await addCoResident(traveller.client, { relation: 'parent', birth_date: '1950-01-01', name: '陳老伯' });

  const booked = await book(traveller.client, today);
  assert.equal(booked.status, 201, booked.text);
  const rows = queryDatabase(server.dbPath,
    `SELECT b.group_size, m.position, m.name, m.relation, m.id_type, m.id_number, m.birth_date, m.gender
     FROM bookings b JOIN booking_members m ON m.booking_id = b.id
     WHERE b.booking_number = '${booked.json.booking_number}' ORDER BY m.position`);
  assert.equal(rows.length, 3, 'the applicant and two co-residents');
  assert.ok(rows.every((row) => row.group_size === 3), 'group_size 3');
  assert.deepEqual(rows.map((row) => [row.position, row.relation, row.id_number]), [
    [0, '', traveller.idNumber],
    [1, 'spouse', spouse.sent.id_number],
    [2, 'child', child.sent.id_number],
  ]);
  assert.equal(rows[0].birth_date, adultProfile.birth_date);
  assert.equal(rows[1].name, '李美玲');
  assert.equal(rows[2].birth_date, '2021-09-09');
});

test('group without anyone in need of care is rejected', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const traveller = await submittedTraveller();
  await addCoResident(traveller.client, { relation: 'spouse', birth_date: '1991-06-01', gender: 'female' });
  await decide(traveller.accountId, 'approve');
  assertApiError(await book(traveller.client, today), { status: 409, code: 'booking.group_no_care_need' });
  assert.equal(queryDatabase(server.dbPath,
    `SELECT count(*) AS n FROM bookings WHERE account_id = ${traveller.accountId}`)[0].n, 0);

  // A child who turns 14 on the booking date no longer counts.
  const later = await submittedTraveller();
  await addCoResident(later.client, { birth_date: `${Number(today.slice(0, 4)) - 14}${today.slice(4)}` });
  await decide(later.accountId, 'approve');
  assertApiError(await book(later.client, today), { status: 409, code: 'booking.group_no_care_need' },
    '14 on the booking date');
  const dayBefore = addDays(`${Number(today.slice(0, 4)) - 14}${today.slice(4)}`, 1);
  const younger = await submittedTraveller();
  await addCoResident(younger.client, { birth_date: dayBefore });
  await decide(younger.accountId, 'approve');
  assert.equal((await book(younger.client, today)).status, 201, 'still 13 on the booking date');
});

test('group of 3 adults is rejected', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const traveller = await submittedTraveller();
  await addCoResident(traveller.client, { relation: 'spouse', birth_date: '1991-06-01', gender: 'female' });
  await addCoResident(traveller.client, { relation: 'parent', birth_date: '1950-01-01' });
  await decide(traveller.accountId, 'approve');
  const refused = await book(traveller.client, today);
  assertApiError(refused, { status: 409, code: 'booking.group_too_many_adults' });
  assert.match(refused.json.error.message, /2/);
});

test('co-resident already in another active booking is rejected', async () => {
  const today = await freshToday();
  await setQuota(today, 5);
  const sharedChild = uniqueHomeReturnPermit();

  const first = await submittedTraveller();
  await addCoResident(first.client, { id_number: sharedChild });
  await decide(first.accountId, 'approve');
  assert.equal((await book(first.client, today)).status, 201);

  const second = await submittedTraveller();
  await addCoResident(second.client, { id_number: sharedChild, relation: 'grandchild_via_son' });
  await decide(second.accountId, 'approve');
  assertApiError(await book(second.client, today), { status: 409, code: 'booking.identity_already_booked' },
    'co-resident of another booking');

  // The first applicant as someone else's co-resident is rejected as well.
  const third = await submittedTraveller();
  await addCoResident(third.client, { id_number: first.idNumber, relation: 'spouse', birth_date: '1990-03-07' });
  await addCoResident(third.client, { birth_date: '2022-01-01' });
  await decide(third.accountId, 'approve');
  assertApiError(await book(third.client, today), { status: 409, code: 'booking.identity_already_booked' },
    'applicant of another booking');

  // The second traveller booked as someone's co-resident cannot book alone either.
  const bookedChild = new Client(server.url, 'en');
  assert.equal((await bookedChild.register({ id_number: sharedChild })).status, 201);
  await bookedChild.request('PUT', '/api/v1/me/profile', { json: { ...adultProfile, birth_date: '2020-01-15' } });
  await bookedChild.request('POST', '/api/v1/me/profile/submit', { json: {} });
  const childAccount = (await bookedChild.request('GET', '/api/v1/me')).json.account_id;
  await decide(childAccount, 'approve');
  assertApiError(await book(bookedChild, today), { status: 409, code: 'booking.identity_already_booked' },
    'applicant who is a co-resident elsewhere');
});

test('co-residents are locked while a booking is active', async () => {
  const today = await freshToday();
  const date = addDays(today, 3);
  await setQuota(date, 5);
  const traveller = await submittedTraveller();
  const child = await addCoResident(traveller.client);
  await decide(traveller.accountId, 'approve');
  const booked = await book(traveller.client, date);
  assert.equal(booked.status, 201, booked.text);

  assertApiError(withoutList(await traveller.client.request('POST', '/api/v1/me/co-residents',
    { json: coResident() })), { status: 409, code: 'co_resident.locked_by_booking' }, 'add');
  assertApiError(await traveller.client.request('DELETE', `/api/v1/me/co-residents/${child.id}`),
    { status: 409, code: 'co_resident.locked_by_booking' }, 'remove');

  const page = await traveller.client.request('GET', '/me/co-residents');
  assert.match(page.text, /id="co-residents-locked"/);
  assert.doesNotMatch(page.text, /id="co-resident-form"/, 'no add form while locked');

  const cancelled = await traveller.client.request('DELETE', `/api/v1/bookings/${booked.json.booking_number}`);
  assert.equal(cancelled.status, 200, cancelled.text);
  const removed = await traveller.client.request('DELETE', `/api/v1/me/co-residents/${child.id}`);
  assert.equal(removed.status, 204, 'unlocked after cancelling');
});

test('co-resident pages add, confirm and remove', async () => {
  await freshToday();
  const { client } = await submittedTraveller();
  const me = await client.request('GET', '/me');
  assert.match(me.text, /<li><a href="\/me\/co-residents" id="co-residents-link">/);

  const empty = await client.request('GET', '/me/co-residents');
  assert.equal(empty.status, 200);
  assert.match(empty.text, /id="co-residents-empty"/);

  const invalid = await postForm(client, '/me/co-residents', { ...coResident({ relation: 'cousin', name: '' }) });
  assert.equal(invalid.status, 422);
  assert.match(invalid.text, /id="form-error"/);
  assert.match(invalid.text, /Enter the co-resident&apos;s name\./);

  const added = await postForm(client, '/me/co-residents', coResident({ care_reason: 'underlying_disease' }));
  assert.equal(added.status, 303, added.text.slice(0, 200));
  const list = await client.request('GET', '/me/co-residents?added=1');
  assert.match(list.text, /id="notice"/);
  assert.match(list.text, /data-status="pending"/);
  const [person] = await listCoResidents(client);

  const confirm = await client.request('GET', `/me/co-residents/${person.id}/remove`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /id="remove-form"/);
  assert.equal((await listCoResidents(client)).length, 1, 'the confirmation page removes nothing');

  const noCsrf = await client.request('POST', `/me/co-residents/${person.id}/remove`, { form: {} });
  assert.equal(noCsrf.status, 403, 'a form post without the CSRF token');
  const removed = await postForm(client, `/me/co-residents/${person.id}/remove`, {});
  assert.equal(removed.status, 303);
  assert.deepEqual(await listCoResidents(client), []);

  const anonymous = new Client(server.url, 'en');
  assert.equal((await anonymous.request('GET', '/me/co-residents')).status, 303, 'login first');
});
