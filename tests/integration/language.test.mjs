// Languages: error messages by Accept-Language and the lang cookie, the
// /lang switch and its redirect guard, and the language remembered on the
// account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, catalog, uniqueHomeReturnPermit } from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const catalogs = { 'zh-Hant': catalog('zh-Hant'), 'zh-Hans': catalog('zh-Hans'), en: catalog('en') };

// The message the server should send for a missing id_number, built from
// the catalog of `language`: the template with the field label filled in.
function missingIdNumberMessage(language) {
  const { ui, errors } = catalogs[language];
  return errors['request.field_missing'].replace('{field}', ui.field_id_number);
}

// Register without id_number, so the error names a field.
async function registerWithoutIdNumber(client, headers = {}) {
  const body = {
    id_type: 'home_return_permit', password: 'abc12345', password_confirm: 'abc12345',
    captcha_id: 'unused-captcha-id', captcha_answer: '0000', consent: true,
  };
  return client.request('POST', '/api/v1/accounts', { json: body, headers });
}

test('catalogs name the field differently in each language', () => {
  const messages = Object.keys(catalogs).map(missingIdNumberMessage);
  assert.equal(new Set(messages).size, 3, `three distinct messages: ${messages.join(' | ')}`);
});

test('error messages are in zh-Hant by default', async () => {
  const response = await registerWithoutIdNumber(new Client(server.url));
  assertApiError(response, { status: 422, code: 'request.field_missing', field: 'id_number' });
  assert.equal(response.json.error.message, missingIdNumberMessage('zh-Hant'));
});

test('Accept-Language selects the message language', async () => {
  const cases = [
    ['zh-Hans', 'zh-Hans'],
    ['zh-CN,zh;q=0.9', 'zh-Hans'],
    ['zh', 'zh-Hans'],
    ['zh-TW', 'zh-Hant'],
    ['zh-HK,en;q=0.5', 'zh-Hant'],
    ['zh-Hant-HK', 'zh-Hant'],
    ['en', 'en'],
    ['en-GB,en;q=0.8', 'en'],
    ['fr-FR, en;q=0.5', 'en'],
    ['en;q=0, zh-Hans', 'zh-Hans'],
    ['fr, de', 'zh-Hant'],
    ['', 'zh-Hant'],
  ];
  for (const [header, language] of cases) {
    const response = await registerWithoutIdNumber(new Client(server.url), { 'accept-language': header });
    assert.equal(response.json.error.message, missingIdNumberMessage(language),
      `Accept-Language ${JSON.stringify(header)} gives ${language}`);
  }
});

test('lang cookie selects the message language', async () => {
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const response = await registerWithoutIdNumber(new Client(server.url, language));
    assert.equal(response.json.error.message, missingIdNumberMessage(language), `lang=${language}`);
  }
});

test('cached error body keeps each language', async () => {
  // The server keeps such bodies once built. Asking in turns checks that
  // one language's body is never sent for another.
  for (const language of ['zh-Hant', 'en', 'zh-Hans', 'en', 'zh-Hant', 'zh-Hans']) {
    const response = await new Client(server.url, language).request('GET', '/api/v1/me');
    assertApiError(response, { status: 401, code: 'auth.required' }, language);
    assert.equal(response.json.error.message, catalogs[language].errors['auth.required'], language);
  }
});

test('lang cookie wins over Accept-Language', async () => {
  const response = await registerWithoutIdNumber(new Client(server.url, 'en'), { 'accept-language': 'zh-Hans' });
  assert.equal(response.json.error.message, missingIdNumberMessage('en'));
});

test('unsupported lang cookie falls back to Accept-Language', async () => {
  const response = await registerWithoutIdNumber(new Client(server.url, 'fr'), { 'accept-language': 'zh-Hans' });
  assert.equal(response.json.error.message, missingIdNumberMessage('zh-Hans'));
});

test('field label in a type error is in the request language', async () => {
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const client = new Client(server.url, language);
    const response = await client.request('POST', '/api/v1/accounts', { json: { id_number: 12345678 } });
    assertApiError(response, { status: 400, code: 'request.wrong_type', field: 'id_number' }, language);
    const { ui, errors } = catalogs[language];
    assert.equal(response.json.error.message, errors['request.wrong_type'].replace('{field}', ui.field_id_number),
      `${language} message with the ${language} label`);
  }
});

test('pages are rendered in the cookie language', async () => {
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const response = await new Client(server.url, language).request('GET', '/login');
    assert.equal(response.status, 200);
    assert.match(response.text, new RegExp(`<html lang="${language}">`), `html lang for ${language}`);
    assert.ok(response.text.includes(`<h1>${catalogs[language].ui.login_title}</h1>`), `heading in ${language}`);
  }
});

