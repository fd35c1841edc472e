// Security and caching headers on pages, API responses, errors and static
// files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawRequest } from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const stylesheet = '/static/css/site.css';

// A response of each kind the server sends.
async function sampleResponses() {
  const client = new Client(server.url);
  return [
    ['login page', await client.request('GET', '/login')],
    ['error page', await client.request('GET', '/no-such-page')],
    ['API response', await client.request('GET', '/api/v1/captcha')],
    ['API error', await client.request('GET', '/api/v1/me')],
    ['redirect', await client.request('GET', '/')],
    ['static file', await client.request('GET', stylesheet)],
    ['healthz', await client.request('GET', '/healthz')],
  ];
}

test('every response carries a Content-Security-Policy', async () => {
  for (const [label, response] of await sampleResponses()) {
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/, `${label}: default-src 'self' in "${policy}"`);
    assert.match(policy, /script-src 'self'(;|$)/, `${label}: scripts only from this site`);
    assert.match(policy, /frame-ancestors 'none'/, `${label}: no framing`);
    assert.match(policy, /object-src 'none'/, `${label}: no plugins`);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/, `${label}: no unsafe sources`);
  }
});

test('every response forbids framing and MIME sniffing', async () => {
  for (const [label, response] of await sampleResponses()) {
    assert.equal(response.headers.get('x-frame-options'), 'DENY', `${label}: X-Frame-Options`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${label}: X-Content-Type-Options`);
  }
});

test('unreadable requests get the security headers', async () => {
  const response = await rawRequest(server.port, 'GARBAGE\r\n\r\n');
  assert.equal(response.status, 400);
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.match(response.headers['content-security-policy'] ?? '', /default-src 'self'/);
});

test('pages and API responses are not cached', async () => {
  for (const [label, response] of await sampleResponses()) {
    if (label === 'static file') continue;
    assert.match(response.headers.get('cache-control') ?? '', /no-store/, `${label}: Cache-Control no-store`);
  }
});

test('static files are cacheable with an ETag', async () => {
  const response = await new Client(server.url).request('GET', stylesheet);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/css/);
  const cacheControl = response.headers.get('cache-control') ?? '';
  assert.match(cacheControl, /\bpublic\b/, `public in "${cacheControl}"`);
  assert.match(cacheControl, /\bmax-age=[1-9]\d*/, `max-age in "${cacheControl}"`);
  assert.match(response.headers.get('etag') ?? '', /^"[^"]+"$/, 'a strong ETag');
});

test('If-None-Match with the current ETag gives 304 without a body', async () => {
  const client = new Client(server.url);
  const first = await client.request('GET', stylesheet);
  const etag = first.headers.get('etag');
  const second = await client.request('GET', stylesheet, { headers: { 'if-none-match': etag } });
  assert.equal(second.status, 304);
  assert.equal(second.text, '', 'no body on 304');
  assert.equal(second.headers.get('etag'), etag, 'the 304 repeats the ETag');
  assert.match(second.headers.get('cache-control') ?? '', /max-age/, 'the 304 repeats Cache-Control');
});

test('If-None-Match with another ETag gives the file', async () => {
  const response = await new Client(server.url).request('GET', stylesheet, { headers: { 'if-none-match': '"stale"' } });
  assert.equal(response.status, 200);
  assert.ok(response.text.length > 0);
});

test('CSRF cookie is HttpOnly', async () => {
  const client = new Client(server.url);
  const page = await client.request('GET', '/login');
  const csrf = page.headers.getSetCookie().find((line) => line.startsWith('yz_csrf='));
  assert.match(csrf ?? '', /HttpOnly/i, `yz_csrf: ${csrf}`);
});
