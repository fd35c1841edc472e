// The waiting room in front of the booking path, through the real server:
// beyond the admission rate a booking request gets 429 queue.waiting with a
// signed ticket and its place, tickets are admitted in arrival order, an
// admitted ticket books, and a changed or borrowed ticket admits nobody.
// With the room off the booking path carries no trace of it. The room runs
// on the server's real (steady) clock, so these tests wait real seconds;
// the test clock only puts "today" inside the booking hours.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, setClock, assertApiError, catalog } from '../support/server.mjs';
import { approvedTraveller, setQuota, staffSession } from '../e2e/support/booking_helpers.mjs';

const today = '2027-04-12';
const fastHashing = { password_memory_kib: 1024, password_passes: 1 };

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

// A server with the given waiting room settings, a quota of 50 today, and
// a reviewer to approve travellers.
async function bookingServer(settings) {
  const server = await startServer({ ...fastHashing, ...settings });
  await setClock(server.url, `${today}T10:30:00+08:00`);
  const reviewer = await staffSession(server, 'reviewer');
  const operator = await staffSession(server, 'operator');
  await setQuota(operator, today, 50);
  return { server, reviewer };
}

async function travellers(server, reviewer, count) {
  const clients = [];
  for (let i = 0; i < count; i += 1) clients.push(await approvedTraveller(server, reviewer, 'en'));
  return clients;
}

// POST /api/v1/bookings for today with a fresh captcha; `ticket` goes in
// the Queue-Ticket header.
async function book(client, { ticket } = {}) {
  const captchaId = await client.captcha();
  const headers = ticket === undefined ? {} : { 'queue-ticket': ticket };
  return client.request('POST', '/api/v1/bookings',
    { json: { date: today, captcha_id: captchaId, captcha_answer: '0000' }, headers });
}

// Checks a 429 queue.waiting response and returns its "queue" member.
function assertWaiting(response, where) {
  assert.equal(response.status, 429, `${where}: ${response.text}`);
  assert.ok(response.json, `${where}: JSON body`);
  assert.deepEqual(Object.keys(response.json).sort(), ['error', 'queue'], `${where}: members`);
  assert.deepEqual(Object.keys(response.json.error).sort(), ['code', 'field', 'message'], `${where}: error members`);
  assert.equal(response.json.error.code, 'queue.waiting', where);
  assert.equal(response.json.error.field, null, where);
  const queue = response.json.queue;
  assert.deepEqual(Object.keys(queue).sort(),
    ['admitted', 'admitted_until', 'estimated_wait_seconds', 'position', 'ticket'], `${where}: queue members`);
  assert.equal(queue.admitted, false, where);
  assert.equal(queue.admitted_until, null, where);
  assert.ok(Number.isInteger(queue.position), `${where}: position ${queue.position}`);
  assert.ok(queue.position >= 1, `${where}: position ${queue.position}`);
  assert.ok(queue.estimated_wait_seconds >= queue.position, `${where}: at 1 a second the wait is the position`);
  assert.match(queue.ticket, /^[A-Za-z0-9_-]{40,}$/, `${where}: ticket`);
  assert.match(response.json.error.message, new RegExp(`number ${queue.position} in the queue`), where);
  const retryAfter = Number(response.headers.get('retry-after'));
  assert.equal(retryAfter, Math.min(Math.max(queue.estimated_wait_seconds, 1), 30), `${where}: Retry-After`);
  return queue;
}

// Changes one character in the middle of a ticket.
function tamper(ticket) {
  const middle = Math.floor(ticket.length / 2);
  const replacement = ticket[middle] === 'A' ? 'B' : 'A';
  return ticket.slice(0, middle) + replacement + ticket.slice(middle + 1);
}

async function metricValue(server, name) {
  const metrics = await new Client(server.url).request('GET', '/metrics');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics.text);
  assert.ok(match, `/metrics has ${name}:\n${metrics.text.slice(0, 2000)}`);
  return Number(match[1]);
}

