// Staff management by administrators: list and add staff accounts, change
// roles, disable and enable, set passwords, through /api/v1/staff/accounts
// and the /admin/staff page, with the rules that keep an enabled
// administrator in place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, catalog } from '../support/server.mjs';
import {
  addStaff, loginStaff, staffClient, uniqueUsername, postForm, auditEntries, elementText, unescapeHtml,
  staffPassword,
} from './admin_helpers.mjs';

let server;
let admin;
before(async () => {
  server = await startServer();
  admin = await staffClient(server, 'admin');
});
after(async () => { await server.stop(); });

function staffLogin(credentials) {
  return new Client(server.url).request('POST', '/api/v1/staff/session',
    { json: { username: credentials.username, password: credentials.password } });
}

async function staffIdOf(username) {
  const list = await admin.request('GET', '/api/v1/staff/accounts');
  return list.json.find((member) => member.username === username)?.staff_id;
}

function patch(client, id, body) {
  return client.request('PATCH', `/api/v1/staff/accounts/${id}`, { json: body });
}

test('list omits password hashes', async () => {
  const reviewer = addStaff(server, 'reviewer');
  const list = await admin.request('GET', '/api/v1/staff/accounts');
  assert.equal(list.status, 200, list.text);
  const entry = list.json.find((member) => member.username === reviewer.username);
  assert.deepEqual(Object.keys(entry).sort(), ['disabled', 'role', 'staff_id', 'username']);
  assert.equal(entry.role, 'reviewer');
  assert.equal(entry.disabled, false);
  assert.ok(!list.text.includes('argon2'), 'no password hash');
});

test('add creates an audited account', async () => {
  const username = uniqueUsername('added');
  const response = await admin.request('POST', '/api/v1/staff/accounts',
    { json: { username, role: 'operator', password: staffPassword } });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.json.username, username);
  assert.equal(response.json.role, 'operator');
  assert.equal(typeof response.json.staff_id, 'number');

  const login = await staffLogin({ username, password: staffPassword });
  assert.equal(login.status, 200, login.text);
  assert.equal(login.json.role, 'operator');

  const [entry] = await auditEntries(admin, { action: 'staff.add', target_id: String(response.json.staff_id) });
  assert.ok(entry, 'an audit entry');
  assert.equal(entry.staff_username, admin.username);
  assert.equal(entry.target_type, 'staff');
  assert.equal(entry.before, null);
  assert.deepEqual(entry.after, { username, role: 'operator', disabled: false });
  assert.ok(!JSON.stringify(entry).includes(staffPassword), 'no password in the audit log');
});

test('add rejects bad input and changes nothing', async () => {
  const taken = addStaff(server, 'reviewer').username;
  const before = (await admin.request('GET', '/api/v1/staff/accounts')).json.length;
  const cases = [
    [{ username: 'Bad Name', role: 'admin', password: staffPassword }, 422, 'staff.username_invalid', 'username'],
    [{ username: '', role: 'admin', password: staffPassword }, 422, 'staff.username_missing', 'username'],
    [{ username: uniqueUsername(), role: 'root', password: staffPassword }, 422, 'staff.role_invalid', 'role'],
    [{ username: uniqueUsername(), role: 'admin', password: 'short1' }, 422, 'account.password_too_short', 'password'],
    [{ username: uniqueUsername(), role: 'admin', password: 'onlyletters' }, 422,
      'account.password_needs_letters_and_digits', 'password'],
    [{ username: taken, role: 'admin', password: staffPassword }, 409, 'staff.username_taken', 'username'],
    [{ username: uniqueUsername(), role: 'admin' }, 422, 'request.field_missing', 'password'],
    [{ username: uniqueUsername(), role: 'admin', password: staffPassword, disabled: false }, 400,
      'request.unknown_field', 'disabled'],
    [{ username: 7, role: 'admin', password: staffPassword }, 400, 'request.wrong_type', 'username'],
  ];
  for (const [body, status, code, field] of cases) {
    const response = await admin.request('POST', '/api/v1/staff/accounts', { json: body });
    assertApiError(response, { status, code, field }, JSON.stringify(body));
  }
  assert.equal((await admin.request('GET', '/api/v1/staff/accounts')).json.length, before);
});

test('role change takes effect at once and is audited', async () => {
  const credentials = addStaff(server, 'operator');
  const client = await loginStaff(server, credentials);
  assert.equal((await client.request('GET', '/api/v1/staff/reviews')).status, 403);

  const response = await patch(admin, client.staffId, { role: 'reviewer' });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.role, 'reviewer');
  assert.equal((await client.request('GET', '/api/v1/staff/reviews')).status, 200, 'the open session has the new role');

  const [entry] = await auditEntries(admin, { action: 'staff.update', target_id: String(client.staffId) });
  assert.deepEqual(entry.before, { username: credentials.username, role: 'operator', disabled: false });
  assert.deepEqual(entry.after, { username: credentials.username, role: 'reviewer', disabled: false });
});

