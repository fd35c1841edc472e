// Overload: when more requests wait for the workers than max_waiting_requests,
// the excess gets 503 with Retry-After at once, in the reader's language,
// instead of timing out. The server goes on serving afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, catalog, uniqueHomeReturnPermit } from '../support/server.mjs';

let server;
before(async () => {
  // One worker and room for one waiting request: a handful of sign-ins at
  // once (each hashes a password on a worker) is already too many.
  server = await startServer({ worker_threads: 1, max_waiting_requests: 1 });
});
after(async () => { await server.stop(); });

const password = 'abc12345';

// `count` sign-in requests, prepared one by one (each needs a captcha) and
// then sent at once; resolves to the pending responses.
async function loginRequests(count, headers = {}) {
  const idNumber = uniqueHomeReturnPermit();
  const registered = await new Client(server.url).register({ id_number: idNumber, password });
  assert.equal(registered.status, 201, registered.text);
  const prepared = [];
  for (let i = 0; i < count; i += 1) {
    const client = new Client(server.url);
    const body = { id_type: 'home_return_permit', id_number: idNumber, password,
      captcha_id: await client.captcha(), captcha_answer: '0000' };
    prepared.push({ client, body });
  }
  return prepared.map(({ client, body }) => client.request('POST', '/api/v1/session', { json: body, headers }));
}

async function burstOfLogins(count, headers = {}) {
  return Promise.all(await loginRequests(count, headers));
}

test('excess requests get 503 with Retry-After in the reader\'s language', async () => {
  const responses = await burstOfLogins(12, { 'Accept-Language': 'zh-Hans' });
  const statuses = responses.map((response) => response.status);
  assert.ok(statuses.every((status) => status === 200 || status === 503), `statuses: ${statuses}`);
  const shed = responses.filter((response) => response.status === 503);
  assert.ok(shed.length > 0, `some requests were shed: ${statuses}`);
  assert.ok(statuses.includes(200), `some requests were served: ${statuses}`);
  const expected = catalog('zh-Hans').errors['service.overloaded'];
  for (const response of shed) {
    assert.equal(response.headers.get('retry-after'), '2');
    assert.equal(response.json.error.code, 'service.overloaded');
    assert.equal(response.json.error.message, expected);
  }
});

test('a shed page request gets a page, and the server serves again afterwards', async () => {
  // Pages in the burst: fill the worker with sign-ins, then ask for a page
  // that needs a worker as well.
  const logins = await loginRequests(6);
  const pages = Array.from({ length: 6 }, () => new Client(server.url).request('GET', '/register', {
    headers: { 'Accept-Language': 'en' },
  }));
  const answered = await Promise.all([...logins, ...pages]);
  const shedPages = answered.slice(6).filter((response) => response.status === 503);
  for (const response of shedPages) {
    assert.match(response.headers.get('content-type'), /text\/html/);
    assert.ok(response.text.includes(catalog('en').errors['service.overloaded']), response.text.slice(0, 400));
  }
  assert.ok(answered.some((response) => response.status === 503), 'the burst was shed in part');

  const calm = await new Client(server.url).request('GET', '/register');
  assert.equal(calm.status, 200);
  const metrics = await new Client(server.url).request('GET', '/metrics');
  assert.match(metrics.text, /yizhan_http_requests_total\{route="overloaded",status="503"\} [1-9]/);
});
