// Staff accounts: `yizhan staff add` and `yizhan migrate` on the command
// line, the staff sign-in API, its lockout, and the separation of staff and
// traveller sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, createDatabase, isPostgresUrl, Client, runCli, assertApiError, catalog, countRows,
  uniqueHomeReturnPermit,
} from '../support/server.mjs';

const lockoutFailures = 3;
const roles = ['admin', 'reviewer', 'operator', 'port_officer', 'station_staff'];
const password = 'Staff2026pass';

let server;
before(async () => { server = await startServer({ lockout_failures: lockoutFailures }); });
after(async () => { await server.stop(); });

let counter = 0;
function uniqueUsername(prefix = 'staff') {
  counter += 1;
  return `${prefix}${counter}`;
}

function addStaff(username, role, secret = password, db = server.dbPath) {
  return runCli(['staff', 'add', '--db', db, '--username', username, '--role', role, '--password-stdin'],
    `${secret}\n`);
}

// Add a staff account with the CLI and return its credentials.
function newStaff(role = 'reviewer') {
  const username = uniqueUsername(role.replace('_', ''));
  const result = addStaff(username, role);
  assert.equal(result.status, 0, `staff add ${username}: ${result.stderr}`);
  return { username, password };
}

function staffLogin(client, credentials) {
  return client.request('POST', '/api/v1/staff/session', { json: credentials });
}

test('staff add creates an account for each of the five roles', async () => {
  for (const role of roles) {
    const username = uniqueUsername(role.replace('_', ''));
    const result = addStaff(username, role);
    assert.equal(result.status, 0, `${role}: exit status, stderr: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`${username}.*${role}`), `${role}: stdout confirms the account`);

    const client = new Client(server.url);
    const login = await staffLogin(client, { username, password });
    assert.equal(login.status, 200, `${role}: login ${login.text}`);
    assert.equal(login.json.role, role, `${role}: the role is stored`);
  }
});

test('staff add reads a password line ending in CRLF', async () => {
  const username = uniqueUsername('crlf');
  const result = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', 'operator',
    '--password-stdin'], `${password}\r\n`);
  assert.equal(result.status, 0, result.stderr);
  const login = await staffLogin(new Client(server.url), { username, password });
  assert.equal(login.status, 200, 'the carriage return is not part of the password');
});

test('staff add rejects bad input with a non-zero exit and a message', () => {
  const taken = newStaff('admin').username;
  const cases = [
    ['upper-case username', ['Admin2', 'admin', password], 'staff.username_invalid'],
    ['username with a space', ['bad name', 'admin', password], 'staff.username_invalid'],
    ['username of 2 characters', ['ab', 'admin', password], 'staff.username_invalid'],
    ['username starting with a digit', ['1admin', 'admin', password], 'staff.username_invalid'],
    ['username of 33 characters', [`a${'b'.repeat(32)}`, 'admin', password], 'staff.username_invalid'],
    ['unknown role', [uniqueUsername(), 'superuser', password], 'staff.role_invalid'],
    ['role in upper case', [uniqueUsername(), 'ADMIN', password], 'staff.role_invalid'],
    ['password too short', [uniqueUsername(), 'admin', 'abc123'], 'account.password_too_short'],
    ['password without a digit', [uniqueUsername(), 'admin', 'abcdefghij'], 'account.password_needs_letters_and_digits'],
    ['password without a letter', [uniqueUsername(), 'admin', '1234567890'], 'account.password_needs_letters_and_digits'],
    ['duplicate username', [taken, 'reviewer', password], 'staff.username_taken'],
  ];
  const before = countRows(server.dbPath, 'staff');
  for (const [label, [username, role, secret], code] of cases) {
    const result = addStaff(username, role, secret);
    assert.notEqual(result.status, 0, `${label}: non-zero exit`);
    assert.ok(result.stderr.includes(username), `${label}: stderr names the username: ${result.stderr}`);
    assert.ok(result.stderr.includes(code), `${label}: stderr names ${code}: ${result.stderr}`);
  }
  assert.equal(countRows(server.dbPath, 'staff'), before, 'no staff account was added');
});

test('staff add explains the rule that failed', () => {
    const en = catalog('en').errors;
    const cases = [
      [['bad name', 'admin', password], en['staff.username_invalid']],
      [[uniqueUsername(), 'superuser', password], en['staff.role_invalid']],
      [[uniqueUsername(), 'admin', 'abcdefghij'], en['account.password_needs_letters_and_digits']],
    ];
    for (const [[username, role, secret], message] of cases) {
      const result = addStaff(username, role, secret);
      assert.ok(result.stderr.includes(message), `stderr explains "${message}": ${result.stderr}`);
    }
  });

test('staff add without a password on stdin fails', () => {
  const result = runCli(['staff', 'add', '--db', server.dbPath, '--username', uniqueUsername(), '--role', 'admin',
    '--password-stdin'], '');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /password/i, `stderr: ${result.stderr}`);
});

test('staff add without --password-stdin fails', () => {
  const result = runCli(['staff', 'add', '--db', server.dbPath, '--username', uniqueUsername(), '--role', 'admin']);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /--password-stdin/, `stderr: ${result.stderr}`);
});

test('staff session login works and sets the yz_staff cookie', async () => {
  const credentials = newStaff('reviewer');
  const client = new Client(server.url);
  const response = await staffLogin(client, credentials);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.username, credentials.username);
  assert.equal(typeof response.json.staff_id, 'number');
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('yz_staff='));
  assert.ok(cookie, 'a yz_staff cookie is set');
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=(Lax|Strict)/i);
  assert.equal(response.headers.getSetCookie().some((line) => line.startsWith('yz_session=')), false,
    'no traveller session cookie');
});

test('staff me returns the logged-in staff account', async () => {
  const credentials = newStaff('port_officer');
  const client = new Client(server.url);
  await staffLogin(client, credentials);
  const me = await client.request('GET', '/api/v1/staff/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.username, credentials.username);
  assert.equal(me.json.role, 'port_officer');
  assert.equal(me.json.password_hash, undefined, 'the hash is never sent');
});

test('staff me without a staff session is 401 auth.required', async () => {
  assertApiError(await new Client(server.url).request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' });
});

test('wrong staff password and unknown username get the same 401', async () => {
  const credentials = newStaff('operator');
  const wrong = await staffLogin(new Client(server.url), { ...credentials, password: 'Wrong2026pass' });
  const unknown = await staffLogin(new Client(server.url), { username: uniqueUsername('ghost'), password });
  assertApiError(wrong, { status: 401, code: 'auth.invalid_credentials' }, 'wrong password');
  assertApiError(unknown, { status: 401, code: 'auth.invalid_credentials' }, 'unknown username');
  assert.equal(unknown.json.error.message, wrong.json.error.message);
});

test('staff login failure speaks of username, not ID documents', async () => {
  const credentials = newStaff('operator');
  const wrong = await staffLogin(new Client(server.url, 'en'), { ...credentials, password: 'Wrong2026pass' });
  assert.equal(wrong.json.error.message, catalog('en').errors['auth.staff_invalid_credentials']);
});

test('serve names the address it cannot bind', async () => {
  const result = runCli(['serve', '--db', join(server.directory, 'second.sqlite'), '--listen', `127.0.0.1:${server.port}`]);
  assert.notEqual(result.status, 0, 'a second server on a taken port must fail');
  assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${server.port}`), result.stderr);
  assert.match(result.stderr, /--listen/, result.stderr);
});