test('/lang sets the cookie and redirects to next', async () => {
  const client = new Client(server.url);
  const response = await client.request('GET', '/lang?to=zh-Hans&next=/login');
  assert.equal(response.status, 303, response.text);
  assert.equal(response.headers.get('location'), '/login');
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('lang='));
  assert.match(cookie ?? '', /^lang=zh-Hans;/, `lang cookie: ${cookie}`);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=[1-9]\d{6,}/, 'the choice lasts for months, not the session');

  const page = await client.request('GET', '/login');
  assert.match(page.text, /<html lang="zh-Hans">/, 'the next page is in zh-Hans');
});

test('/lang keeps the query of next', async () => {
  const response = await new Client(server.url).request('GET',
    `/lang?to=en&next=${encodeURIComponent('/login?switched=1')}`);
  assert.equal(response.headers.get('location'), '/login?switched=1');
});

test('/lang without next redirects home', async () => {
  const response = await new Client(server.url).request('GET', '/lang?to=en');
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/');
});

test('/lang rejects an unsupported language without redirecting', async () => {
  for (const to of ['fr', '', 'EN', 'zh-hant', 'en%0d%0aSet-Cookie:%20x=1']) {
    const response = await new Client(server.url).request('GET', `/lang?to=${to}&next=/login`);
    assert.equal(response.status, 400, `to=${to}: ${response.status}`);
    assert.equal(response.headers.get('location'), null, `to=${to}: no redirect`);
    assert.ok(!response.headers.getSetCookie().some((line) => line.startsWith('lang=')), `to=${to}: no lang cookie`);
  }
});

test('/lang never redirects off-site', async () => {
  const attempts = [
    '//evil.example',
    '//evil.example/login',
    'https://evil.example',
    'http://evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/%09/evil.example',
    '/%0d%0aLocation:%20https://evil.example',
    'javascript:alert(1)',
    'evil.example',
    '%2F%2Fevil.example',
    ' //evil.example',
  ];
  for (const next of attempts) {
    const response = await new Client(server.url).request('GET', `/lang?to=en&next=${encodeURIComponent(next)}`);
    assert.equal(response.status, 303, `next=${next}`);
    const location = response.headers.get('location');
    const target = new URL(location, server.url);
    assert.equal(target.origin, server.url, `next=${JSON.stringify(next)} stays on this site, got ${location}`);
    assert.ok(!/[\r\n\t\\]/.test(location), `next=${JSON.stringify(next)}: Location has no control characters`);
    assert.ok(!location.startsWith('//'), `next=${JSON.stringify(next)}: Location is not protocol-relative`);
  }
});

// Register and log in a fresh account; returns its credentials.
async function newAccount(language) {
  const idNumber = uniqueHomeReturnPermit();
  const response = await new Client(server.url, language).register({ id_number: idNumber });
  assert.equal(response.status, 201, response.text);
  return { id_type: 'home_return_permit', id_number: idNumber, password: 'abc12345' };
}

test('registration remembers the language it was made in', async () => {
  const credentials = await newAccount('en');
  const fresh = new Client(server.url);
  const response = await fresh.login(credentials);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.language, 'en');
  assert.equal(fresh.cookies.get('lang'), 'en', 'login hands back the remembered language');
});

test('PUT /api/v1/me/language stores the language on the account', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);

  const response = await client.request('PUT', '/api/v1/me/language', { json: { language: 'zh-Hans' } });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.language, 'zh-Hans');
  assert.equal(client.cookies.get('lang'), 'zh-Hans', 'the lang cookie follows the stored language');

  const fresh = new Client(server.url);
  const login = await fresh.login(credentials);
  assert.equal(login.status, 200, login.text);
  assert.equal(fresh.cookies.get('lang'), 'zh-Hans', 'a fresh login without a lang cookie gets one back');
  const me = await fresh.request('GET', '/api/v1/me');
  assert.equal(me.json.language, 'zh-Hans');
});

test('/lang while logged in stores the language on the account', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);
  await client.request('GET', '/lang?to=en&next=/me');

  const fresh = new Client(server.url);
  await fresh.login(credentials);
  assert.equal(fresh.cookies.get('lang'), 'en');
});

test('PUT /api/v1/me/language rejects an unsupported language', async () => {
  const credentials = await newAccount();
  const client = new Client(server.url);
  await client.login(credentials);
  client.cookies.set('lang', 'en');
  const response = await client.request('PUT', '/api/v1/me/language', { json: { language: 'fr' } });
  assertApiError(response, { status: 422, code: 'request.language_unsupported', field: 'language' });
  assert.equal(response.json.error.message, catalogs.en.errors['request.language_unsupported']);
  const me = await client.request('GET', '/api/v1/me');
  assert.notEqual(me.json.language, 'fr', 'nothing was stored');
});

test('PUT /api/v1/me/language needs a session', async () => {
  const response = await new Client(server.url).request('PUT', '/api/v1/me/language', { json: { language: 'en' } });
  assertApiError(response, { status: 401, code: 'auth.required' });
});
