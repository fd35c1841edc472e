// Traveller registration through the JSON API: the four ID document types,
// the session cookie, duplicates after normalisation and every field rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, assertApiError, countRows, catalog, queryDatabase,
} from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// ISO 7064 MOD 11-2 as GB 11643 uses it. The i-th of the 17 digits (i from
// 1) has the weight 2^(18-i) mod 11. The check character c makes the
// weighted sum plus c equal 1 modulo 11, and c = 10 is written 'X'.
function residentIdCheckCharacter(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const weight = 2 ** (17 - i) % 11;
    sum += Number(first17[i]) * weight;
  }
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

let serial = 0;
function nextSerial(width) {
  serial += 1;
  return String(serial).padStart(width, '0');
}

// A valid resident ID number for a person born on `birthDate` (YYYYMMDD) in
// Shenzhen's Futian district (region code 440304).
function residentId(birthDate = '19900101') {
  const first17 = `440304${birthDate}${nextSerial(3)}`;
  return first17 + residentIdCheckCharacter(first17);
}

function residentIdWithWrongCheck(birthDate = '19900101') {
  const valid = residentId(birthDate);
  const wrong = valid[17] === '1' ? '2' : '1';
  return valid.slice(0, 17) + wrong;
}

function homeReturnPermit() { return `H${nextSerial(8)}`; }
function hkMacauPermit() { return `CA${nextSerial(7)}`; }
function passport() { return `E${nextSerial(8)}`; }

function localDate(offsetDays) {
  const date = new Date(Date.now() + offsetDays * 86400000);
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

test('check character helper matches the GB 11643 example number', () => {
  // The standard's own example: 11010519491231002X.
  assert.equal(residentIdCheckCharacter('11010519491231002'), 'X');
});

test('registration accepts each of the four ID document types', async () => {
  const cases = [
    ['resident_id', residentId()],
    ['resident_id', (() => { let id; do { id = residentId('19851231'); } while (id[17] !== 'X'); return id; })()],
    ['home_return_permit', homeReturnPermit()],
    ['home_return_permit', `M${nextSerial(8)}`],
    ['home_return_permit', `H${nextSerial(10)}`],
    ['hk_macau_permit', hkMacauPermit()],
    ['hk_macau_permit', `C0${nextSerial(7)}`],
    ['hk_macau_permit', `W${nextSerial(8)}`],
    ['passport', passport()],
    ['passport', `K${nextSerial(4)}`],
    ['passport', `EA${nextSerial(15)}`],
  ];
  for (const [idType, idNumber] of cases) {
    const response = await new Client(server.url).register({ id_type: idType, id_number: idNumber });
    assert.equal(response.status, 201, `${idType} ${idNumber}: ${response.text}`);
    assert.equal(response.json.id_type, idType, `${idType} ${idNumber}: id_type echoed`);
    assert.equal(typeof response.json.account_id, 'number', `${idType} ${idNumber}: account_id`);
  }
});

test('registration returns the account summary', async () => {
  const response = await new Client(server.url).register({ id_number: homeReturnPermit() });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.json.review_status, 'none');
  assert.equal(response.json.no_show_count, 0);
  assert.equal(response.json.banned_until, null);
  assert.equal(response.json.active_booking, null);
});

test('session cookie is HttpOnly, SameSite and not Secure', async () => {
  const client = new Client(server.url);
  const response = await client.register({ id_number: homeReturnPermit() });
  assert.equal(response.status, 201, response.text);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('yz_session='));
  assert.ok(cookie, `a yz_session cookie is set; got ${JSON.stringify(response.headers.getSetCookie())}`);
  const attributes = cookie.split(';').map((part) => part.trim().toLowerCase());
  assert.ok(attributes[0].length > 'yz_session='.length + 20, 'the session token is long enough to be unguessable');
  assert.ok(attributes.includes('httponly'), `HttpOnly in ${cookie}`);
  assert.ok(attributes.some((a) => a === 'samesite=lax' || a === 'samesite=strict'), `SameSite in ${cookie}`);
  assert.ok(attributes.includes('path=/'), `Path=/ in ${cookie}`);
  assert.ok(!attributes.includes('secure'), `no Secure on plain HTTP in ${cookie}`);
});

