// The operators' back-office pages /admin/stations and /admin/quotas.
// The tests cover who may open them, adding and editing stations, setting
// the quota of a date range from the form and the grid of dates by station.
// They also check that a range with one date below its bookings changes
// nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, setClock, catalog } from '../support/server.mjs';
import {
  roles, addStaff, loginStaff, staffClient, submittedTraveller, postForm, auditEntries, elementText, unescapeHtml,
} from './admin_helpers.mjs';

const settings = {
  // The minimum Argon2id cost: the tests need working hashes, not slow ones.
  password_memory_kib: 1024,
  password_passes: 1,
  // The test clock is set to a fixed day, so a year-long session keeps the
  // staff signed in whatever the real date is.
  session_lifetime_minutes: 365 * 24 * 60,
  staff_session_lifetime_minutes: 365 * 24 * 60,
};

// The server's "today" for every test, at 10:00 in its default zone
// Asia/Shanghai (UTC+8), when booking is open.
const today = '2027-06-07';

let server;
let admin;
let operator;

before(async () => {
  server = await startServer(settings);
  await setClock(server.url, `${today}T10:00:00+08:00`);
  admin = await staffClient(server, 'admin');
  operator = await staffClient(server, 'operator');
});
after(async () => { await server.stop(); });

// `date` (YYYY-MM-DD) plus `count` days.
function addDays(date, count) {
  const moved = new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000);
  return moved.toISOString().slice(0, 10);
}

// A catalog text with its {name} placeholders filled from `values`.
function fill(text, values = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function uiText(language, key, values) {
  const text = catalog(language).ui[key];
  assert.ok(text !== undefined, `no ui key ${key} in ${language}`);
  return fill(text, values);
}

function errorMessage(language, code, values) {
  const text = catalog(language).errors[code];
  assert.ok(text !== undefined, `no error code ${code} in ${language}`);
  return fill(text, values);
}

// The page's error box as plain text, or null when the page shows none.
function pageError(html) {
  const text = elementText(html, 'form-error');
  return text === null ? null : unescapeHtml(text);
}

function pageNotice(html) {
  const text = elementText(html, 'notice');
  return text === null ? null : unescapeHtml(text);
}

function pageTitle(html) {
  const match = /<h1>([^<]*)<\/h1>/.exec(html);
  return match ? unescapeHtml(match[1]) : null;
}

// The value attribute of the <input> with `id`, or null when there is no such input.
function inputValue(html, id) {
  const tag = new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`).exec(html);
  if (!tag) return null;
  const value = /\bvalue="([^"]*)"/.exec(tag[0]);
  return value ? unescapeHtml(value[1]) : '';
}

function isChecked(html, id) {
  const tag = new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`).exec(html);
  assert.ok(tag, `no input #${id}`);
  return /\schecked\b/.test(tag[0]);
}

// The value of the selected <option> of the <select> with `id`, or '' when none is marked.
function selectedOption(html, id) {
  const select = new RegExp(`<select[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  assert.ok(select, `no select #${id}`);
  const option = /<option value="([^"]*)" selected>/.exec(select[1]);
  return option ? option[1] : '';
}

// The grid cell of `date` and station `stationId` ('total' for the totals
// row) as { quota, booked, remaining, full }, with null numbers when unset.
// Returns null when the grid has no such cell.
function gridCell(html, date, stationId) {
  const station = stationId === 'total' ? '' : ` data-station="${stationId}"`;
  const pattern = stationId === 'total'
    ? new RegExp(`<td class="quota-cell total([^"]*)" data-date="${date}"([^>]*)>`)
    : new RegExp(`<td class="quota-cell([^"]*)" data-date="${date}"${station}([^>]*)>`);
  const match = pattern.exec(html);
  if (!match) return null;
  const number = (name) => {
    const found = new RegExp(`data-${name}="(-?\\d+)"`).exec(match[2]);
    return found ? Number(found[1]) : null;
  };
  return {
    quota: number('quota'),
    booked: number('booked'),
    remaining: number('remaining'),
    full: /\bfull\b/.test(match[1]),
  };
}

