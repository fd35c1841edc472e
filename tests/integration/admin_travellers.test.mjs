// Traveller accounts for administrators: search by ID number or name with
// masked numbers, and password resets that hand out a one-time password,
// through /api/v1/staff/travellers and the /admin/travellers page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, catalog, uniqueHomeReturnPermit } from '../support/server.mjs';
import {
  staffClient, submittedTraveller, postForm, auditEntries, elementText, travellerPassword,
} from './admin_helpers.mjs';

let server;
let admin;
before(async () => {
  server = await startServer();
  admin = await staffClient(server, 'admin');
});
after(async () => { await server.stop(); });

function search(query) {
  return admin.request('GET', `/api/v1/staff/travellers?q=${encodeURIComponent(query)}`);
}

function reset(accountId, options = { json: {} }) {
  return admin.request('POST', `/api/v1/staff/travellers/${accountId}/password-reset`, options);
}

async function registeredTraveller(idNumber = uniqueHomeReturnPermit()) {
  const client = new Client(server.url, 'en');
  const response = await client.register({ id_type: 'home_return_permit', id_number: idNumber });
  assert.equal(response.status, 201, response.text);
  return { client, accountId: response.json.account_id, idNumber };
}

function travellerLogin(idNumber, password, idType = 'home_return_permit') {
  return new Client(server.url, 'en').login({ id_type: idType, id_number: idNumber, password });
}

test('search by ID number masks it', async () => {
  const { accountId, idNumber } = await registeredTraveller();
  for (const query of [idNumber, idNumber.slice(0, 6), idNumber.toLowerCase(), ` ${idNumber.slice(2)} `]) {
    const response = await search(query);
    assert.equal(response.status, 200, `${query}: ${response.text}`);
    const found = response.json.find((traveller) => traveller.account_id === accountId);
    assert.ok(found, `"${query}" finds the account`);
    assert.equal(found.id_number_masked, `${idNumber.slice(0, 4)}****${idNumber.slice(-1)}`);
    assert.equal(found.review_status, 'none');
    assert.equal(found.must_change_password, false);
    assert.ok(!response.text.includes(idNumber), `"${query}": no full number in the answer`);
  }
});

test('search finds travellers by name', async () => {
  const { accountId } = await submittedTraveller(server, { profile: { name: '歐陽志遠' } });
  const response = await search('歐陽志');
  assert.equal(response.status, 200, response.text);
  const found = response.json.find((traveller) => traveller.account_id === accountId);
  assert.ok(found, 'found by part of the name');
  assert.equal(found.name, '歐陽志遠');
  assert.equal(found.review_status, 'pending');
  assert.deepEqual((await search('無此姓名')).json, []);
});

test('search rejects missing, short and long queries', async () => {
  const cases = [
    ['', 'traveller.query_missing'],
    ['   ', 'traveller.query_missing'],
    ['H', 'traveller.query_too_short'],
    ['陳', 'traveller.query_too_short'],
    ['x'.repeat(51), 'traveller.query_too_long'],
  ];
  for (const [query, code] of cases) {
    assertApiError(await search(query), { status: 422, code, field: 'q' }, JSON.stringify(query));
  }
  assertApiError(await admin.request('GET', '/api/v1/staff/travellers'),
    { status: 422, code: 'traveller.query_missing', field: 'q' }, 'no q at all');
});

test('reset issues a must-change password', async () => {
  const { client, accountId, idNumber } = await registeredTraveller();
  assert.equal((await client.request('GET', '/api/v1/me')).status, 200, 'logged in before the reset');

  const response = await reset(accountId);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.account_id, accountId);
  const oneTime = response.json.one_time_password;
  assert.match(oneTime, /^[A-Za-z0-9]{12}$/);
  assert.match(oneTime, /[A-Za-z]/, 'has a letter');
  assert.match(oneTime, /\d/, 'has a digit');

  assertApiError(await client.request('GET', '/api/v1/me'), { status: 401, code: 'auth.required' },
    'the traveller session ended');
  assertApiError(await travellerLogin(idNumber, travellerPassword), { status: 401, code: 'auth.invalid_credentials' },
    'the old password no longer works');

  const traveller = new Client(server.url, 'en');
  const login = await traveller.login({ id_type: 'home_return_permit', id_number: idNumber, password: oneTime });
  assert.equal(login.status, 200, login.text);
  const me = await traveller.request('GET', '/api/v1/me');
  assert.equal(me.json.must_change_password, true);

  const found = (await search(idNumber)).json.find((entry) => entry.account_id === accountId);
  assert.equal(found.must_change_password, true);
});

