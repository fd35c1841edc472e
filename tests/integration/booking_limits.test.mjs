// Booking request budgets per account and per client address. Beyond them
// the response is 429 with Retry-After, before any other check, and it is
// counted in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError } from '../support/server.mjs';

let server;
before(async () => {
  server = await startServer({
    booking_account_rate_per_minute: 2,
    booking_rate_per_minute: 5,
    password_memory_kib: 1024,
    password_passes: 1,
  });
});
after(async () => { await server.stop(); });

async function signedIn() {
  const client = new Client(server.url, 'en');
  const registered = await client.register();
  assert.equal(registered.status, 201, registered.text);
  return client;
}

function bookingRequest(client) {
  return client.request('POST', '/api/v1/bookings',
    { json: { date: '2027-01-01', captcha_id: 'x', captcha_answer: '0000' } });
}

test('an account gets its budget, then 429 with Retry-After', async () => {
  const client = await signedIn();
  for (let i = 0; i < 2; i += 1) {
    const answer = await bookingRequest(client);
    assert.notEqual(answer.status, 429, answer.text);
  }
  const limited = await bookingRequest(client);
  assertApiError(limited, { status: 429, code: 'request.rate_limited' });
  assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After names whole seconds');

  const metrics = await new Client(server.url).request('GET', '/metrics');
  assert.match(metrics.text, /^yizhan_bookings_total\{outcome="request.rate_limited"\} [1-9]/m);
});

test('one client address gets its budget over all its accounts', async () => {
  // The first test used 3 of this address's 5 requests.
  const other = await signedIn();
  const answers = [];
  for (let i = 0; i < 3; i += 1) answers.push(await bookingRequest(i < 2 ? other : await signedIn()));
  assert.deepEqual(answers.map((answer) => answer.status === 429), [false, false, true],
    answers.map((answer) => answer.text).join('\n'));
});