// The dates of the grid's column headers, in page order.
function gridDates(html) {
  return [...html.matchAll(/<th scope="col" data-date="(\d{4}-\d{2}-\d{2})"/g)].map((match) => match[1]);
}

async function stations(client = operator) {
  const response = await client.request('GET', '/api/v1/staff/stations');
  assert.equal(response.status, 200, `stations: ${response.text}`);
  return response.json;
}

async function quotas(from, to) {
  const response = await operator.request('GET', `/api/v1/staff/quotas?from=${from}&to=${to}`);
  assert.equal(response.status, 200, `quotas: ${response.text}`);
  return response.json;
}

async function auditCount() {
  return (await auditEntries(admin)).length;
}

async function addStationThroughPage(fields) {
  const response = await postForm(operator, '/admin/stations', { active: '1', ...fields });
  assert.equal(response.status, 303, `add station ${fields.name}: ${response.text.slice(0, 300)}`);
  const list = await stations();
  return list.find((station) => station.name === fields.name).id;
}

// A client signed in as `credentials` whose pages are in `language`.
async function clientIn(language, credentials) {
  const client = await loginStaff(server, credentials);
  client.cookies.set('lang', language);
  return client;
}

// ---------------------------------------------------------------------------
// Access

test('pages reject roles without quota rights', async () => {
  const before = await stations();
  const otherRoles = roles.filter((role) => role !== 'admin' && role !== 'operator');
  assert.deepEqual(otherRoles, ['reviewer', 'port_officer', 'station_staff']);
  for (const role of otherRoles) {
    const client = await staffClient(server, role);
    for (const path of ['/admin/stations', '/admin/quotas', `/admin/quotas?from=${today}&weeks=1`]) {
      const response = await client.request('GET', path);
      assert.equal(response.status, 403, `${role} GET ${path}`);
      assert.equal(pageError(response.text), null, `${role} GET ${path} shows no form`);
      assert.ok(!response.text.includes('quota-grid'), `${role} GET ${path} shows no grid`);
    }
    const posts = [
      ['/admin/stations', { name: `by ${role}`, rooms: '1' }],
      [`/admin/stations/${before[0].id}`, { name: `renamed by ${role}`, rooms: '1', active: '1' }],
      ['/admin/quotas', { from: today, to: today, station_id: String(before[0].id), quota: '3' }],
    ];
    for (const [path, fields] of posts) {
      const response = await postForm(client, path, fields);
      assert.equal(response.status, 403, `${role} POST ${path}`);
    }
  }
  assert.deepEqual(await stations(), before, 'no station changed');
  assert.deepEqual(await quotas(today, today), [], 'no quota was set');
});

test('pages send visitors without session to login', async () => {
  const visitor = new Client(server.url, 'en');
  for (const path of ['/admin/stations', '/admin/quotas', `/admin/quotas?from=${today}`]) {
    const response = await visitor.request('GET', path);
    assert.equal(response.status, 303, `GET ${path}`);
    assert.equal(response.headers.get('location'), '/admin/login', `GET ${path}`);
  }
  for (const path of ['/admin/stations', '/admin/stations/1', '/admin/quotas']) {
    const response = await postForm(visitor, path, { name: 'x', from: today, quota: '1' });
    assert.equal(response.status, 303, `POST ${path}`);
    assert.equal(response.headers.get('location'), '/admin/login', `POST ${path}`);
  }
  assert.deepEqual(await quotas(today, today), []);
});

test('traveller session does not open pages', async () => {
  const { client } = await submittedTraveller(server);
  for (const path of ['/admin/stations', '/admin/quotas']) {
    const response = await client.request('GET', path);
    assert.equal(response.status, 303, `GET ${path}`);
    assert.equal(response.headers.get('location'), '/admin/login', `GET ${path}`);
  }
});