test('disable ends sessions and blocks login', async () => {
  const credentials = addStaff(server, 'reviewer');
  const client = await loginStaff(server, credentials);

  const disabled = await patch(admin, client.staffId, { disabled: true });
  assert.equal(disabled.status, 200, disabled.text);
  assert.equal(disabled.json.disabled, true);
  assertApiError(await client.request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' },
    'the open session ended');
  assertApiError(await staffLogin(credentials), { status: 401, code: 'auth.invalid_credentials' }, 'login refused');

  const enabled = await patch(admin, client.staffId, { disabled: false });
  assert.equal(enabled.status, 200, enabled.text);
  assert.equal((await staffLogin(credentials)).status, 200, 'login works again');

  const entries = await auditEntries(admin, { action: 'staff.update', target_id: String(client.staffId) });
  assert.equal(entries.length, 2);
  assert.equal(entries[1].after.disabled, true, 'the older entry disabled');
  assert.equal(entries[0].after.disabled, false, 'the newer entry enabled');
});

test('no-op update writes no audit', async () => {
  const client = await staffClient(server, 'reviewer');
  for (const body of [{}, { role: 'reviewer' }, { disabled: false }, { role: null, disabled: null }]) {
    const response = await patch(admin, client.staffId, body);
    assert.equal(response.status, 200, `${JSON.stringify(body)}: ${response.text}`);
    assert.equal(response.json.role, 'reviewer');
  }
  assert.deepEqual(await auditEntries(admin, { target_type: 'staff', target_id: String(client.staffId),
    action: 'staff.update' }), []);
});

test('update rejects bad input', async () => {
  const client = await staffClient(server, 'reviewer');
  const cases = [
    [client.staffId, { role: 'superuser' }, 422, 'staff.role_invalid', 'role'],
    [client.staffId, { disabled: 'yes' }, 400, 'request.wrong_type', 'disabled'],
    [client.staffId, { username: 'renamed' }, 400, 'request.unknown_field', 'username'],
    [999999, { disabled: true }, 404, 'staff.not_found', null],
    ['abc', { disabled: true }, 404, 'staff.not_found', null],
    [0, { disabled: true }, 404, 'staff.not_found', null],
  ];
  for (const [id, body, status, code, field] of cases) {
    assertApiError(await patch(admin, id, body), { status, code, field }, `${id} ${JSON.stringify(body)}`);
  }
  const list = await admin.request('GET', '/api/v1/staff/accounts');
  assert.equal(list.json.find((member) => member.staff_id === client.staffId).role, 'reviewer');
});

test('admin cannot demote or disable self', async () => {
  addStaff(server, 'admin');
  for (const body of [{ role: 'reviewer' }, { disabled: true }]) {
    assertApiError(await patch(admin, admin.staffId, body), { status: 422, code: 'staff.cannot_change_self' },
      JSON.stringify(body));
  }
  assert.equal((await admin.request('GET', '/api/v1/staff/me')).json.role, 'admin');
});

