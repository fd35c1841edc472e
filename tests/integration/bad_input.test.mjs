// Bad input of every kind: broken JSON, wrong types, invalid UTF-8, huge
// bodies, wrong content types, cross-site origins, path tricks, unknown
// routes and malformed HTTP. Each gets a 4xx in the documented error shape
// and in the request's language. Afterwards the server still responds and
// the database is unchanged.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, rawRequest, assertApiError, countRows, catalog, uniqueHomeReturnPermit,
} from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const en = catalog('en');

// After every test the server still responds to /healthz, and no account or
// session was written because no test in this file should create one.
afterEach(async () => {
  const health = await new Client(server.url).request('GET', '/healthz');
  assert.equal(health.status, 200, 'the server still responds to /healthz');
  assert.equal(countRows(server.dbPath, 'accounts'), 0, 'no account was created');
  assert.equal(countRows(server.dbPath, 'sessions'), 0, 'no session was created');
});

// An English-speaking client, so messages can be compared with the catalog.
function englishClient() {
  return new Client(server.url, 'en');
}

// Assert an API error and that its message is the English catalog text,
// with the field's English label filled in where the message names it.
function assertEnglishError(response, expected, context = '') {
  assertApiError(response, expected, context);
  let message = en.errors[expected.code];
  if (expected.field) message = message.replace('{field}', en.ui[`field_${expected.field}`] ?? expected.field);
  assert.equal(response.json.error.message, message, `English message${context ? ` (${context})` : ''}`);
}

function postJsonText(body, headers = {}) {
  return englishClient().request('POST', '/api/v1/accounts',
    { body, headers: { 'content-type': 'application/json', ...headers } });
}

// A registration body that would succeed, to corrupt one part at a time.
function validRegistration(overrides = {}) {
  return {
    id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'abc12345',
    password_confirm: 'abc12345', captcha_id: 'none', captcha_answer: '0000', consent: true, ...overrides,
  };
}

test('malformed JSON is 400 request.malformed_json', async () => {
  for (const body of ['{', '{"id_type": }', '{"id_type": "passport",}', "{'id_type': 'passport'}", '',
    '{"a":1} trailing', 'nul']) {
    const response = await postJsonText(body);
    assertEnglishError(response, { status: 400, code: 'request.malformed_json' }, `body ${JSON.stringify(body)}`);
  }
});

test('JSON that is not an object is 400 request.expected_object', async () => {
  for (const body of ['[]', '[{"id_type":"passport"}]', '"text"', '42', 'null', 'true']) {
    const response = await postJsonText(body);
    assertEnglishError(response, { status: 400, code: 'request.expected_object' }, `body ${body}`);
  }
});

test('deeply nested JSON is rejected without harm', async () => {
  const depth = 30000;
  const arrays = await postJsonText('['.repeat(depth) + ']'.repeat(depth));
  assertEnglishError(arrays, { status: 400, code: 'request.expected_object' }, 'nested arrays');
  const objects = await postJsonText('{"a":'.repeat(6000) + '1' + '}'.repeat(6000));
  assert.equal(objects.status, 400, 'nested objects');
});

test('unknown field is 400 request.unknown_field naming it', async () => {
  const response = await englishClient().request('POST', '/api/v1/accounts',
    { json: validRegistration({ is_admin: true }) });
  assertApiError(response, { status: 400, code: 'request.unknown_field', field: 'is_admin' });
  assert.equal(response.json.error.message, 'Unknown field: is_admin.');
});

test('unknown field name is cut short in the error', async () => {
  const name = 'x'.repeat(5000);
  const response = await englishClient().request('POST', '/api/v1/accounts', { json: validRegistration({ [name]: 1 }) });
  assert.equal(response.status, 400);
  assert.equal(response.json.error.code, 'request.unknown_field');
  assert.ok(response.json.error.field.length <= 64, `field is capped, got ${response.json.error.field.length}`);
  assert.ok(response.text.length < 1000, 'the body does not echo the whole name');
});

