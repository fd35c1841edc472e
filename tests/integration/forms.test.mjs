// The HTML forms: CSRF protection, successful registration and login,
// errors re-rendered in the page's language, logout and "switch account".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, countRows, catalog, uniqueHomeReturnPermit,
} from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// Decode the few entities the templates produce in attribute values.
function unescapeHtml(text) {
  return text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

// The value of the input named `name` in `html`, or undefined.
function inputValue(html, name) {
  for (const match of html.matchAll(/<input\b[^>]*>/g)) {
    const tag = match[0];
    if (!new RegExp(`\\bname="${name}"`).test(tag)) continue;
    const value = /\bvalue="([^"]*)"/.exec(tag);
    return value ? unescapeHtml(value[1]) : '';
  }
  return undefined;
}

// Open `path` and return the page with its csrf token and captcha id.
async function openForm(client, path) {
  const page = await client.request('GET', path);
  assert.equal(page.status, 200, `GET ${path}: ${page.status}`);
  const csrf = inputValue(page.text, 'csrf');
  const captchaId = inputValue(page.text, 'captcha_id');
  assert.ok(csrf, `${path} has a hidden csrf input`);
  assert.ok(captchaId, `${path} has a captcha_id input`);
  return { page, csrf, captchaId };
}

async function submitRegistration(client, fields = {}) {
  const { csrf, captchaId } = await openForm(client, '/register');
  const form = {
    csrf, id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'abc12345',
    password_confirm: 'abc12345', captcha_id: captchaId, captcha_answer: '0000', consent: 'on', ...fields,
  };
  for (const [name, value] of Object.entries(form)) if (value === undefined) delete form[name];
  const response = await client.request('POST', '/register', { form });
  return { ...response, sent: form };
}

async function submitLogin(client, fields) {
  const { csrf, captchaId } = await openForm(client, '/login');
  const form = { csrf, captcha_id: captchaId, captcha_answer: '0000', ...fields };
  for (const [name, value] of Object.entries(form)) if (value === undefined) delete form[name];
  return client.request('POST', '/login', { form });
}

function sessionCookie(response) {
  return response.headers.getSetCookie().find((line) => line.startsWith('yz_session=') && !/Max-Age=0/i.test(line));
}

test('form pages set the yz_csrf cookie that the hidden field echoes', async () => {
  const client = new Client(server.url);
  const { page, csrf } = await openForm(client, '/login');
  const cookie = page.headers.getSetCookie().find((line) => line.startsWith('yz_csrf='));
  assert.ok(cookie, 'a yz_csrf cookie is set');
  assert.match(cookie, /SameSite=(Strict|Lax)/i);
  assert.equal(client.cookies.get('yz_csrf'), csrf, 'the hidden field carries the cookie value');

  const again = await openForm(client, '/register');
  assert.equal(again.csrf, csrf, 'the token stays the same for this browser');
});

test('form POST without the csrf field is 403 and creates nothing', async () => {
  const before = countRows(server.dbPath, 'accounts');
  const client = new Client(server.url, 'en');
  const response = await submitRegistration(client, { csrf: undefined });
  assert.equal(response.status, 403, response.text.slice(0, 200));
  assert.ok(response.text.includes(catalog('en').errors['request.csrf_failed']), 'the page explains the failure');
  assert.equal(sessionCookie(response), undefined, 'no session cookie');
  assert.equal(countRows(server.dbPath, 'accounts'), before, 'no account was created');
});

test('form POST with a wrong csrf token is 403 and creates nothing', async () => {
  const before = countRows(server.dbPath, 'accounts');
  for (const csrf of ['', 'x', 'A'.repeat(32), 'not a token at all !!']) {
    const client = new Client(server.url);
    const response = await submitRegistration(client, { csrf });
    assert.equal(response.status, 403, `csrf ${JSON.stringify(csrf)}`);
    assert.equal(sessionCookie(response), undefined, `csrf ${JSON.stringify(csrf)}: no session cookie`);
  }
  assert.equal(countRows(server.dbPath, 'accounts'), before, 'no account was created');
});