test('session cookie is Secure behind a proxy that reports https', async () => {
  const client = new Client(server.url);
  const body = {
    id_type: 'home_return_permit', id_number: homeReturnPermit(), password: 'abc12345',
    password_confirm: 'abc12345', captcha_id: await client.captcha(), captcha_answer: '0000', consent: true,
  };
  const response = await client.request('POST', '/api/v1/accounts',
    { json: body, headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(response.status, 201, response.text);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('yz_session='));
  assert.match(cookie, /;\s*Secure/i, `Secure when X-Forwarded-Proto is https: ${cookie}`);
});

test('me after registration has review status none', async () => {
  const client = new Client(server.url);
  const registered = await client.register({ id_number: homeReturnPermit() });
  assert.equal(registered.status, 201, registered.text);

  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.account_id, registered.json.account_id);
  assert.equal(me.json.review_status, 'none');
  assert.equal(me.json.no_show_count, 0);
  assert.equal(me.json.banned_until, null);
  assert.equal(me.json.active_booking, null);
});

test('me without a session is 401 auth.required', async () => {
  const response = await new Client(server.url).request('GET', '/api/v1/me');
  assertApiError(response, { status: 401, code: 'auth.required' });
});

test('ID number is stored normalised to upper case without spaces', async () => {
  const client = new Client(server.url);
  const number = hkMacauPermit();
  const typed = ` ${number.slice(0, 3).toLowerCase()} ${number.slice(3)} `;
  const response = await client.register({ id_type: 'hk_macau_permit', id_number: typed });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.json.id_number_masked, `${number.slice(0, 4)}****${number.at(-1)}`,
    'the masked number is built from the normalised number');
});

test('duplicate registration is rejected with 409', async () => {
  const number = homeReturnPermit();
  const first = await new Client(server.url).register({ id_number: number });
  assert.equal(first.status, 201, first.text);

  const second = await new Client(server.url).register({ id_number: number, password: 'other999' });
  assertApiError(second, { status: 409, code: 'account.already_registered', field: 'id_number' });
  assert.deepEqual(second.headers.getSetCookie().filter((line) => line.startsWith('yz_session=')), [],
    'no session for the rejected registration');
});

test('duplicate registration is rejected after normalisation', async () => {
  const number = residentId();
  const first = await new Client(server.url).register({ id_type: 'resident_id', id_number: number });
  assert.equal(first.status, 201, first.text);

  const fullWidth = [...number].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
  const spellings = [
    `${number.slice(0, 6)} ${number.slice(6, 14)} ${number.slice(14)}`,
    ` ${number} `,
    `${number.slice(0, 9)}\u3000${number.slice(9)}`,
    fullWidth,
  ];
  for (const spelling of spellings) {
    const response = await new Client(server.url).register({ id_type: 'resident_id', id_number: spelling });
    assertApiError(response, { status: 409, code: 'account.already_registered', field: 'id_number' },
      `spelling ${JSON.stringify(spelling)}`);
  }
});

test('concurrent registrations of one number create one account', async () => {
  const number = homeReturnPermit();
  const responses = await Promise.all([1, 2, 3, 4].map(() => new Client(server.url).register({ id_number: number })));
  const statuses = responses.map((response) => response.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409], `one account and three conflicts: ${statuses}`);
});

test('duplicate registration message reveals nothing about the account', async () => {
  const number = passport();
  await new Client(server.url).register({ id_type: 'passport', id_number: number });
  const response = await new Client(server.url, 'en').register({ id_type: 'passport', id_number: number });
  assert.equal(response.json.error.message, catalog('en').errors['account.already_registered']);
  assert.ok(!response.text.includes(number.slice(1)), 'the body does not echo the ID number');
});

test('lower-case resident ID check character x is accepted', async () => {
  let number;
  do { number = residentId('19700505'); } while (number[17] !== 'X');
  const response = await new Client(server.url).register({ id_type: 'resident_id', id_number: number.toLowerCase() });
  assert.equal(response.status, 201, response.text);
});

test('the same number may be registered under two ID types', async () => {
  const number = `H${nextSerial(8)}`;
  const permit = await new Client(server.url).register({ id_type: 'home_return_permit', id_number: number });
  assert.equal(permit.status, 201, permit.text);
  const other = await new Client(server.url).register({ id_type: 'passport', id_number: number });
  assert.equal(other.status, 201, `(ID type, ID number) is the unique pair: ${other.text}`);
});