test('wrong JSON types are 400 request.wrong_type naming the field', async () => {
  const cases = [
    [{ id_number: 12345678 }, 'id_number'],
    [{ consent: 'true' }, 'consent'],
    [{ consent: 1 }, 'consent'],
    [{ password: ['abc12345'] }, 'password'],
    [{ id_type: { name: 'passport' } }, 'id_type'],
    [{ captcha_answer: 0 }, 'captcha_answer'],
  ];
  for (const [overrides, field] of cases) {
    const response = await englishClient().request('POST', '/api/v1/accounts',
      { json: validRegistration(overrides) });
    assertEnglishError(response, { status: 400, code: 'request.wrong_type', field }, JSON.stringify(overrides));
  }
});

test('invalid UTF-8 in a JSON body is 400 request.invalid_utf8', async () => {
  const sequences = [
    [0xff, 0xfe],             // bytes that never occur in UTF-8
    [0xc3],                   // a lead byte without its continuation
    [0xc0, 0xaf],             // overlong encoding of '/'
    [0xe0, 0x80, 0xaf],       // overlong three-byte encoding
    [0xed, 0xa0, 0x80],       // UTF-16 surrogate U+D800
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  ];
  for (const bytes of sequences) {
    const body = Buffer.concat([Buffer.from('{"id_number":"H1'), Buffer.from(bytes), Buffer.from('2345678"}')]);
    const response = await postJsonText(body);
    assertEnglishError(response, { status: 400, code: 'request.invalid_utf8' },
      `bytes ${bytes.map((b) => b.toString(16)).join(' ')}`);
  }
});

test('JSON string escapes of lone surrogates are rejected', async () => {
  const response = await postJsonText('{"id_number":"H1234\\ud800"}');
  assert.equal(response.status, 400, response.text);
});

test('body over 64 KiB is 413 request.too_large', async () => {
  const body = JSON.stringify(validRegistration({ id_number: 'H'.repeat(70 * 1024) }));
  const response = await englishClient().request('POST', '/api/v1/accounts',
    { body, headers: { 'content-type': 'application/json' } });
  assertApiError(response, { status: 413, code: 'request.too_large' });
});

test('413 message is in the request language', async () => {
  const body = 'x'.repeat(70 * 1024);
  const response = await englishClient().request('POST', '/api/v1/accounts',
    { body, headers: { 'content-type': 'application/json', 'accept-language': 'en' } });
  assertEnglishError(response, { status: 413, code: 'request.too_large' });
});