test('a second reset replaces the first one-time password', async () => {
  const { accountId, idNumber } = await registeredTraveller();
  const first = (await reset(accountId)).json.one_time_password;
  const second = (await reset(accountId)).json.one_time_password;
  assert.notEqual(first, second);
  assertApiError(await travellerLogin(idNumber, first), { status: 401, code: 'auth.invalid_credentials' });
  assert.equal((await travellerLogin(idNumber, second)).status, 200);
});

test('one-time password works only once',
  async () => {
    const { accountId, idNumber } = await registeredTraveller();
    const oneTime = (await reset(accountId)).json.one_time_password;
    assert.equal((await travellerLogin(idNumber, oneTime)).status, 200, 'first login');
    assertApiError(await travellerLogin(idNumber, oneTime), { status: 401, code: 'auth.invalid_credentials' },
      'second login');
  });

test('reset is audited without the password', async () => {
  const { accountId } = await registeredTraveller();
  const oneTime = (await reset(accountId)).json.one_time_password;
  const [entry] = await auditEntries(admin, { action: 'traveller.password_reset', target_id: String(accountId) });
  assert.ok(entry, 'an audit entry');
  assert.equal(entry.target_type, 'account');
  assert.equal(entry.staff_username, admin.username);
  assert.deepEqual(entry.before, { must_change_password: false });
  assert.deepEqual(entry.after, { must_change_password: true, sessions_ended: true });
  assert.ok(!JSON.stringify(entry).includes(oneTime), 'no password in the audit log');
});

test('reset rejects bad input', async () => {
  assertApiError(await reset(999999), { status: 404, code: 'traveller.not_found' });
  assertApiError(await reset('abc'), { status: 404, code: 'traveller.not_found' });
  const { accountId } = await registeredTraveller();
  assertApiError(await reset(accountId, { json: { password: 'mine123x' } }),
    { status: 400, code: 'request.unknown_field', field: 'password' });
  const empty = await reset(accountId, { body: '', headers: { 'content-type': 'application/json' } });
  assert.equal(empty.status, 200, `an empty body is accepted: ${empty.text}`);
});

test('travellers page shows password once', async () => {
  const { accountId, idNumber } = await registeredTraveller();
  const page = await admin.request('GET', `/admin/travellers?q=${idNumber}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`id="traveller-${accountId}"`), 'the traveller is listed');
  const shown = /<span class="id-number">([^<]*)<\/span>/.exec(page.text)[1];
  assert.equal(shown, `${idNumber.slice(0, 4)}****${idNumber.slice(-1)}`, 'the row shows the masked number');
  assert.ok(page.text.includes(`action="/admin/travellers/${accountId}/password-reset"`));

  const response = await postForm(admin, `/admin/travellers/${accountId}/password-reset`, { q: idNumber });
  assert.equal(response.status, 200, response.text.slice(0, 300));
  const oneTime = elementText(response.text, 'one-time-password');
  assert.match(oneTime, /^[A-Za-z0-9]{12}$/);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal((await travellerLogin(idNumber, oneTime)).status, 200, 'the shown password works');

  const again = await admin.request('GET', `/admin/travellers?q=${idNumber}`);
  assert.ok(!again.text.includes(oneTime), 'the password is not shown again');
});

test('travellers page explains a bad query', async () => {
  const page = await admin.request('GET', '/admin/travellers?q=H');
  assert.equal(page.status, 422);
  const expected = catalog('en').errors['traveller.query_too_short'].replace('{min}', '2');
  assert.equal(elementText(page.text, 'form-error'), expected);
  const empty = await admin.request('GET', '/admin/travellers');
  assert.equal(empty.status, 200, 'no query shows only the form');
  assert.equal(elementText(empty.text, 'form-error'), null);
});
