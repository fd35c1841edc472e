// Traveller sign-in through the JSON API: the generic credentials error,
// lockout after repeated failures, the per-address rate limit, logout and
// session expiry (moved with the test-mode clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, assertApiError, advanceClock, uniqueHomeReturnPermit,
} from '../support/server.mjs';

const lockoutFailures = 3;
const lockoutMinutes = 10;
const sessionMinutes = 30;

let server;
before(async () => {
  server = await startServer({
    lockout_failures: lockoutFailures,
    lockout_minutes: lockoutMinutes,
    session_lifetime_minutes: sessionMinutes,
  });
});
after(async () => { await server.stop(); });

const password = 'abc12345';

// Register a fresh account and return its credentials.
async function newAccount() {
  const idNumber = uniqueHomeReturnPermit();
  const response = await new Client(server.url).register({ id_number: idNumber, password });
  assert.equal(response.status, 201, `registering ${idNumber}: ${response.text}`);
  return { id_type: 'home_return_permit', id_number: idNumber, password };
}

function sessionCookie(response) {
  return response.headers.getSetCookie().find((line) => line.startsWith('yz_session='));
}

test('login sets the session cookie and me works', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  const response = await client.login(credentials);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.review_status, 'none');
  const cookie = sessionCookie(response);
  assert.ok(cookie, 'a yz_session cookie is set');
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=(Lax|Strict)/i);
  assert.match(cookie, new RegExp(`;\\s*Max-Age=${sessionMinutes * 60}(;|$)`), 'Max-Age is the session lifetime');

  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.account_id, response.json.account_id);
});

test('login normalises the typed ID number', async () => {
  const credentials = await newAccount();
  const typed = ` ${credentials.id_number.toLowerCase().slice(0, 4)} ${credentials.id_number.slice(4)}`;
  const response = await new Client(server.url).login({ ...credentials, id_number: typed });
  assert.equal(response.status, 200, response.text);
});

test('each login opens a separate session', async () => {
  const credentials = await newAccount();
  const first = new Client(server.url);
  const second = new Client(server.url);
  await first.login(credentials);
  await second.login(credentials);
  assert.notEqual(first.cookies.get('yz_session'), second.cookies.get('yz_session'));
  await first.request('DELETE', '/api/v1/session');
  const me = await second.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, 'logging out one session leaves the other');
});

test('wrong password and unknown ID number get the same generic error', async () => {
  const credentials = await newAccount();
  const wrongPassword = await new Client(server.url).login({ ...credentials, password: 'wrong9999' });
  const unknownNumber = await new Client(server.url).login({ ...credentials, id_number: uniqueHomeReturnPermit() });
  const wrongType = await new Client(server.url).login({ ...credentials, id_type: 'passport' });

  for (const [label, response] of [['wrong password', wrongPassword], ['unknown ID number', unknownNumber],
    ['other ID type', wrongType]]) {
    assertApiError(response, { status: 401, code: 'auth.invalid_credentials' }, label);
    assert.equal(sessionCookie(response), undefined, `${label}: no session cookie`);
  }
  assert.equal(unknownNumber.json.error.message, wrongPassword.json.error.message, 'same message');
  assert.equal(wrongType.json.error.message, wrongPassword.json.error.message, 'same message');
});

test('login checks the captcha before the password', async () => {
  const credentials = await newAccount();
  const response = await new Client(server.url).login({ ...credentials, captcha_answer: 'WRONG' });
  assertApiError(response, { status: 422, code: 'captcha.wrong', field: 'captcha_answer' });
});

test('login rejects missing fields with their codes', async () => {
  const credentials = await newAccount();
  const cases = [
    ['id_type empty', { id_type: '' }, 'account.id_type_missing', 'id_type'],
    ['id_type unknown', { id_type: 'library_card' }, 'account.id_type_invalid', 'id_type'],
    ['id_number empty', { id_number: '' }, 'account.id_number_missing', 'id_number'],
    ['password empty', { password: '' }, 'account.password_missing', 'password'],
    ['captcha answer empty', { captcha_answer: '' }, 'captcha.missing', 'captcha_answer'],
  ];
  for (const [label, fields, code, field] of cases) {
    const response = await new Client(server.url).login({ ...credentials, ...fields });
    assertApiError(response, { status: 422, code, field }, label);
  }
});