test('declared oversize Content-Length is rejected before the body arrives', async () => {
  const request = 'POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    'Content-Length: 1000000000\r\n\r\n{';
  const started = Date.now();
  const response = await rawRequest(server.port, request, { timeoutMs: 5000 });
  assert.equal(response.status, 413, response.head);
  assert.ok(Date.now() - started < 4000, 'the server does not wait for a gigabyte');
});

test('chunked body over 64 KiB is 413', async () => {
  const chunk = 'x'.repeat(16 * 1024);
  const chunks = Array.from({ length: 5 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
  const request = 'POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`;
  const response = await rawRequest(server.port, request);
  assert.equal(response.status, 413, response.head);
});

test('API write without Content-Type is 415 request.expected_json', async () => {
  const body = JSON.stringify(validRegistration());
  const cases = [
    ['POST', '/api/v1/accounts', undefined],
    ['POST', '/api/v1/accounts', 'text/plain'],
    ['POST', '/api/v1/accounts', 'application/x-www-form-urlencoded'],
    ['POST', '/api/v1/accounts', 'multipart/form-data; boundary=x'],
    ['POST', '/api/v1/session', 'text/plain;charset=UTF-8'],
    ['PUT', '/api/v1/me/language', 'text/plain'],
  ];
  for (const [method, path, type] of cases) {
    const headers = type ? { 'content-type': type } : {};
    const response = await englishClient().request(method, path, { body, headers });
    assertEnglishError(response, { status: 415, code: 'request.expected_json' }, `${method} ${path} as ${type}`);
  }
});

test('API write from another origin is 403 request.cross_origin', async () => {
  const port = new URL(server.url).port;
  const origins = ['http://evil.example', `http://evil.example:${port}`, `http://127.0.0.2:${port}`,
    'http://127.0.0.1', 'null', `http://127.0.0.1:${port}.evil.example`];
  for (const origin of origins) {
    const response = await englishClient().request('POST', '/api/v1/accounts',
      { json: validRegistration(), headers: { origin } });
    assertEnglishError(response, { status: 403, code: 'request.cross_origin' }, `Origin ${origin}`);
  }
});

test('API write from this origin passes the origin check', async () => {
  const response = await englishClient().request('POST', '/api/v1/accounts',
    { json: { id_type: 'home_return_permit' }, headers: { origin: server.url } });
  assert.equal(response.status, 422, `the request reaches the handler: ${response.text}`);
});

test('cross-origin logout leaves the session alone', async () => {
  const client = new Client(server.url);
  client.cookies.set('yz_session', 'A'.repeat(43));
  const response = await client.request('DELETE', '/api/v1/session', { headers: { origin: 'http://evil.example' } });
  assertApiError(response, { status: 403, code: 'request.cross_origin' });
  assert.equal(response.headers.getSetCookie().length, 0, 'no cookie is cleared');
});

test('path tricks never serve files outside the static folder', async () => {
  const markers = ['namespace yizhan', 'cmake_minimum_required', 'language_switch_label', 'root:x:0:0'];
  const targets = [
    '/static/../src/web/app.cpp',
    '/static/%2e%2e/CMakeLists.txt',
    '/static/%2E%2E/CMakeLists.txt',
    '/static/css/../../i18n/en.json',
    '/static/css/%2e%2e/%2e%2e/i18n/en.json',
    '/static/%2e%2e%2f%2e%2e%2fCMakeLists.txt',
    '/static/..%2f..%2fCMakeLists.txt',
    '/static/..%5c..%5cCMakeLists.txt',
    '/static/%c0%ae%c0%ae/CMakeLists.txt',
    '/static/css/site.css%00.txt',
    '/static/css/%00',
    '/static/%00/../../CMakeLists.txt',
    '/static//etc/passwd',
    '/static/%2fetc%2fpasswd',
    '/static/css/../../../../../../etc/passwd',
    '/static/i18n/en.json',
    '/static/%',
    '/static/%4',
    '/static/%zz',
    '/static/%%32%65%%32%65/CMakeLists.txt',
    `/static/${'a'.repeat(7000)}`,
    `/static/${'../'.repeat(3000)}CMakeLists.txt`,
  ];
  for (const target of targets) {
    const response = await rawRequest(server.port,
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const label = target.length > 60 ? `${target.slice(0, 60)}... (${target.length} characters)` : target;
    assert.ok(response.status >= 400, `${label}: an error status, got ${response.status}`);
    assert.ok(response.status < 500, `${label}: a client error, not a server error, got ${response.status}`);
    for (const marker of markers) {
      assert.ok(!response.body.includes(marker), `${label}: body contains "${marker}"`);
    }
  }
});

test('overlong request target is 431 request.headers_too_large', async () => {
  const response = await rawRequest(server.port,
    `GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  assert.equal(response.status, 431, response.head);
  assert.equal(JSON.parse(response.body).error.code, 'request.headers_too_large');
});

test('encoded NUL or invalid UTF-8 in an API path is 400 request.malformed_path', async () => {
  for (const path of ['/api/v1/me%00', '/api/v1/%ff%fe', '/api/v1/%c0%ae']) {
    const response = await englishClient().request('GET', path);
    assertEnglishError(response, { status: 400, code: 'request.malformed_path' }, path);
  }
});

test('bad percent escapes in an API path get a JSON error', async () => {
    for (const path of ['/api/v1/%zz', '/api/v1/me%', '/api/v1/me%4']) {
      const response = await englishClient().request('GET', path);
      assertEnglishError(response, { status: 400, code: 'request.malformed_path' }, path);
    }
  });

test('bad escapes in a query are 400 request.malformed_query', async () => {
  const response = await englishClient().request('GET', '/api/v1/captcha?x=%zz');
  assertEnglishError(response, { status: 400, code: 'request.malformed_query' });
});

test('unknown routes are 404 request.not_found', async () => {
  for (const path of ['/api/v1/nothing', '/api/v1/', '/api/v2/me', '/api/v1/me/extra', '/api/v1/ME']) {
    const response = await englishClient().request('GET', path);
    assertEnglishError(response, { status: 404, code: 'request.not_found' }, path);
  }
  for (const path of ['/nothing', '/static/none.css', '/static/css/none.css', '/login/extra']) {
    const response = await englishClient().request('GET', path);
    assert.equal(response.status, 404, path);
    assert.match(response.headers.get('content-type'), /^text\/html/, `${path}: pages get an HTML error page`);
    assert.ok(response.text.includes(en.errors['request.not_found']), `${path}: the English message`);
  }
});

test('wrong method is 405 request.method_not_allowed', async () => {
  const cases = [
    ['POST', '/api/v1/me'],
    ['DELETE', '/api/v1/captcha'],
    ['PATCH', '/api/v1/accounts'],
    ['GET', '/api/v1/accounts'],
    ['PUT', '/api/v1/session'],
    ['OPTIONS', '/api/v1/me'],
  ];
  for (const [method, path] of cases) {
    const options = ['GET', 'OPTIONS'].includes(method) ? {} : { json: {} };
    const response = await englishClient().request(method, path, options);
    assertEnglishError(response, { status: 405, code: 'request.method_not_allowed' }, `${method} ${path}`);
  }
});

test('405 names the allowed methods in Allow', async () => {
  const response = await englishClient().request('POST', '/api/v1/me', { json: {} });
  assert.equal(response.status, 405);
  assert.match(response.headers.get('allow') ?? '', /\bGET\b/, 'RFC 9110 requires Allow on a 405');
});

test('malformed HTTP over a raw socket is 400 request.malformed', async () => {
  const requests = [
    'GARBAGE\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /a b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /\u0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
    'POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n',
  ];
  for (const request of requests) {
    const response = await rawRequest(server.port, request);
    const label = JSON.stringify(request.split('\r\n')[0]);
    assert.equal(response.status, 400, `${label}: ${response.head}`);
    assert.equal(JSON.parse(response.body).error.code, 'request.malformed', label);
    assert.ok(response.closedByServer, `${label}: the server closes the connection`);
  }
});

test('malformed form body on a page is 400 request.malformed_form', async () => {
  const response = await englishClient().request('POST', '/login',
    { body: 'id_type=passport&id_number=%zz', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(response.status, 400);
  assert.ok(response.text.includes(en.errors['request.malformed_form']), 'the English message in the page');
});

test('invalid UTF-8 in a form body is 400 request.invalid_utf8', async () => {
  const response = await englishClient().request('POST', '/register',
    { body: 'id_number=H1%FF2345678', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(response.status, 400);
  assert.ok(response.text.includes(en.errors['request.invalid_utf8']), 'the English message in the page');
});

test('page POST that is not a form is 415 request.expected_form', async () => {
  const response = await englishClient().request('POST', '/login', { json: { id_type: 'passport' } });
  assert.equal(response.status, 415);
  assert.ok(response.text.includes(en.errors['request.expected_form']), 'the English message in the page');
});

test('NUL and control characters inside an ID number are rejected', async () => {
  // Whitespace (tab, newline) is removed by normalisation like a space; the
  // other control characters make the number invalid.
  for (const idNumber of ['H1234\u00005678', 'H1234\u00015678', 'H12345678\u007f', 'H1234\u00855678']) {
    const response = await englishClient().request('POST', '/api/v1/accounts',
      { json: validRegistration({ id_number: idNumber }) });
    assertEnglishError(response, { status: 422, code: 'account.id_number_invalid', field: 'id_number' },
      JSON.stringify(idNumber));
  }
});
