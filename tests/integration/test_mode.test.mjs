// Test mode's shortcuts (the fixed captcha answer and the settable clock)
// exist only when the server runs with --test-mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, countRows, uniqueHomeReturnPermit } from '../support/server.mjs';

let production;
before(async () => { production = await startServer({}, { testMode: false }); });
after(async () => { await production.stop(); });

test('production mode has no test clock route', async () => {
  const client = new Client(production.url);
  const put = await client.request('PUT', '/api/v1/test/clock', { json: { now: '2030-01-01T00:00:00+08:00' } });
  assertApiError(put, { status: 404, code: 'request.not_found' }, 'PUT');
  const get = await client.request('GET', '/api/v1/test/clock');
  assertApiError(get, { status: 404, code: 'request.not_found' }, 'GET');
});

test('production mode rejects the test-mode captcha answer', async () => {
  // The captcha alphabet has no '0', so "0000" is never the real answer.
  const response = await new Client(production.url).register({ id_number: uniqueHomeReturnPermit() });
  assertApiError(response, { status: 422, code: 'captcha.wrong', field: 'captcha_answer' });
  assert.equal(countRows(production.dbPath, 'accounts'), 0, 'no account was created');
});

test('test clock rejects an instant that is not RFC 3339', async () => {
  const server = await startServer();
  try {
    const client = new Client(server.url, 'en');
    for (const now of ['tomorrow', '2026-12-25', '2026-12-25 09:59', '2026-13-01T00:00:00Z', '2026-12-25T25:00:00Z']) {
      const response = await client.request('PUT', '/api/v1/test/clock', { json: { now } });
      assertApiError(response, { status: 422, code: 'request.instant_invalid', field: 'now' }, now);
    }
  } finally {
    await server.stop();
  }
});

test('test clock keeps ticking from the instant it was set to', async () => {
  const server = await startServer();
  try {
    const client = new Client(server.url);
    const set = await client.request('PUT', '/api/v1/test/clock', { json: { now: '2026-12-25T09:59:30+08:00' } });
    assert.equal(set.status, 200, set.text);
    assert.equal(Date.parse(set.json.now), Date.parse('2026-12-25T09:59:30+08:00'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const read = await client.request('GET', '/api/v1/test/clock');
    const elapsed = Date.parse(read.json.now) - Date.parse('2026-12-25T09:59:30+08:00');
    assert.ok(elapsed >= 1000, `the clock moved on by ${elapsed} ms, at least the 1.1 s waited`);
    assert.ok(elapsed <= 3000, `the clock moved on by ${elapsed} ms, not much more than the 1.1 s waited`);
    assert.match(read.json.now, /\+08:00$/, 'instants are shown with the zone offset');
  } finally {
    await server.stop();
  }
});