describe('waiting room on, 1 admission a second, burst 2', () => {
  let server;
  let reviewer;

  before(async () => {
    ({ server, reviewer } = await bookingServer({ waiting_room_admit_per_second: 1, waiting_room_burst: 2 }));
  });
  after(async () => { await server?.stop(); });

  test('a rush queues in arrival order and the admitted book', async () => {
    const clients = await travellers(server, reviewer, 8);
    const answers = await Promise.all(clients.map((client) => book(client)));

    const booked = answers.filter((answer) => answer.status === 201);
    assert.equal(booked.length, 2, `the burst books: ${answers.map((answer) => answer.status).join(',')}`);
    for (const answer of booked) {
      assert.equal(answer.json.queue, undefined, 'a straight pass carries no queue member');
    }
    const waiting = answers
      .map((answer, index) => ({ answer, client: clients[index] }))
      .filter(({ answer }) => answer.status !== 201)
      .map(({ answer, client }, index) => ({ client, queue: assertWaiting(answer, `waiting traveller ${index}`) }));
    assert.equal(waiting.length, 6);
    // The server saw the requests in some order; the places are 1 to 6
    // with no gap and no duplicate.
    assert.deepEqual(waiting.map(({ queue }) => queue.position).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    assert.equal(new Set(waiting.map(({ queue }) => queue.ticket)).size, 6, 'each traveller has its own ticket');
    for (const { client, queue } of waiting) {
      assert.equal(client.cookies.get('yz_queue'), queue.ticket, 'the ticket is also set as the yz_queue cookie');
    }
    waiting.sort((a, b) => a.queue.position - b.queue.position);

    assert.ok(await metricValue(server, 'yizhan_waiting_room_waiting') >= 4, 'the queue shows in /metrics');
    assert.equal(await metricValue(server, 'yizhan_waiting_room_tickets_total'), 6);
    assert.equal(await metricValue(server, 'yizhan_waiting_room_admit_per_second'), 1);
    assert.ok(await metricValue(server, 'yizhan_bookings_total{outcome="queue.waiting"}') >= 6);

    // The last one retries at once with its ticket: still waiting, same
    // ticket, and its place can only have improved.
    const last = waiting[5];
    const retry = await book(last.client, { ticket: last.queue.ticket });
    const retried = assertWaiting(retry, 'retry before admission');
    assert.equal(retried.ticket, last.queue.ticket);
    assert.ok(retried.position <= last.queue.position, `place ${retried.position} after ${last.queue.position}`);
    assert.ok(retried.position >= 1, `place ${retried.position}`);

    // GET /api/v1/queue shows the same place; it can only fall.
    const status = await last.client.request('GET', '/api/v1/queue');
    assert.equal(status.status, 200, status.text);
    assert.equal(status.json.ticket, last.queue.ticket);
    assert.ok(status.json.position <= retried.position, `place ${status.json.position} after ${retried.position}`);

    // The first in the queue waits out its Retry-After, then the same ticket
    // (without the cookie) books.
    const first = waiting[0];
    await sleep(first.queue.estimated_wait_seconds * 1000 + 200);
    first.client.cookies.delete('yz_queue');
    const admitted = await book(first.client, { ticket: first.queue.ticket });
    assert.equal(admitted.status, 201, `after admission: ${admitted.text}`);
    assert.equal(admitted.json.status, 'confirmed');

    // Everyone is admitted in the order of their places.
    await sleep(5 * 1000 + 500);
    for (const [index, { client, queue }] of waiting.entries()) {
      const answer = await book(client, { ticket: queue.ticket });
      assert.ok([201, 409].includes(answer.status), `traveller ${index} after its turn: ${answer.text}`);
      if (answer.status === 409) assert.equal(answer.json.error.code, 'booking.already_active');
    }
    assert.equal(await metricValue(server, 'yizhan_waiting_room_waiting'), 0);
    assert.equal(await metricValue(server, 'yizhan_waiting_room_admitted_total'), 8);
  });

  test('a borrowed or changed ticket admits nobody', async () => {
    const [owner, borrower, holder, ...crowd] = await travellers(server, reviewer, 6);
    // After the first test the queue is empty and the burst has refilled.
    await sleep(2500);
    const owned = await owner.request('POST', '/api/v1/queue');
    assert.equal(owned.status, 200, owned.text);
    assert.equal(owned.json.admitted, true, 'the first to join an empty queue is admitted at once');
    assert.equal(owned.json.position, 0);
    assert.match(owned.json.admitted_until, /^2027-04-12T10:(3\d|4\d):\d\d\+08:00$/,
      'ten minutes on the server clock');

    // Fill the queue so that nobody passes straight through.
    for (const client of crowd) await client.request('POST', '/api/v1/queue');
    const holderStatus = await holder.request('POST', '/api/v1/queue');
    assert.equal(holderStatus.json.admitted, false, holderStatus.text);

    // Another account presents the owner's admitted ticket: it waits at the
    // back with a ticket of its own.
    const borrowed = await book(borrower, { ticket: owned.json.ticket });
    const borrowerQueue = assertWaiting(borrowed, 'borrowed ticket');
    assert.notEqual(borrowerQueue.ticket, owned.json.ticket);
    assert.ok(borrowerQueue.position > holderStatus.json.position, 'behind everyone who joined before');

    // A waiting traveller who changes its ticket keeps its own place.
    const changed = await book(holder, { ticket: tamper(holderStatus.json.ticket) });
    const holderQueue = assertWaiting(changed, 'changed ticket');
    assert.equal(holderQueue.ticket, holderStatus.json.ticket);
    assert.ok(holderQueue.position <= holderStatus.json.position);
    // An unparseable ticket is treated the same way.
    assertWaiting(await book(holder, { ticket: 'not-a-ticket' }), 'garbage ticket');

    const logs = await server.waitForLogs(/reason=invalid/);
    assert.match(logs, /event=queue_ticket_rejected request_id=\S+ account_id=\d+ reason=other_account/);
    assert.match(logs, /event=queue_ticket_rejected request_id=\S+ account_id=\d+ reason=invalid/);
    assert.ok(!logs.includes(owned.json.ticket), 'tickets never reach the log');
    assert.ok(!logs.includes(holderStatus.json.ticket), 'tickets never reach the log');

    // The owner, admitted, books with its ticket.
    const ownerBooked = await book(owner, { ticket: owned.json.ticket });
    assert.equal(ownerBooked.status, 201, ownerBooked.text);
  });

  test('the queue API joins once per account and needs a session', async () => {
    const [traveller] = await travellers(server, reviewer, 1);
    assertApiError(await new Client(server.url, 'en').request('GET', '/api/v1/queue'),
      { status: 401, code: 'auth.required' });
    assertApiError(await new Client(server.url, 'en').request('POST', '/api/v1/queue'),
      { status: 401, code: 'auth.required' });

    // The same session without the yz_queue cookie: the account has not
    // joined yet.
    const fresh = new Client(server.url, 'en');
    fresh.cookies = new Map(traveller.cookies);
    fresh.cookies.delete('yz_queue');
    const none = await fresh.request('GET', '/api/v1/queue');
    assertApiError(none, { status: 404, code: 'queue.no_ticket' }, 'before joining');

    const joined = await traveller.request('POST', '/api/v1/queue', { json: {} });
    assert.equal(joined.status, 200, joined.text);
    const again = await traveller.request('POST', '/api/v1/queue');
    assert.equal(again.json.ticket, joined.json.ticket, 'joining again keeps the ticket');
    const read = await traveller.request('GET', '/api/v1/queue', { headers: { 'queue-ticket': joined.json.ticket } });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.ticket, joined.json.ticket);
    assertApiError(await traveller.request('POST', '/api/v1/queue', { json: { position: 1 } }),
      { status: 400, code: 'request.unknown_field', field: 'position' });
  });

  test('pages send a waiting browser to /queue with the date', async () => {
    const [first, second] = await travellers(server, reviewer, 2);
    // Make the queue busy so that both have to wait.
    const busy = await travellers(server, reviewer, 5);
    for (const client of busy) await client.request('POST', '/api/v1/queue');

    const confirm = await first.request('GET', `/book/${today}`);
    assert.equal(confirm.status, 303, confirm.text.slice(0, 200));
    assert.equal(confirm.headers.get('location'), `/queue?date=${today}`);
    const setCookie = confirm.headers.getSetCookie().find((line) => line.startsWith('yz_queue='));
    assert.ok(setCookie, 'the ticket cookie is set');
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);

    const page = await first.request('GET', `/queue?date=${today}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="queue-position">\d+</);
    assert.match(page.text, /aria-live="polite"/);
    assert.match(page.text, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/);

    // Every text of the page comes from the reader's catalog.
    for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
      first.cookies.set('lang', language);
      const translated = await first.request('GET', `/queue?date=${today}`);
      const texts = catalog(language).ui;
      for (const key of ['queue_title', 'queue_position_label', 'queue_wait_label', 'queue_live_hint']) {
        assert.ok(translated.text.includes(texts[key]), `${language} page shows ${key}`);
      }
      assert.doesNotMatch(translated.text, /queue_\w+/, `${language}: no catalog key shows as text`);
    }
    first.cookies.set('lang', 'en');

    // A date without rooms (tomorrow has no quota) is shown as such at once
    // instead of queueing for a refusal.
    const closedDay = await second.request('GET', '/book/2027-04-13');
    assert.equal(closedDay.status, 200, `a closed date is not queued for: ${closedDay.headers.get('location')}`);

    // A posted booking form gets a 303 to the queue and is not decided.
    const csrf = 'a'.repeat(24);
    second.cookies.set('yz_csrf', csrf);
    const posted = await second.request('POST', `/book/${today}`,
      { form: { csrf, captcha_id: 'x', captcha_answer: '0000', idempotency_key: 'k1' } });
    assert.equal(posted.status, 303, posted.text.slice(0, 200));
    assert.equal(posted.headers.get('location'), `/queue?date=${today}`);

    // A date that does not parse is not carried into the links.
    const odd = await first.request('GET', '/queue?date=%22%3E%3Cscript%3E');
    assert.equal(odd.status, 200);
    assert.ok(!odd.text.includes('<script>'), 'the date is not echoed');
    // Nor is a date outside the booking window.
    const far = await first.request('GET', '/queue?date=2030-01-01');
    assert.equal(far.status, 200);
    assert.ok(!far.text.includes('href="/book/2030-01-01"'), 'no booking link to a date outside the window');
    assert.ok(!far.text.includes('href="/queue?date=2030-01-01"'), 'no refresh link that keeps it');
  });

  test('the queue page sends a booked traveller to the booking', async () => {
    const [traveller] = await travellers(server, reviewer, 1);
    let booked;
    for (let attempt = 0; attempt < 40 && !booked; attempt += 1) {
      const answer = await book(traveller);
      if (answer.status === 201) {
        booked = answer.json.booking_number;
      } else {
        assert.equal(answer.status, 429, answer.text);
        await sleep(Number(answer.headers.get('retry-after')) * 1000);
      }
    }
    assert.ok(booked, 'the traveller books within the queue');
    const page = await traveller.request('GET', `/queue?date=${today}`);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/bookings/${booked}`);
  });
});