test('operator and admin open both pages', async () => {
  for (const client of [operator, admin]) {
    for (const [path, titleKey, menuId] of [
      ['/admin/stations', 'admin_stations_title', 'menu-stations'],
      ['/admin/quotas', 'admin_quotas_title', 'menu-quotas'],
    ]) {
      const response = await client.request('GET', path);
      assert.equal(response.status, 200, `${client.username} GET ${path}: ${response.text.slice(0, 200)}`);
      assert.equal(pageTitle(response.text), uiText('en', titleKey));
      assert.match(response.text, new RegExp(`<a id="${menuId}" href="${path}" aria-current="page">`));
      assert.match(response.text, /<a id="menu-quotas" href="\/admin\/quotas"/);
      assert.match(response.text, /<a id="menu-stations" href="\/admin\/stations"/);
    }
  }
});

test('menu offers quota pages only to managers', async () => {
  const reviewer = await staffClient(server, 'reviewer');
  const reviews = await reviewer.request('GET', '/admin/reviews');
  assert.equal(reviews.status, 200);
  assert.ok(!reviews.text.includes('menu-quotas'), 'no quota entry for a reviewer');
  assert.ok(!reviews.text.includes('menu-stations'), 'no station entry for a reviewer');

  const home = await operator.request('GET', '/admin');
  assert.equal(home.status, 200);
  assert.match(home.text, /<a id="menu-quotas" href="\/admin\/quotas">/);
  assert.match(home.text, /<a id="menu-stations" href="\/admin\/stations">/);
});

test('pages follow the language cookie', async () => {
  const credentials = addStaff(server, 'operator');
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const client = await clientIn(language, credentials);
    const stationPage = await client.request('GET', '/admin/stations');
    assert.match(stationPage.text, new RegExp(`<html lang="${language}">`));
    assert.equal(pageTitle(stationPage.text), uiText(language, 'admin_stations_title'));
    const quotaPage = await client.request('GET', '/admin/quotas');
    assert.equal(pageTitle(quotaPage.text), uiText(language, 'admin_quotas_title'));
    assert.ok(quotaPage.text.includes(uiText(language, 'admin_quotas_set_button')), `${language} form button`);

    const rejected = await postForm(client, '/admin/stations', { name: '', rooms: '1' });
    assert.equal(rejected.status, 422);
    assert.equal(pageError(rejected.text), errorMessage(language, 'station.name_missing'), language);
  }
});

// ---------------------------------------------------------------------------
// Stations

