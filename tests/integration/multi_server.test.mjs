// Two yizhan servers on two ports sharing one PostgreSQL database must
// behave as one: a session, a captcha and a lockout started on one server
// hold on the other, and a booking rush spread over both confirms exactly
// the quota. PostgreSQL only: skipped unless YIZHAN_TEST_POSTGRES_URL is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import {
  startServer, createDatabase, postgresUrl, Client, setClock, runCli, queryDatabase, assertApiError,
  uniqueHomeReturnPermit,
} from '../support/server.mjs';
import { sendOver, inBatches } from '../support/rush.mjs';

const skip = postgresUrl ? false : 'needs PostgreSQL: YIZHAN_TEST_POSTGRES_URL is not set';

const travellerCount = 500;
const quota = 100;
const setupBatch = 50;
const lockoutFailures = 3;
const password = 'abc12345';
const staffPassword = 'Staff2026pass';

const settings = {
  // The minimum Argon2id cost keeps 500 registrations within seconds.
  password_memory_kib: 1024,
  password_passes: 1,
  lockout_failures: lockoutFailures,
  lockout_minutes: 10,
};

const profile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

const rushDay = '2027-06-14';

let database;
let servers = [];

before(async () => {
  if (skip) return;
  database = createDatabase();
  // Started one after the other: the first creates the schema and the
  // slip key, the second finds both.
  const first = await startServer(settings, { database: database.url });
  const shared = { ...settings, slip_key_dir: join(first.directory, 'slip-keys') };
  servers = [first, await startServer(shared, { database: database.url })];
});

after(async () => {
  // The second server shares the first one's slip key directory, so it stops first.
  for (const server of [...servers].reverse()) await server.stop();
  database?.drop();
});

// Set every server's test clock to the same instant.
async function setClocks(instant) {
  await Promise.all(servers.map((server) => setClock(server.url, instant)));
}

// A client on `server` that carries the cookies of `other`, as a browser
// does when a load balancer sends its next request elsewhere.
function sameBrowserOn(server, other) {
  const client = new Client(server.url, 'en');
  client.cookies = new Map(other.cookies);
  return client;
}

async function registerOn(server) {
  const idNumber = uniqueHomeReturnPermit();
  const client = new Client(server.url, 'en');
  const response = await client.register({ id_number: idNumber, password });
  assert.equal(response.status, 201, `register ${idNumber}: ${response.text}`);
  return { client, idNumber, accountId: response.json.account_id };
}

test('login on A is signed in on B', { skip }, async () => {
  const [a, b] = servers;
  const { idNumber } = await registerOn(a);
  const onA = new Client(a.url, 'en');
  const login = await onA.login({ id_type: 'home_return_permit', id_number: idNumber, password });
  assert.equal(login.status, 200, login.text);
  assert.ok(onA.cookies.get('yz_session'), 'A set a session cookie');

  const onB = sameBrowserOn(b, onA);
  const me = await onB.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, `B knows the session: ${me.text}`);
  assert.equal(me.json.account_id, login.json.account_id, 'the same account');

  const logout = await onB.request('DELETE', '/api/v1/session');
  assert.equal(logout.status, 204, logout.text);
  assertApiError(await onA.request('GET', '/api/v1/me'), { status: 401, code: 'auth.required' },
    'A after the logout on B');
});

test('captcha from A is used once on B', { skip }, async () => {
  const [a, b] = servers;
  const captchaId = await new Client(a.url).captcha();
  const register = (server) => new Client(server.url, 'en').register({
    id_number: uniqueHomeReturnPermit(), captcha_id: captchaId, captcha_answer: '0000',
  });

  const first = await register(b);
  assert.equal(first.status, 201, `B accepts A's captcha: ${first.text}`);
  assertApiError(await register(b), { status: 422, code: 'captcha.expired', field: 'captcha_answer' },
    'second use on B');
  assertApiError(await register(a), { status: 422, code: 'captcha.expired', field: 'captcha_answer' },
    'second use on A');
});

test('concurrent uses of one captcha on both servers let one through', { skip }, async () => {
  const [a, b] = servers;
  for (let round = 0; round < 5; round += 1) {
    const captchaId = await new Client(a.url).captcha();
    const responses = await Promise.all([a, b, a, b].map((server) => new Client(server.url).register({
      id_number: uniqueHomeReturnPermit(), captcha_id: captchaId, captcha_answer: '0000',
    })));
    const statuses = responses.map((response) => response.status).sort();
    assert.deepEqual(statuses, [201, 422, 422, 422], `round ${round}: one success, three rejections`);
  }
});

test('login failures on both servers count toward one lockout', { skip }, async () => {
  const [a, b] = servers;
  const { idNumber } = await registerOn(a);
  const wrong = { id_type: 'home_return_permit', id_number: idNumber, password: 'Wrong2026pass' };
  const answers = [];
  for (let i = 0; i < lockoutFailures; i += 1) {
    answers.push(await new Client(servers[i % 2].url, 'en').login(wrong));
  }
  for (const answer of answers.slice(0, -1)) {
    assertApiError(answer, { status: 401, code: 'auth.invalid_credentials' }, 'a failure before the limit');
  }
  assertApiError(answers.at(-1), { status: 429, code: 'auth.locked' }, `failure ${lockoutFailures}`);
  const right = { ...wrong, password };
  assertApiError(await new Client(b.url, 'en').login(right), { status: 429, code: 'auth.locked' }, 'B');
  assertApiError(await new Client(a.url, 'en').login(right), { status: 429, code: 'auth.locked' }, 'A');
});