test('wrong captcha does not count toward the lockout', async () => {
  const credentials = await newAccount();
  for (let i = 0; i < lockoutFailures + 1; i += 1) {
    const response = await new Client(server.url).login({ ...credentials, password: 'wrong9999', captcha_answer: 'WRONG' });
    assert.equal(response.json.error.code, 'captcha.wrong', `attempt ${i + 1}`);
  }
  const response = await new Client(server.url).login(credentials);
  assert.equal(response.status, 200, `not locked: ${response.text}`);
});

// Fail `lockoutFailures` times and return the responses.
async function failRepeatedly(credentials) {
  const responses = [];
  for (let i = 0; i < lockoutFailures; i += 1) {
    responses.push(await new Client(server.url).login({ ...credentials, password: `wrong${i}xyz` }));
  }
  return responses;
}

test('failure reaching the limit gives 429 auth.locked', async () => {
  const credentials = await newAccount();
  const responses = await failRepeatedly(credentials);
  for (const [index, response] of responses.slice(0, -1).entries()) {
    assertApiError(response, { status: 401, code: 'auth.invalid_credentials' }, `failure ${index + 1}`);
  }
  assertApiError(responses.at(-1), { status: 429, code: 'auth.locked' }, `failure ${lockoutFailures}`);
});

test('locked account rejects the right password with 429 and Retry-After', async () => {
  const credentials = await newAccount();
  await failRepeatedly(credentials);
  const response = await new Client(server.url).login(credentials);
  assertApiError(response, { status: 429, code: 'auth.locked' });
  const retryAfter = Number(response.headers.get('retry-after'));
  assert.ok(retryAfter > (lockoutMinutes - 1) * 60, `Retry-After ${retryAfter} is close to ${lockoutMinutes} minutes`);
  assert.ok(retryAfter <= lockoutMinutes * 60, `Retry-After ${retryAfter} is at most ${lockoutMinutes} minutes`);
  assert.equal(sessionCookie(response), undefined, 'no session while locked');
});

test('lock message states the minutes to wait', async () => {
  const credentials = await newAccount();
  await failRepeatedly(credentials);
  const response = await new Client(server.url, 'en').login(credentials);
  assert.equal(response.json.error.message, `Too many failed logins. Try again in ${lockoutMinutes} minutes.`);
});

test('lock covers every spelling of the ID number', async () => {
  const credentials = await newAccount();
  await failRepeatedly(credentials);
  const response = await new Client(server.url).login({ ...credentials, id_number: credentials.id_number.toLowerCase() });
  assertApiError(response, { status: 429, code: 'auth.locked' });
});

test('lock on one account leaves other accounts alone', async () => {
  const locked = await newAccount();
  const other = await newAccount();
  await failRepeatedly(locked);
  const response = await new Client(server.url).login(other);
  assert.equal(response.status, 200, response.text);
});

test('successful login resets the failure count', async () => {
  const credentials = await newAccount();
  for (let round = 0; round < 2; round += 1) {
    for (let i = 0; i < lockoutFailures - 1; i += 1) {
      const failure = await new Client(server.url).login({ ...credentials, password: 'wrong9999' });
      assert.equal(failure.status, 401, `round ${round + 1}, failure ${i + 1}: ${failure.text}`);
    }
    const success = await new Client(server.url).login(credentials);
    assert.equal(success.status, 200, `round ${round + 1}: the right password still works: ${success.text}`);
  }
});

test('lock on an unknown identity behaves like a lock on an account', async () => {
  const known = await newAccount();
  const unknown = { ...known, id_number: uniqueHomeReturnPermit() };
  const knownResponses = await failRepeatedly(known);
  const unknownResponses = await failRepeatedly(unknown);
  assert.deepEqual(unknownResponses.map((r) => [r.status, r.json.error.code, r.json.error.message]),
    knownResponses.map((r) => [r.status, r.json.error.code, r.json.error.message]),
    'the same sequence of responses while failing');

  const knownLocked = await new Client(server.url).login(known);
  const unknownLocked = await new Client(server.url).login(unknown);
  assertApiError(unknownLocked, { status: 429, code: 'auth.locked' });
  assert.equal(unknownLocked.json.error.message, knownLocked.json.error.message);
  const knownWait = Number(knownLocked.headers.get('retry-after'));
  const unknownWait = Number(unknownLocked.headers.get('retry-after'));
  assert.ok(Math.abs(knownWait - unknownWait) <= 2, `Retry-After ${unknownWait} vs ${knownWait}`);
});