test('station add and edit are audited', async () => {
  const name = '福田口岸健康驛站';
  const added = await postForm(operator, '/admin/stations',
    { name, address: '深圳市福田區福強路 1 號', district: '福田區', rooms: '120', active: '1' });
  assert.equal(added.status, 303, added.text.slice(0, 300));
  assert.match(added.headers.get('location'), /^\/admin\/stations\?notice=added#station-\d+$/);

  const page = await operator.request('GET', added.headers.get('location'));
  assert.equal(pageNotice(page.text), uiText('en', 'admin_stations_notice_added'));
  const station = (await stations()).find((entry) => entry.name === name);
  assert.deepEqual(station, {
    id: station.id, name, address: '深圳市福田區福強路 1 號', district: '福田區', rooms: 120, active: true,
  });
  assert.ok(page.text.includes(`<tr id="station-${station.id}">`), 'the list shows the new station');
  assert.equal(inputValue(page.text, `name-${station.id}`), name);
  assert.equal(inputValue(page.text, `rooms-${station.id}`), '120');

  const edited = await postForm(operator, `/admin/stations/${station.id}`,
    { name: `${name} B`, address: '福強路 2 號', district: '福田', rooms: '80' });
  assert.equal(edited.status, 303, edited.text.slice(0, 300));
  assert.equal(edited.headers.get('location'), `/admin/stations?notice=updated#station-${station.id}`);
  const afterEdit = await operator.request('GET', edited.headers.get('location'));
  assert.equal(pageNotice(afterEdit.text), uiText('en', 'admin_stations_notice_updated'));
  assert.ok(afterEdit.text.includes(`<tr id="station-${station.id}" class="inactive">`), 'shown as inactive');
  assert.equal(isChecked(afterEdit.text, `active-${station.id}`), false);
  assert.deepEqual((await stations()).find((entry) => entry.id === station.id), {
    id: station.id, name: `${name} B`, address: '福強路 2 號', district: '福田', rooms: 80, active: false,
  });

  const [addEntry] = await auditEntries(admin, { action: 'station.add', target_id: String(station.id) });
  assert.ok(addEntry, 'station.add audited');
  assert.equal(addEntry.staff_username, operator.username);
  assert.equal(addEntry.target_type, 'station');
  assert.equal(addEntry.before, null);
  assert.deepEqual(addEntry.after,
    { name, address: '深圳市福田區福強路 1 號', district: '福田區', rooms: 120, active: true });

  const [updateEntry] = await auditEntries(admin, { action: 'station.update', target_id: String(station.id) });
  assert.ok(updateEntry, 'station.update audited');
  assert.equal(updateEntry.staff_username, operator.username);
  assert.deepEqual(updateEntry.before, addEntry.after);
  assert.deepEqual(updateEntry.after,
    { name: `${name} B`, address: '福強路 2 號', district: '福田', rooms: 80, active: false });
});

test('station add rejects bad input', async () => {
  const client = await clientIn('zh-Hant', addStaff(server, 'operator'));
  const longName = 'a'.repeat(300);
  const cases = [
    [{ name: '', rooms: '5', active: '1' }, 422, 'station.name_missing'],
    [{ name: '   ', rooms: '5', active: '1' }, 422, 'station.name_missing'],
    [{ name: '負數房間', rooms: '-1', active: '1' }, 422, 'station.rooms_invalid'],
    [{ name: '太多房間', rooms: '100001', active: '1' }, 422, 'station.rooms_invalid'],
    [{ name: '文字房間', rooms: 'ten', active: '1' }, 422, 'station.rooms_invalid'],
    [{ name: '小數房間', rooms: '1.5', active: '1' }, 422, 'station.rooms_invalid'],
    [{ name: longName, rooms: '5', active: '1' }, 422, 'station.text_invalid'],
    [{ name: '長地址', address: '路'.repeat(100), rooms: '5' }, 422, 'station.text_invalid'],
    [{ name: '長地區', district: 'd'.repeat(201), rooms: '5' }, 422, 'station.text_invalid'],
  ];
  const before = await stations();
  const auditBefore = await auditCount();
  for (const [fields, status, code] of cases) {
    const response = await postForm(client, '/admin/stations', fields);
    const label = `${code} for ${JSON.stringify(fields).slice(0, 80)}`;
    assert.equal(response.status, status, label);
    assert.equal(pageError(response.text), errorMessage('zh-Hant', code), label);
    assert.equal(inputValue(response.text, 'new-name'), fields.name.trim(), `typed name kept: ${label}`);
    assert.equal(inputValue(response.text, 'new-rooms'), fields.rooms, `typed rooms kept: ${label}`);
    assert.equal(inputValue(response.text, 'new-address'), fields.address ?? '', `typed address kept: ${label}`);
    assert.equal(isChecked(response.text, 'new-active'), fields.active === '1', `active box kept: ${label}`);
  }
  assert.deepEqual(await stations(), before, 'no station added');
  assert.equal(await auditCount(), auditBefore, 'no audit entry');
});

test('station add rejects a bad active value', async () => {
  const before = await stations();
  const response = await postForm(operator, '/admin/stations', { name: 'active yes', rooms: '1', active: 'yes' });
  assert.equal(response.status, 400);
  assert.ok(response.text.includes(errorMessage('en', 'request.malformed_form')), 'malformed form message');
  assert.deepEqual(await stations(), before);
});

test('station edit rejects bad input', async () => {
  const id = await addStationThroughPage(
    { name: '羅湖驛站', address: '羅湖', district: '羅湖區', rooms: '30' });
  const before = await stations();
  const auditBefore = await auditCount();
  const cases = [
    [{ name: '', rooms: '30', active: '1' }, 'station.name_missing'],
    [{ name: '羅湖驛站', rooms: '-5', active: '1' }, 'station.rooms_invalid'],
    [{ name: 'x'.repeat(300), rooms: '30', active: '1' }, 'station.text_invalid'],
  ];
  for (const [fields, code] of cases) {
    const response = await postForm(operator, `/admin/stations/${id}`, fields);
    assert.equal(response.status, 422, code);
    assert.equal(pageError(response.text), errorMessage('en', code), code);
    assert.match(response.text, new RegExp(`<tr id="station-${id}">[\\s\\S]*?<details class="station-edit" open>`),
      `the failed edit form is open: ${code}`);
    assert.equal(inputValue(response.text, `name-${id}`), fields.name, `typed name kept: ${code}`);
    assert.equal(inputValue(response.text, `rooms-${id}`), fields.rooms, `typed rooms kept: ${code}`);
    assert.ok(response.text.includes('<td class="station-rooms number">30</td>'),
      `the list shows the stored rooms: ${code}`);
  }
  for (const path of ['/admin/stations/999999', '/admin/stations/abc', '/admin/stations/0', '/admin/stations/-1']) {
    const response = await postForm(operator, path, { name: 'ghost', rooms: '1', active: '1' });
    assert.equal(response.status, 404, path);
    assert.equal(pageError(response.text), errorMessage('en', 'station.not_found'), path);
  }
  assert.deepEqual(await stations(), before, 'no station changed');
  assert.equal(await auditCount(), auditBefore, 'no audit entry');
});

test('station text is escaped on both pages', async () => {
  const name = '<script>alert(1)</script> & "q"';
  const id = await addStationThroughPage({ name, rooms: '1' });
  for (const path of ['/admin/stations', '/admin/quotas']) {
    const page = await operator.request('GET', path);
    assert.ok(!page.text.includes('<script>alert(1)</script>'), `${path} escapes the name`);
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${path} shows the name as text`);
  }
  // Rename the station so later grids read plainly. The form leaves out
  // "active", so the station also becomes inactive.
  const edited = await postForm(operator, `/admin/stations/${id}`, { name: 'escaped station', rooms: '1' });
  assert.equal(edited.status, 303);
});

// ---------------------------------------------------------------------------
// Quotas

test('grid defaults to today and two weeks', async () => {
  const page = await operator.request('GET', '/admin/quotas');
  assert.equal(page.status, 200);
  const dates = gridDates(page.text);
  assert.equal(dates.length, 14);
  assert.equal(dates[0], today);
  assert.equal(dates[13], addDays(today, 13));
  assert.equal(inputValue(page.text, 'view-from'), today);
  assert.equal(inputValue(page.text, 'view-weeks'), '2');
  assert.equal(inputValue(page.text, 'quota-from'), today, 'the form starts at the first date shown');
  assert.match(page.text, new RegExp(`<th scope="col" data-date="${today}" class="today">`));
  assert.ok(page.text.includes(`href="/admin/quotas?from=${addDays(today, 14)}&amp;weeks=2" id="next-period"`));
  assert.ok(page.text.includes(`href="/admin/quotas?from=${addDays(today, -14)}&amp;weeks=2" id="previous-period"`));

  const three = await operator.request('GET', `/admin/quotas?from=${addDays(today, 30)}&weeks=3`);
  assert.equal(three.status, 200);
  const threeDates = gridDates(three.text);
  assert.equal(threeDates.length, 21);
  assert.equal(threeDates[0], addDays(today, 30));
  assert.equal(inputValue(three.text, 'quota-from'), addDays(today, 30));

  const longest = await operator.request('GET', `/admin/quotas?weeks=14`);
  assert.equal(gridDates(longest.text).length, 98, '14 weeks hold the longest range of 92 days');
});

test('grid rejects bad view parameters', async () => {
  for (const weeks of ['0', '15', 'x', '-1', '2.5', '99999999999']) {
    const page = await operator.request('GET', `/admin/quotas?weeks=${weeks}`);
    assert.equal(page.status, 400, `weeks=${weeks}`);
    assert.equal(pageError(page.text), uiText('en', 'admin_quotas_weeks_invalid', { max: 14 }), `weeks=${weeks}`);
    assert.equal(gridDates(page.text).length, 14, `weeks=${weeks} falls back to the default view`);
  }
  for (const from of ['2027-02-30', '2027-6-7', 'today', '2027-06-07T00:00', '9999-12-31', '0000-12-31']) {
    const page = await operator.request('GET', `/admin/quotas?from=${encodeURIComponent(from)}`);
    assert.equal(page.status, 400, `from=${from}`);
    assert.equal(pageError(page.text), errorMessage('en', 'quota.date_invalid'), `from=${from}`);
    assert.equal(gridDates(page.text)[0], today, `from=${from} falls back to today`);
  }
});

test('grid links stay inside four-digit years', async () => {
  const last = await operator.request('GET', '/admin/quotas?from=9999-12-18&weeks=2');
  assert.equal(last.status, 200);
  assert.equal(gridDates(last.text).at(-1), '9999-12-31');
  assert.ok(!last.text.includes('id="next-period"'), 'no link past 9999-12-31');
  assert.ok(last.text.includes('href="/admin/quotas?from=9999-12-04&amp;weeks=2" id="previous-period"'));

  const first = await operator.request('GET', '/admin/quotas?from=0001-01-01&weeks=1');
  assert.equal(first.status, 200);
  assert.ok(!first.text.includes('id="previous-period"'), 'no link before 0001-01-01');
  assert.ok(first.text.includes('href="/admin/quotas?from=0001-01-08&amp;weeks=1" id="next-period"'));
});

test('range set updates grid and audit', async () => {
  const id = await addStationThroughPage({ name: '皇崗驛站', district: '福田區', rooms: '50' });
  const first = addDays(today, 20);
  const last = addDays(today, 24);
  const auditBefore = await auditCount();

  const response = await postForm(operator, '/admin/quotas', {
    from: first, to: last, station_id: String(id), quota: '7', view_from: today, view_weeks: '2',
  });
  assert.equal(response.status, 303, response.text.slice(0, 300));
  assert.equal(response.headers.get('location'), `/admin/quotas?from=${first}&weeks=2&saved=5`);

  const page = await operator.request('GET', response.headers.get('location'));
  assert.equal(page.status, 200);
  assert.equal(pageNotice(page.text), uiText('en', 'admin_quotas_notice_many', { count: 5 }));
  for (let offset = 0; offset < 5; offset += 1) {
    const date = addDays(first, offset);
    assert.deepEqual(gridCell(page.text, date, id), { quota: 7, booked: 0, remaining: 7, full: false }, date);
    const total = gridCell(page.text, date, 'total');
    assert.ok(total.quota >= 7, `totals row of ${date} includes the new quota`);
  }
  assert.deepEqual(gridCell(page.text, addDays(first, 5), id),
    { quota: null, booked: null, remaining: null, full: false }, 'the date after the range is unset');

  const stored = (await quotas(first, last)).filter((day) => day.station_id === id);
  assert.deepEqual(stored.map((day) => [day.date, day.quota]),
    [0, 1, 2, 3, 4].map((offset) => [addDays(first, offset), 7]));

  assert.equal(await auditCount(), auditBefore + 5, 'one audit entry per date');
  for (let offset = 0; offset < 5; offset += 1) {
    const date = addDays(first, offset);
    const [entry] = await auditEntries(admin, { action: 'quota.set', target_id: `${date}/${id}` });
    assert.ok(entry, `quota.set audited for ${date}`);
    assert.equal(entry.staff_username, operator.username);
    assert.equal(entry.target_type, 'day_quota');
    assert.equal(entry.before, null);
    assert.deepEqual(entry.after, { quota: 7 });
  }

  // Setting one date again with an empty "to" records the old value.
  const single = await postForm(operator, '/admin/quotas', { from: first, to: '', station_id: String(id), quota: '9' });
  assert.equal(single.status, 303);
  assert.match(single.headers.get('location'), /&saved=1$/);
  const singlePage = await operator.request('GET', single.headers.get('location'));
  assert.equal(pageNotice(singlePage.text), uiText('en', 'admin_quotas_notice_one'));
  assert.deepEqual(gridCell(singlePage.text, first, id), { quota: 9, booked: 0, remaining: 9, full: false });
  const [latest] = await auditEntries(admin, { action: 'quota.set', target_id: `${first}/${id}` });
  assert.deepEqual(latest.before, { quota: 7 });
  assert.deepEqual(latest.after, { quota: 9 });
});

test('totals row sums all stations', async () => {
  const date = addDays(today, 40);
  const ids = [];
  for (const name of ['沙頭角驛站', '蓮塘驛站']) ids.push(await addStationThroughPage({ name, rooms: '10' }));
  for (const [index, id] of ids.entries()) {
    const response = await postForm(operator, '/admin/quotas',
      { from: date, to: date, station_id: String(id), quota: String(3 + index) });
    assert.equal(response.status, 303);
  }
  const page = await operator.request('GET', `/admin/quotas?from=${date}&weeks=1`);
  const expected = (await quotas(date, date)).reduce((sum, day) => sum + day.quota, 0);
  assert.equal(expected, 7);
  assert.deepEqual(gridCell(page.text, date, 'total'), { quota: 7, booked: 0, remaining: 7, full: false });
});

test('quota form rejects bad input', async () => {
  const client = await clientIn('zh-Hant', addStaff(server, 'operator'));
  const id = String((await stations())[0].id);
  const from = addDays(today, 60);
  const cases = [
    [{ from, to: from, station_id: id, quota: '' }, 422, 'quota.value_invalid'],
    [{ from, to: from, station_id: id, quota: '-1' }, 422, 'quota.value_invalid'],
    [{ from, to: from, station_id: id, quota: '10000' }, 422, 'quota.value_invalid'],
    [{ from, to: from, station_id: id, quota: 'five' }, 422, 'quota.value_invalid'],
    [{ from, to: from, station_id: id, quota: '2.5' }, 422, 'quota.value_invalid'],
    [{ from: '', to: from, station_id: id, quota: '5' }, 422, 'quota.date_invalid'],
    [{ from: '2027-02-30', to: '', station_id: id, quota: '5' }, 422, 'quota.date_invalid'],
    [{ from: '7/6/2027', to: '', station_id: id, quota: '5' }, 422, 'quota.date_invalid'],
    [{ from, to: addDays(from, -1), station_id: id, quota: '5' }, 422, 'quota.range_invalid'],
    [{ from, to: 'soon', station_id: id, quota: '5' }, 422, 'quota.range_invalid'],
    [{ from, to: addDays(from, 92), station_id: id, quota: '5' }, 422, 'quota.range_too_long'],
    [{ from, to: from, station_id: '', quota: '5' }, 422, 'quota.station_required'],
    [{ from, to: from, station_id: '999999', quota: '5' }, 404, 'quota.station_not_found'],
    [{ from, to: from, station_id: 'abc', quota: '5' }, 404, 'quota.station_not_found'],
    [{ from, to: from, station_id: '0', quota: '5' }, 404, 'quota.station_not_found'],
  ];
  const auditBefore = await auditCount();
  for (const [fields, status, code] of cases) {
    const response = await postForm(client, '/admin/quotas', { ...fields, view_from: from, view_weeks: '1' });
    const label = `${code} for ${JSON.stringify(fields)}`;
    assert.equal(response.status, status, label);
    assert.equal(pageError(response.text), errorMessage('zh-Hant', code), label);
    assert.equal(inputValue(response.text, 'quota-from'), fields.from, `typed from kept: ${label}`);
    assert.equal(inputValue(response.text, 'quota-to'), fields.to, `typed to kept: ${label}`);
    assert.equal(inputValue(response.text, 'quota-value'), fields.quota, `typed quota kept: ${label}`);
    if (fields.station_id === id || fields.station_id === '') {
      assert.equal(selectedOption(response.text, 'quota-station'), fields.station_id, `station kept: ${label}`);
    }
    assert.equal(gridDates(response.text)[0], from, `the view of the form is kept: ${label}`);
  }
  assert.deepEqual(await quotas(from, addDays(from, 92)), [], 'no quota was set');
  assert.equal(await auditCount(), auditBefore, 'no audit entry');
});

test('quota form needs csrf token', async () => {
  const id = String((await stations())[0].id);
  const date = addDays(today, 70);
  await operator.request('GET', '/admin/quotas');
  const response = await operator.request('POST', '/admin/quotas',
    { form: { from: date, to: date, station_id: id, quota: '5' } });
  assert.equal(response.status, 403);
  const forged = await operator.request('POST', '/admin/quotas',
    { form: { csrf: 'A'.repeat(32), from: date, to: date, station_id: id, quota: '5' } });
  assert.equal(forged.status, 403);
  assert.deepEqual(await quotas(date, date), []);
});

test('quota below booked changes nothing', async () => {
  // Only the default station offers rooms on the booking date, so the
  // booking lands there.
  const stationId = (await stations())[0].id;
  const date = addDays(today, 2);
  const setOne = await postForm(operator, '/admin/quotas',
    { from: date, to: date, station_id: String(stationId), quota: '1' });
  assert.equal(setOne.status, 303, setOne.text.slice(0, 300));

  const reviewer = await staffClient(server, 'reviewer');
  const { client: traveller, accountId } = await submittedTraveller(server);
  const approved = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(approved.status, 200, approved.text);
  const booking = await traveller.request('POST', '/api/v1/bookings',
    { json: { date, captcha_id: await traveller.captcha(), captcha_answer: '0000' } });
  assert.equal(booking.status, 201, booking.text);

  const full = await operator.request('GET', `/admin/quotas?from=${today}&weeks=1`);
  assert.deepEqual(gridCell(full.text, date, stationId), { quota: 1, booked: 1, remaining: 0, full: true });
  assert.deepEqual(gridCell(full.text, date, 'total').booked, 1);

  const rangeFrom = addDays(today, 1);
  const rangeTo = addDays(today, 3);
  const storedBefore = await quotas(rangeFrom, rangeTo);
  const auditBefore = await auditCount();
  const client = await clientIn('zh-Hant', addStaff(server, 'operator'));
  const refused = await postForm(client, '/admin/quotas', {
    from: rangeFrom, to: rangeTo, station_id: String(stationId), quota: '0', view_from: today, view_weeks: '1',
  });
  assert.equal(refused.status, 409, refused.text.slice(0, 300));
  assert.equal(pageError(refused.text), errorMessage('zh-Hant', 'quota.below_booked', { date, booked: 1 }));
  assert.equal(inputValue(refused.text, 'quota-from'), rangeFrom);
  assert.equal(inputValue(refused.text, 'quota-to'), rangeTo);
  assert.equal(inputValue(refused.text, 'quota-value'), '0');
  assert.equal(selectedOption(refused.text, 'quota-station'), String(stationId));
  assert.deepEqual(gridCell(refused.text, date, stationId), { quota: 1, booked: 1, remaining: 0, full: true });
  assert.deepEqual(gridCell(refused.text, rangeFrom, stationId),
    { quota: null, booked: null, remaining: null, full: false }, 'the date before is still unset');

  assert.deepEqual(await quotas(rangeFrom, rangeTo), storedBefore, 'no date of the range changed');
  assert.equal(await auditCount(), auditBefore, 'no audit entry');

  // The booked count itself is a valid quota.
  const equal = await postForm(operator, '/admin/quotas',
    { from: rangeFrom, to: rangeTo, station_id: String(stationId), quota: '1' });
  assert.equal(equal.status, 303, equal.text.slice(0, 300));
  assert.deepEqual((await quotas(rangeFrom, rangeTo)).filter((day) => day.station_id === stationId)
    .map((day) => [day.date, day.quota, day.booked]),
  [[rangeFrom, 1, 0], [date, 1, 1], [rangeTo, 1, 0]]);
});

test('availability follows quota set on page', async () => {
  const stationId = (await stations())[0].id;
  const date = addDays(today, 5);
  const traveller = new Client(server.url, 'en');
  const before = await traveller.request('GET', '/api/v1/availability');
  assert.equal(before.status, 200, before.text);

  const response = await postForm(operator, '/admin/quotas',
    { from: date, to: date, station_id: String(stationId), quota: '44' });
  assert.equal(response.status, 303);
  const afterSet = await traveller.request('GET', '/api/v1/availability');
  const day = afterSet.json.find((entry) => entry.date === date);
  assert.ok(day, `availability lists ${date}`);
  const others = (await quotas(date, date)).filter((entry) => entry.station_id !== stationId)
    .reduce((sum, entry) => sum + entry.quota, 0);
  assert.equal(day.quota, 44 + others, 'the new quota shows at once');
});