test('each invalid field is rejected with its code and field', async () => {
  const dayAfterTomorrow = localDate(2);
  const cases = [
    ['id_type left out', { id_type: undefined }, 422, 'request.field_missing', 'id_type'],
    ['id_type empty', { id_type: '' }, 422, 'account.id_type_missing', 'id_type'],
    ['id_type unknown', { id_type: 'driving_licence' }, 422, 'account.id_type_invalid', 'id_type'],
    ['id_number empty', { id_number: '' }, 422, 'account.id_number_missing', 'id_number'],
    ['id_number only spaces', { id_number: '   ' }, 422, 'account.id_number_missing', 'id_number'],
    ['home return permit, 7 digits', { id_number: 'H1234567' }, 422, 'account.id_number_invalid', 'id_number'],
    ['home return permit, 9 digits', { id_number: 'H123456789' }, 422, 'account.id_number_invalid', 'id_number'],
    ['home return permit, wrong letter', { id_number: 'X12345678' }, 422, 'account.id_number_invalid', 'id_number'],
    ['home return permit, letter inside', { id_number: 'H1234A678' }, 422, 'account.id_number_invalid', 'id_number'],
    ['home return permit, no letter', { id_number: '123456789' }, 422, 'account.id_number_invalid', 'id_number'],
    ['hk/macau permit, 8 characters', { id_type: 'hk_macau_permit', id_number: 'CA123456' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['hk/macau permit, wrong letter', { id_type: 'hk_macau_permit', id_number: 'D12345678' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['hk/macau permit, W with 7 digits', { id_type: 'hk_macau_permit', id_number: 'W1234567' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['hk/macau permit, letter in digits', { id_type: 'hk_macau_permit', id_number: 'CA12345B7' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['passport, 4 characters', { id_type: 'passport', id_number: 'E123' }, 422, 'account.id_number_invalid',
      'id_number'],
    ['passport, 18 characters', { id_type: 'passport', id_number: 'E12345678901234567' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['passport, punctuation', { id_type: 'passport', id_number: 'E1234-5678' }, 422, 'account.id_number_invalid',
      'id_number'],
    ['passport, Chinese characters', { id_type: 'passport', id_number: '護照12345' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['resident ID, 17 characters', { id_type: 'resident_id', id_number: residentId().slice(0, 17) }, 422,
      'account.id_number_invalid', 'id_number'],
    ['resident ID, letter inside', { id_type: 'resident_id', id_number: '4403041990A1010011' }, 422,
      'account.id_number_invalid', 'id_number'],
    ['resident ID, wrong check digit', { id_type: 'resident_id', id_number: residentIdWithWrongCheck() }, 422,
      'account.id_number_checksum', 'id_number'],
    ['resident ID, 30 February', { id_type: 'resident_id', id_number: residentId('19900230') }, 422,
      'account.id_number_birth_date', 'id_number'],
    ['resident ID, month 13', { id_type: 'resident_id', id_number: residentId('19901301') }, 422,
      'account.id_number_birth_date', 'id_number'],
    ['resident ID, 29 February of a common year', { id_type: 'resident_id', id_number: residentId('19010229') },
      422, 'account.id_number_birth_date', 'id_number'],
    ['resident ID, born the day after tomorrow', { id_type: 'resident_id', id_number: residentId(dayAfterTomorrow) }, 422,
      'account.id_number_birth_date', 'id_number'],
    ['resident ID, born before 1900', { id_type: 'resident_id', id_number: residentId('18991231') }, 422,
      'account.id_number_birth_date', 'id_number'],
    ['password 7 characters', { password: 'abc1234' }, 422, 'account.password_too_short', 'password'],
    ['password 7 characters of several bytes', { password: '密碼密碼ab1' }, 422, 'account.password_too_short',
      'password'],
    ['password without a digit', { password: 'abcdefgh' }, 422, 'account.password_needs_letters_and_digits',
      'password'],
    ['password without a letter', { password: '12345678' }, 422, 'account.password_needs_letters_and_digits',
      'password'],
    ['password of Chinese and digits only', { password: '密碼密碼1234' }, 422,
      'account.password_needs_letters_and_digits', 'password'],
    ['password 129 characters', { password: `a1${'b'.repeat(127)}` }, 422, 'account.password_too_long', 'password'],
    ['password with a control character', { password: 'abc\u000112345' }, 422,
      'account.password_invalid_characters', 'password'],
    ['password left out', { password: undefined, password_confirm: 'abc12345' }, 422, 'request.field_missing',
      'password'],
    ['confirmation differs', { password: 'abc12345', password_confirm: 'abc12346' }, 422,
      'account.password_mismatch', 'password_confirm'],
    ['confirmation differs in case', { password: 'abc12345', password_confirm: 'ABC12345' }, 422,
      'account.password_mismatch', 'password_confirm'],
    ['consent false', { consent: false }, 422, 'account.consent_required', 'consent'],
    ['consent left out', { consent: undefined }, 422, 'request.field_missing', 'consent'],
    ['captcha answer empty', { captcha_answer: '' }, 422, 'captcha.missing', 'captcha_answer'],
    ['captcha answer left out', { captcha_answer: undefined }, 422, 'request.field_missing', 'captcha_answer'],
  ];
  for (const [label, fields, status, code, field] of cases) {
    const response = await new Client(server.url).register(fields);
    assertApiError(response, { status, code, field }, label);
    assert.deepEqual(response.headers.getSetCookie().filter((line) => line.startsWith('yz_session=')), [],
      `${label}: no session cookie`);
  }
});

test('password of 8 and of 128 characters is accepted', async () => {
  for (const password of ['abcdef12', `a1${'b'.repeat(126)}`, '密碼密碼密碼a1']) {
    const response = await new Client(server.url).register({ id_number: homeReturnPermit(), password });
    assert.equal(response.status, 201, `password of ${[...password].length} characters: ${response.text}`);
  }
});

test('password is stored only as an Argon2id hash', async () => {
  const password = 'Stored2026secret';
  const response = await new Client(server.url).register({ id_number: homeReturnPermit(), password });
  assert.equal(response.status, 201, response.text);
  const [row] = queryDatabase(server.dbPath,
    `SELECT password_hash FROM accounts WHERE id = ${Number(response.json.account_id)}`);
  assert.match(row.password_hash, /^\$argon2id\$/, 'PHC string of Argon2id');
  assert.ok(!row.password_hash.includes(password), 'the password itself is not stored');
});

test('session table holds a digest, not the cookie token', async () => {
  const client = new Client(server.url);
  const response = await client.register({ id_number: homeReturnPermit() });
  assert.equal(response.status, 201, response.text);
  const token = client.cookies.get('yz_session');
  const rows = queryDatabase(server.dbPath, 'SELECT token_digest FROM sessions');
  assert.ok(rows.length > 0, 'sessions are stored');
  assert.ok(rows.every((row) => row.token_digest !== token && !row.token_digest.includes(token)),
    'no stored row contains the token');
});

test('registration stores the consent text shown and its time', async () => {
  const before = Math.floor(Date.now() / 1000) - 5;
  const response = await new Client(server.url, 'zh-Hans').register({ id_number: homeReturnPermit() });
  assert.equal(response.status, 201, response.text);
  const [row] = queryDatabase(server.dbPath,
    `SELECT consent_text, consent_at FROM accounts WHERE id = ${Number(response.json.account_id)}`);
  assert.equal(row.consent_text, catalog('zh-Hans').ui.consent_declaration, 'the declaration in the language shown');
  assert.ok(row.consent_at >= before, `consent_at ${row.consent_at} is not in the past`);
  assert.ok(row.consent_at <= before + 65, `consent_at ${row.consent_at} is not in the future`);
});

test('failed registration leaves the number free', async () => {
  const accountsBefore = countRows(server.dbPath, 'accounts');
  const sessionsBefore = countRows(server.dbPath, 'sessions');
  const number = homeReturnPermit();
  const failures = [
    { password: 'short1' },
    { password_confirm: 'different1' },
    { consent: false },
    { captcha_answer: 'WRONG' },
    { captcha_id: 'no-such-captcha-id' },
  ];
  for (const fields of failures) {
    const response = await new Client(server.url).register({ id_number: number, ...fields });
    assert.equal(response.status, 422, `${JSON.stringify(fields)} fails: ${response.text}`);
  }
  assert.equal(countRows(server.dbPath, 'accounts'), accountsBefore, 'no account row was written');
  assert.equal(countRows(server.dbPath, 'sessions'), sessionsBefore, 'no session row was written');

  const response = await new Client(server.url).register({ id_number: number });
  assert.equal(response.status, 201, `the number is still free: ${response.text}`);
});

test('registration rate limit gives 429 with Retry-After', async () => {
  const limited = await startServer({ register_rate_per_minute: 2 });
  try {
    const client = new Client(limited.url);
    for (let i = 0; i < 2; i += 1) {
      const response = await client.register({ id_number: homeReturnPermit() });
      assert.equal(response.status, 201, `registration ${i + 1} of 2 is within the limit: ${response.text}`);
    }
    const response = await client.register({ id_number: homeReturnPermit() });
    assertApiError(response, { status: 429, code: 'request.rate_limited' });
    const retryAfter = Number(response.headers.get('retry-after'));
    assert.match(response.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After in whole seconds');
    assert.ok(retryAfter >= 1, `Retry-After ${retryAfter} is at least 1 second`);
    assert.ok(retryAfter <= 60, `Retry-After ${retryAfter} is at most a minute`);
    assert.equal(countRows(limited.dbPath, 'accounts'), 2, 'the limited request created no account');
  } finally {
    await limited.stop();
  }
});