describe('waiting room off (the default)', () => {
  let server;
  let reviewer;

  before(async () => {
    ({ server, reviewer } = await bookingServer({}));
  });
  after(async () => { await server?.stop(); });

  test('a rush books with no queue fields and no queue.waiting', async () => {
    const clients = await travellers(server, reviewer, 8);
    const answers = await Promise.all(clients.map((client) => book(client, { ticket: 'ignored-when-off' })));
    for (const [index, answer] of answers.entries()) {
      assert.equal(answer.status, 201, `traveller ${index}: ${answer.text}`);
      assert.equal(answer.json.queue, undefined, `traveller ${index}: no queue member`);
      assert.ok(!answer.headers.getSetCookie().some((line) => line.startsWith('yz_queue=')), 'no ticket cookie');
    }
    const metrics = await new Client(server.url).request('GET', '/metrics');
    assert.doesNotMatch(metrics.text, /outcome="queue.waiting"/);
    assert.equal(await metricValue(server, 'yizhan_waiting_room_admit_per_second'), 0);
    assert.equal(await metricValue(server, 'yizhan_waiting_room_admitted_total'), 0);
    assert.doesNotMatch(server.logs(), /queue_ticket_rejected/);
  });

  test('the queue routes say the room is off', async () => {
    const [traveller] = await travellers(server, reviewer, 1);
    assertApiError(await traveller.request('POST', '/api/v1/queue'), { status: 404, code: 'queue.off' });
    assertApiError(await traveller.request('GET', '/api/v1/queue'), { status: 404, code: 'queue.off' });
    const page = await traveller.request('GET', `/queue?date=${today}`);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/book/${today}`);
    const confirm = await traveller.request('GET', `/book/${today}`);
    assert.equal(confirm.status, 200, 'the confirm page shows at once');
  });
});