test('staff login rejects missing fields', async () => {
  const cases = [
    [{ password }, 'request.field_missing', 'username'],
    [{ username: 'someone' }, 'request.field_missing', 'password'],
    [{ username: '', password }, 'staff.username_missing', 'username'],
    [{ username: 'someone', password: '' }, 'account.password_missing', 'password'],
  ];
  for (const [body, code, field] of cases) {
    const response = await staffLogin(new Client(server.url), body);
    assertApiError(response, { status: 422, code, field }, JSON.stringify(body));
  }
});

test('staff lockout after repeated failures rejects the right password', async () => {
  const credentials = newStaff('admin');
  for (let i = 0; i < lockoutFailures - 1; i += 1) {
    const response = await staffLogin(new Client(server.url), { ...credentials, password: `Wrong${i}pass` });
    assertApiError(response, { status: 401, code: 'auth.invalid_credentials' }, `failure ${i + 1}`);
  }
  const last = await staffLogin(new Client(server.url), { ...credentials, password: 'Wrong9pass' });
  assertApiError(last, { status: 429, code: 'auth.locked' }, `failure ${lockoutFailures}`);

  const right = await staffLogin(new Client(server.url), credentials);
  assertApiError(right, { status: 429, code: 'auth.locked' }, 'right password while locked');
  assert.match(right.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in whole seconds');
});

test('staff lockout on an unknown username behaves the same', async () => {
  const username = uniqueUsername('ghost');
  const statuses = [];
  for (let i = 0; i < lockoutFailures + 1; i += 1) {
    const response = await staffLogin(new Client(server.url), { username, password });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [...Array(lockoutFailures - 1).fill(401), 429, 429]);
});

test('staff cookie is not a traveller session', async () => {
  const client = new Client(server.url);
  await staffLogin(client, newStaff('admin'));
  const me = await client.request('GET', '/api/v1/me');
  assertApiError(me, { status: 401, code: 'auth.required' }, 'only the staff cookie');

  const swapped = new Client(server.url);
  swapped.cookies.set('yz_session', client.cookies.get('yz_staff'));
  assertApiError(await swapped.request('GET', '/api/v1/me'), { status: 401, code: 'auth.required' },
    'the staff token in the traveller cookie');
});

test('traveller cookie is not a staff session', async () => {
  const traveller = new Client(server.url);
  const registered = await traveller.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, registered.text);
  assertApiError(await traveller.request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' },
    'only the traveller cookie');

  const swapped = new Client(server.url);
  swapped.cookies.set('yz_staff', traveller.cookies.get('yz_session'));
  assertApiError(await swapped.request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' },
    'the traveller token in the staff cookie');
});

test('staff logout ends the staff session', async () => {
  const client = new Client(server.url);
  await staffLogin(client, newStaff('station_staff'));
  const token = client.cookies.get('yz_staff');
  const response = await client.request('DELETE', '/api/v1/staff/session');
  assert.equal(response.status, 204);

  const replay = new Client(server.url);
  replay.cookies.set('yz_staff', token);
  assertApiError(await replay.request('GET', '/api/v1/staff/me'), { status: 401, code: 'auth.required' });
});

test('migrate on a fresh database prints the schema version and is idempotent', () => {
  const database = createDatabase();
  try {
    const first = runCli(['migrate', '--db', database.url]);
    assert.equal(first.status, 0, first.stderr);
    const match = /schema version (\d+)/.exec(first.stdout);
    assert.ok(match, `stdout names the version: ${first.stdout}`);
    if (!isPostgresUrl(database.url)) assert.ok(existsSync(database.url), 'the database file exists');
    assert.ok(!first.stdout.includes('up to date'), 'the first run did work');

    const second = runCli(['migrate', '--db', database.url]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.trim(), `schema version ${match[1]} (up to date)`);
  } finally {
    database.drop();
  }
});

test('migrate on the running server database reports it up to date', () => {
  const result = runCli(['migrate', '--db', server.dbPath]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /schema version \d+ \(up to date\)/);
});