test('form POST with the csrf field but no yz_csrf cookie is 403', async () => {
  const before = countRows(server.dbPath, 'accounts');
  const client = new Client(server.url);
  const { csrf, captchaId } = await openForm(client, '/register');
  client.cookies.delete('yz_csrf');
  const response = await client.request('POST', '/register', {
    form: {
      csrf, id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'abc12345',
      password_confirm: 'abc12345', captcha_id: captchaId, captcha_answer: '0000', consent: 'on',
    },
  });
  assert.equal(response.status, 403);
  assert.equal(countRows(server.dbPath, 'accounts'), before, 'no account was created');
});

test('csrf token of one browser does not work in another', async () => {
  const victim = new Client(server.url);
  const { csrf } = await openForm(victim, '/register');
  const attacker = new Client(server.url);
  await openForm(attacker, '/register');
  const response = await submitRegistration(attacker, { csrf });
  assert.equal(response.status, 403);
});

test('login form without csrf is 403', async () => {
  const registered = await submitRegistration(new Client(server.url));
  assert.equal(registered.status, 303);
  const client = new Client(server.url);
  const response = await submitLogin(client, {
    csrf: undefined, id_type: 'home_return_permit', id_number: registered.sent.id_number, password: 'abc12345',
  });
  assert.equal(response.status, 403);
  assert.equal(sessionCookie(response), undefined, 'no session cookie');
});

test('form POST from another origin is 403 even with a valid token', async () => {
  const client = new Client(server.url);
  const { csrf, captchaId } = await openForm(client, '/register');
  const response = await client.request('POST', '/register', {
    form: {
      csrf, id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'abc12345',
      password_confirm: 'abc12345', captcha_id: captchaId, captcha_answer: '0000', consent: 'on',
    },
    headers: { origin: 'http://evil.example' },
  });
  assert.equal(response.status, 403);
  assert.equal(sessionCookie(response), undefined);
});

test('registration form success opens the personal information form', async () => {
  const client = new Client(server.url);
  const response = await submitRegistration(client);
  assert.equal(response.status, 303, response.text.slice(0, 300));
  assert.equal(new URL(response.headers.get('location'), server.url).pathname, '/me/profile',
    'registration logs in and opens the personal-information form');
  const form = await client.request('GET', response.headers.get('location'));
  assert.equal(form.status, 200, 'the personal-information form opens');
  const cookie = sessionCookie(response);
  assert.ok(cookie, 'a session cookie is set');
  assert.match(cookie, /HttpOnly/i);

  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, 'the form session works for the API');
  const page = await client.request('GET', '/me');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(registered(response)), 'the personal center shows the masked number');
});

// The masked form of the number that `response` registered.
function registered(response) {
  const number = response.sent.id_number;
  return `${number.slice(0, 4)}****${number.at(-1)}`;
}

test('login form success redirects to /me with a session', async () => {
  const registration = await submitRegistration(new Client(server.url));
  const client = new Client(server.url);
  const response = await submitLogin(client, {
    id_type: 'home_return_permit', id_number: registration.sent.id_number.toLowerCase(), password: 'abc12345',
  });
  assert.equal(response.status, 303, response.text.slice(0, 300));
  assert.equal(response.headers.get('location'), '/me');
  assert.ok(sessionCookie(response), 'a session cookie is set');
  const page = await client.request('GET', '/me');
  assert.equal(page.status, 200, 'the personal center opens');
});

test('login page redirects to /me when already logged in', async () => {
  const client = new Client(server.url);
  await submitRegistration(client);
  const response = await client.request('GET', '/login');
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/me');
});

test('/me without a session redirects to /login', async () => {
  const response = await new Client(server.url).request('GET', '/me');
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/login');
});