test('last enabled admin is protected', async () => {
  const lone = await startServer();
  try {
    const only = await staffClient(lone, 'admin');
    const disabledAdmin = addStaff(lone, 'admin');
    const disabledId = (await only.request('GET', '/api/v1/staff/accounts')).json
      .find((member) => member.username === disabledAdmin.username).staff_id;
    assert.equal((await only.request('PATCH', `/api/v1/staff/accounts/${disabledId}`,
      { json: { disabled: true } })).status, 200);

    for (const body of [{ role: 'reviewer' }, { disabled: true }, { role: 'operator', disabled: true }]) {
      const response = await only.request('PATCH', `/api/v1/staff/accounts/${only.staffId}`, { json: body });
      assertApiError(response, { status: 409, code: 'staff.last_admin' }, JSON.stringify(body));
    }
    const me = await only.request('GET', '/api/v1/staff/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.role, 'admin');

    const page = await postForm(only, `/admin/staff/${only.staffId}/state`, { disabled: '1' });
    assert.equal(page.status, 409);
    assert.equal(unescapeHtml(elementText(page.text, 'form-error')), catalog('en').errors['staff.last_admin']);
  } finally {
    await lone.stop();
  }
});

test('mutual disabling leaves one admin', async () => {
  const pair = await startServer();
  try {
    const first = await staffClient(pair, 'admin');
    const second = await staffClient(pair, 'admin');
    const responses = await Promise.all([
      first.request('PATCH', `/api/v1/staff/accounts/${second.staffId}`, { json: { disabled: true } }),
      second.request('PATCH', `/api/v1/staff/accounts/${first.staffId}`, { json: { disabled: true } }),
    ]);
    const succeeded = responses.filter((response) => response.status === 200);
    assert.equal(succeeded.length, 1, responses.map((response) => response.text).join(' | '));

    const survivor = responses[0].status === 200 ? first : second;
    const list = await survivor.request('GET', '/api/v1/staff/accounts');
    assert.equal(list.status, 200, list.text);
    const enabledAdmins = list.json.filter((member) => member.role === 'admin' && !member.disabled);
    assert.equal(enabledAdmins.length, 1);
  } finally {
    await pair.stop();
  }
});

test('set password replaces it and ends the sessions', async () => {
  const credentials = addStaff(server, 'reviewer');
  const client = await loginStaff(server, credentials);
  const newPassword = 'Fresh2026pass';

  const response = await admin.request('POST', `/api/v1/staff/accounts/${client.staffId}/password`,
    { json: { password: newPassword } });
  assert.equal(response.status, 204, response.text);
  assertApiError(await client.request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' });
  assertApiError(await staffLogin(credentials), { status: 401, code: 'auth.invalid_credentials' }, 'old password');
  assert.equal((await staffLogin({ ...credentials, password: newPassword })).status, 200, 'new password');

  const [entry] = await auditEntries(admin, { action: 'staff.password_set', target_id: String(client.staffId) });
  assert.ok(entry, 'an audit entry');
  assert.equal(entry.after.password_changed, true);
  assert.ok(!JSON.stringify(entry).includes(newPassword), 'no password in the audit log');
});

test('set password rejects bad input', async () => {
  const client = await staffClient(server, 'reviewer');
  const path = `/api/v1/staff/accounts/${client.staffId}/password`;
  assertApiError(await admin.request('POST', path, { json: { password: 'abc' } }),
    { status: 422, code: 'account.password_too_short', field: 'password' });
  assertApiError(await admin.request('POST', path, { json: {} }),
    { status: 422, code: 'request.field_missing', field: 'password' });
  assertApiError(await admin.request('POST', '/api/v1/staff/accounts/999999/password',
    { json: { password: 'Fresh2026pass' } }), { status: 404, code: 'staff.not_found' });
  assert.equal((await client.request('GET', '/api/v1/staff/me')).status, 200, 'the session was kept');
});

test('staff page hides self-disable form', async () => {
  const reviewer = addStaff(server, 'reviewer');
  const reviewerId = await staffIdOf(reviewer.username);
  const page = await admin.request('GET', '/admin/staff');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`id="staff-${reviewerId}"`));
  assert.ok(page.text.includes(`action="/admin/staff/${reviewerId}/state"`));
  assert.ok(page.text.includes(`action="/admin/staff/${reviewerId}/role"`));
  assert.ok(page.text.includes(`action="/admin/staff/${reviewerId}/password"`));
  assert.ok(!page.text.includes(`action="/admin/staff/${admin.staffId}/state"`), 'no disable form for oneself');
  assert.ok(page.text.includes(`action="/admin/staff/${admin.staffId}/password"`));
});

test('staff page forms change accounts', async () => {
  const username = uniqueUsername('formadd');
  const added = await postForm(admin, '/admin/staff', { username, role: 'port_officer', password: staffPassword });
  assert.equal(added.status, 303, added.text.slice(0, 300));
  assert.equal(added.headers.get('location'), '/admin/staff?notice=staff_added');
  const listing = await admin.request('GET', added.headers.get('location'));
  assert.equal(elementText(listing.text, 'notice'), catalog('en').ui.admin_notice_staff_added);
  const id = await staffIdOf(username);
  assert.ok(id, 'the account exists');

  const role = await postForm(admin, `/admin/staff/${id}/role`, { role: 'station_staff' });
  assert.equal(role.headers.get('location'), '/admin/staff?notice=role_changed');
  const state = await postForm(admin, `/admin/staff/${id}/state`, { disabled: '1' });
  assert.equal(state.headers.get('location'), '/admin/staff?notice=staff_disabled');
  let member = (await admin.request('GET', '/api/v1/staff/accounts')).json.find((m) => m.staff_id === id);
  assert.equal(member.role, 'station_staff');
  assert.equal(member.disabled, true);

  const enabled = await postForm(admin, `/admin/staff/${id}/state`, { disabled: '0' });
  assert.equal(enabled.headers.get('location'), '/admin/staff?notice=staff_enabled');
  const password = await postForm(admin, `/admin/staff/${id}/password`, { password: 'Other2026pass' });
  assert.equal(password.headers.get('location'), '/admin/staff?notice=password_set');
  assert.equal((await staffLogin({ username, password: 'Other2026pass' })).status, 200);
  member = (await admin.request('GET', '/api/v1/staff/accounts')).json.find((m) => m.staff_id === id);
  assert.equal(member.disabled, false);

  assert.equal((await postForm(admin, `/admin/staff/${id}/state`, { disabled: 'maybe' })).status, 400);
});

test('staff page form errors keep the typed username', async () => {
  const response = await postForm(admin, '/admin/staff', { username: 'Bad Name', role: 'reviewer', password: staffPassword });
  assert.equal(response.status, 422);
  assert.equal(unescapeHtml(elementText(response.text, 'form-error')), catalog('en').errors['staff.username_invalid']);
  assert.ok(response.text.includes('value="Bad Name"'), 'the username is kept');
  assert.ok(!response.text.includes(staffPassword), 'the password is not echoed');

  const self = await postForm(admin, `/admin/staff/${admin.staffId}/role`, { role: 'reviewer' });
  assert.equal(self.status, 422);
  assert.equal(unescapeHtml(elementText(self.text, 'form-error')), catalog('en').errors['staff.cannot_change_self']);
});