// The tests below move the server's clock forward. Later tests only need
// fresh accounts, so a clock that has moved does not disturb them.

test('lock lifts after lockout_minutes', async () => {
  const credentials = await newAccount();
  await failRepeatedly(credentials);

  await advanceClock(server.url, lockoutMinutes * 60 - 30);
  const stillLocked = await new Client(server.url).login(credentials);
  assertApiError(stillLocked, { status: 429, code: 'auth.locked' }, '30 seconds before the lock ends');

  await advanceClock(server.url, 32);
  const lifted = await new Client(server.url).login(credentials);
  assert.equal(lifted.status, 200, `after the lock: ${lifted.text}`);
});

test('session expires after session_lifetime_minutes', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);

  await advanceClock(server.url, sessionMinutes * 60 - 30);
  const before = await client.request('GET', '/api/v1/me');
  assert.equal(before.status, 200, `30 seconds before expiry: ${before.text}`);

  await advanceClock(server.url, 32);
  const after = await client.request('GET', '/api/v1/me');
  assertApiError(after, { status: 401, code: 'auth.required' }, 'after expiry');
});

test('logout ends the session and clears the cookie', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);

  const response = await client.request('DELETE', '/api/v1/session');
  assert.equal(response.status, 204, response.text);
  const cleared = sessionCookie(response);
  assert.match(cleared ?? '', /^yz_session=;.*Max-Age=0/i, `the cookie is cleared: ${cleared}`);

  const me = await client.request('GET', '/api/v1/me');
  assertApiError(me, { status: 401, code: 'auth.required' });
});

test('replayed cookie after logout is rejected', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);
  const token = client.cookies.get('yz_session');
  await client.request('DELETE', '/api/v1/session');

  const replay = new Client(server.url);
  replay.cookies.set('yz_session', token);
  const me = await replay.request('GET', '/api/v1/me');
  assertApiError(me, { status: 401, code: 'auth.required' });
});

test('made-up session cookies are rejected', async () => {
  for (const token of ['x', 'A'.repeat(43), 'A'.repeat(5000), '"quoted"', '%00']) {
    const client = new Client(server.url);
    client.cookies.set('yz_session', token);
    const me = await client.request('GET', '/api/v1/me');
    assertApiError(me, { status: 401, code: 'auth.required' }, `token of ${token.length} characters`);
  }
});

test('logout without a session gives 204', async () => {
  const response = await new Client(server.url).request('DELETE', '/api/v1/session');
  assert.equal(response.status, 204, response.text);
});

test('server logs contain no passwords or session tokens', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);
  await new Client(server.url).login({ ...credentials, password: 'Leaked2026xyz' });
  const token = client.cookies.get('yz_session');
  const logs = await server.waitForLogs(/route=\/api\/v1\/session status=401/);
  assert.ok(logs.length > 0, 'the server logs requests');
  assert.ok(!logs.includes(credentials.password), 'the account password is not logged');
  assert.ok(!logs.includes('Leaked2026xyz'), 'a wrong password is not logged');
  assert.ok(!logs.includes(token), 'the session token is not logged');
});

test('login rate limit per address gives 429', async () => {
  const limited = await startServer({ login_rate_per_minute: 3 });
  try {
    const idNumber = uniqueHomeReturnPermit();
    for (let i = 0; i < 3; i += 1) {
      const response = await new Client(limited.url).login({ id_type: 'home_return_permit', id_number: idNumber,
        password: 'wrong9999' });
      assert.equal(response.status, 401, `attempt ${i + 1} of 3 is within the limit: ${response.text}`);
    }
    const response = await new Client(limited.url).login({ id_type: 'home_return_permit',
      id_number: uniqueHomeReturnPermit(), password: 'abc12345' });
    assertApiError(response, { status: 429, code: 'request.rate_limited' });
    const retryAfter = Number(response.headers.get('retry-after'));
    assert.match(response.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After in whole seconds');
    assert.ok(retryAfter >= 1, `Retry-After ${retryAfter} is at least 1 second`);
    assert.ok(retryAfter <= 60, `Retry-After ${retryAfter} is at most a minute`);
  } finally {
    await limited.stop();
  }
});