async function staffClient(server, role) {
  const username = `multi${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', database.url, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

// Traveller `index` registers and submits on one server and books on the
// other, so every booking also crosses servers with its session.
async function approvedTraveller(index, reviewer) {
  const home = servers[index % 2];
  const client = new Client(home.url, 'en');
  const registered = await client.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: profile });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${registered.json.account_id}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, `approve: ${decision.text}`);
  const target = (index + 1) % 2;
  return { client: sameBrowserOn(servers[target], client), target, accountId: registered.json.account_id };
}

test('rush over two servers confirms exactly the quota', { skip, timeout: 600000 }, async (t) => {
  const [a, b] = servers;
  await setClocks(`${rushDay}T09:00:00+08:00`);
  const operator = await staffClient(a, 'operator');
  const reviewer = await staffClient(b, 'reviewer');
  const setupStarted = Date.now();
  const travellers = await inBatches(Array.from({ length: travellerCount }, (_, index) => index), setupBatch,
    (index) => approvedTraveller(index, reviewer));
  t.diagnostic(`setup: ${travellerCount} travellers registered and approved in ${Date.now() - setupStarted} ms`);

  // 09:59 leaves the captchas (120 s lifetime) valid through the rush.
  await setClocks(`${rushDay}T09:59:00+08:00`);
  const quotaSet = await operator.request('PUT', `/api/v1/staff/quotas/${rushDay}`, { json: { quota } });
  assert.equal(quotaSet.status, 200, quotaSet.text);
  const captchas = await inBatches(travellers, setupBatch, ({ client }) => client.captcha());

  const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: travellerCount }));
  try {
    const targets = travellers.map(({ target }) => target);
    const warm = await Promise.all(targets.map((target) => sendOver(agents[target], servers[target].port, 'GET', '/healthz')));
    assert.ok(warm.every((response) => response.status === 200), 'every warm-up request answered');
    await new Promise((resolve) => setImmediate(resolve));

    await setClocks(`${rushDay}T10:00:00+08:00`);
    const started = performance.now();
    const answers = await Promise.all(travellers.map(({ client }, index) => sendOver(agents[targets[index]],
      servers[targets[index]].port, 'POST', '/api/v1/bookings', {
        headers: { cookie: client.cookieHeader() },
        body: JSON.stringify({ date: rushDay, captcha_id: captchas[index], captcha_answer: '0000' }),
      })));
    const elapsed = Math.round(performance.now() - started);

    const byServer = servers.map((_, server) => {
      const counts = {};
      answers.forEach((answer, index) => {
        if (targets[index] === server) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
      });
      return counts;
    });
    t.diagnostic(`rush: ${answers.length} requests in ${elapsed} ms; statuses on A ${JSON.stringify(byServer[0])}, ` +
      `on B ${JSON.stringify(byServer[1])}`);

    const unexpected = answers.filter((answer) => answer.status !== 201 && answer.status !== 409);
    assert.deepEqual(unexpected.map((answer) => `${answer.status} ${answer.text.slice(0, 200)}`), [],
      'no status other than 201 and 409');
    const winners = answers.filter((answer) => answer.status === 201);
    const losers = answers.filter((answer) => answer.status === 409);
    assert.equal(winners.length, quota, 'exactly the quota is confirmed');
    assert.equal(losers.length, travellerCount - quota, 'everyone else is refused');
    assert.deepEqual([...new Set(losers.map((answer) => answer.json?.error?.code))], ['booking.sold_out'],
      'every refusal is booking.sold_out');
    assert.ok(byServer.every((counts) => (counts[201] ?? 0) > 0), 'both servers confirmed bookings');

    const compact = rushDay.replaceAll('-', '');
    const expectedNumbers = Array.from({ length: quota }, (_, i) => `${compact}${String(i + 1).padStart(4, '0')}`);
    assert.deepEqual(winners.map((answer) => answer.json.booking_number).sort(), expectedNumbers,
      'the 201 answers carry sequences 0001 to 0100, each once');

    const stored = queryDatabase(database.url,
      `SELECT booking_number, account_id FROM bookings WHERE date = '${rushDay}' AND status = 'confirmed'
       ORDER BY booking_number`);
    assert.deepEqual(stored.map((row) => row.booking_number), expectedNumbers,
      'the database holds exactly the answered booking numbers');
    assert.equal(new Set(stored.map((row) => row.account_id)).size, quota, 'one booking per winning account');

    for (const server of servers) {
      const availability = await new Client(server.url).request('GET', '/api/v1/availability');
      const day = availability.json.find((entry) => entry.date === rushDay);
      assert.equal(day.booked, quota, `${server.url} reports ${quota} booked`);
      assert.equal(day.remaining, 0, `${server.url} reports none remaining`);
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
});