test('form error re-renders the page in its language and keeps the ID number', async () => {
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const client = new Client(server.url, language);
    const typed = 'h12 34';
    const response = await submitRegistration(client, { id_number: typed });
    assert.equal(response.status, 422, `${language}: ${response.status}`);
    assert.match(response.headers.get('content-type'), /^text\/html/);
    assert.match(response.text, new RegExp(`<html lang="${language}">`), `${language}: the page language`);
    assert.ok(response.text.includes(catalog(language).errors['account.id_number_invalid']),
      `${language}: the error message in ${language}`);
    assert.equal(inputValue(response.text, 'id_number'), typed, `${language}: the typed ID number is kept`);
    assert.equal(inputValue(response.text, 'password'), '', `${language}: the password field is empty`);
    assert.ok(!response.text.includes('abc12345'), `${language}: the password does not appear in the page`);
    assert.ok(inputValue(response.text, 'captcha_id'), `${language}: a fresh captcha`);
    assert.notEqual(inputValue(response.text, 'captcha_id'), response.sent.captcha_id, `${language}: a new captcha id`);
  }
});

test('form error keeps the chosen ID type and the consent tick', async () => {
  const response = await submitRegistration(new Client(server.url), { id_type: 'passport', id_number: 'E1' });
  assert.equal(response.status, 422);
  assert.match(response.text, /<option value="passport" selected>/, 'passport stays selected');
  assert.match(response.text, /name="consent" id="consent" checked/, 'the consent tick stays');
});

test('typed ID number is escaped when re-rendered', async () => {
  const typed = '"><script>alert(1)</script>';
  const response = await submitRegistration(new Client(server.url), { id_number: typed });
  assert.equal(response.status, 422);
  assert.ok(!response.text.includes('<script>alert(1)</script>'), 'the markup is not injected');
  assert.equal(inputValue(response.text, 'id_number'), typed, 'the value round-trips as text');
});

test('failed form registration creates nothing', async () => {
  const before = countRows(server.dbPath, 'accounts');
  const number = uniqueHomeReturnPermit();
  for (const fields of [{ consent: undefined }, { password_confirm: 'other123' }, { captcha_answer: 'WRONG' }]) {
    const response = await submitRegistration(new Client(server.url), { id_number: number, ...fields });
    assert.equal(response.status, 422, JSON.stringify(fields));
  }
  assert.equal(countRows(server.dbPath, 'accounts'), before);
  const response = await submitRegistration(new Client(server.url), { id_number: number });
  assert.equal(response.status, 303, 'the number can still register');
});

test('login form error uses the generic message', async () => {
  const client = new Client(server.url, 'en');
  const response = await submitLogin(client, {
    id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'wrong9999',
  });
  assert.equal(response.status, 401);
  assert.ok(response.text.includes(catalog('en').errors['auth.invalid_credentials']));
});

test('logout form ends the session', async () => {
  const client = new Client(server.url);
  await submitRegistration(client);
  const token = client.cookies.get('yz_session');
  const csrf = client.cookies.get('yz_csrf');

  const response = await client.request('POST', '/logout', { form: { csrf } });
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/login');
  assert.equal(client.cookies.get('yz_session'), undefined, 'the session cookie is cleared');

  const replay = new Client(server.url);
  replay.cookies.set('yz_session', token);
  const me = await replay.request('GET', '/api/v1/me');
  assert.equal(me.status, 401, 'the old session no longer works');
});

test('logout form without csrf keeps the session', async () => {
  const client = new Client(server.url);
  await submitRegistration(client);
  const response = await client.request('POST', '/logout', { form: {} });
  assert.equal(response.status, 403);
  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, 'a forged logout does not end the session');
});

test('switch account ends the session and returns to the login page', async () => {
  const client = new Client(server.url, 'en');
  await submitRegistration(client);
  const token = client.cookies.get('yz_session');
  const page = await client.request('GET', '/me');
  assert.match(page.text, /action="\/switch-account"/, 'the personal center offers "switch account"');

  const response = await client.request('POST', '/switch-account', { form: { csrf: inputValue(page.text, 'csrf') } });
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/login?switched=1');

  const replay = new Client(server.url);
  replay.cookies.set('yz_session', token);
  assert.equal((await replay.request('GET', '/api/v1/me')).status, 401, 'the old session no longer works');

  const login = await client.request('GET', '/login?switched=1');
  assert.equal(login.status, 200, 'the login page opens instead of redirecting to /me');
  assert.ok(login.text.includes(catalog('en').ui.switched_notice), 'the login page says the user was logged out');
});
