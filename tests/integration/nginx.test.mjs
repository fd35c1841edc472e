// nginx with the site config of deploy/nginx/yizhan.conf in front of two
// yizhan servers on one PostgreSQL database. Requests reach both servers. A
// traveller can register, be approved and book through the one address.
// A signed-in traveller stays on one server, and the servers see the
// client address nginx passes on. Bodies over the limit stop at nginx, and
// a stopped server costs no errors.
// nginx runs in the foreground with a generated main config in a temporary
// directory and listens on 127.0.0.1 only. PostgreSQL only: skipped unless
// YIZHAN_TEST_POSTGRES_URL is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, createDatabase, postgresUrl, freePort, Client, setClock, runCli, uniqueHomeReturnPermit,
} from '../support/server.mjs';

const nginxBinary = '/usr/sbin/nginx';
const siteTemplate = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'nginx', 'yizhan.conf');
const skip = !postgresUrl ? 'needs PostgreSQL: YIZHAN_TEST_POSTGRES_URL is not set'
  : !existsSync(nginxBinary) ? `needs nginx: ${nginxBinary} is missing (apt-get install nginx-light)` : false;

const staffPassword = 'Staff2026pass';
const day = '2027-08-02';
const profile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

let database;
let servers = [];
let nginx;
let nginxLogs = '';
let nginxDirectory;
let nginxUrl;

// The site config with its example addresses replaced: nginx listens on
// `port` on loopback and passes to the two test servers. Fails when the
// template no longer has the lines this relies on.
function siteConfig(port, upstreamPorts) {
  let text = readFileSync(siteTemplate, 'utf8');
  const replace = (pattern, replacement, what) => {
    const matches = text.match(new RegExp(pattern.source, 'gm')) ?? [];
    assert.equal(matches.length, 1, `${siteTemplate} has one ${what}`);
    text = text.replace(pattern, replacement);
  };
  replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`, 'IPv4 listen line');
  replace(/^\s*listen \[::\]:80;\n/m, '', 'IPv6 listen line');
  replace(/server 127\.0\.0\.1:8081 /m, `server 127.0.0.1:${upstreamPorts[0]} `, 'first upstream server');
  replace(/server 127\.0\.0\.1:8082 /m, `server 127.0.0.1:${upstreamPorts[1]} `, 'second upstream server');
  return text;
}

function mainConfig(directory) {
  return `daemon off;
worker_processes 1;
pid ${directory}/nginx.pid;
error_log stderr notice;
events { worker_connections 512; }
http {
  access_log ${directory}/access.log;
  client_body_temp_path ${directory}/client_body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  include ${directory}/yizhan.conf;
}
`;
}

async function startNginx(upstreamPorts) {
  nginxDirectory = mkdtempSync(join(tmpdir(), 'yizhan-nginx-'));
  // nginx's workers run as an unprivileged user when started as root and
  // must reach the temporary paths inside this directory.
  chmodSync(nginxDirectory, 0o755);
  const port = await freePort();
  writeFileSync(join(nginxDirectory, 'yizhan.conf'), siteConfig(port, upstreamPorts));
  writeFileSync(join(nginxDirectory, 'nginx.conf'), mainConfig(nginxDirectory));
  nginx = spawn(nginxBinary, ['-e', 'stderr', '-p', nginxDirectory, '-c', join(nginxDirectory, 'nginx.conf')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout.on('data', (chunk) => { nginxLogs += chunk; });
  nginx.stderr.on('data', (chunk) => { nginxLogs += chunk; });
  nginxUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await fetch(`${nginxUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (nginx.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${nginxLogs}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  if (skip) return;
  database = createDatabase();
  const proxy = { trusted_proxies: '127.0.0.1' };
  const first = await startServer(proxy, { database: database.url });
  const shared = { ...proxy, slip_key_dir: join(first.directory, 'slip-keys') };
  servers = [first, await startServer(shared, { database: database.url })];
  await startNginx(servers.map((server) => server.port));
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  if (nginxDirectory) rmSync(nginxDirectory, { recursive: true, force: true });
  for (const server of [...servers].reverse()) await server.stop();
  database?.drop();
});

// Requests a server counted for `route` with `status`, from its /metrics.
async function requestsCounted(server, route, status) {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const line = metrics.split('\n')
    .find((entry) => entry.startsWith(`yizhan_http_requests_total{route="${route}",status="${status}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

// Wait until the server's log contains every line written so far, and
// return it. The server buffers its log for up to a second, so this sends a
// /healthz request straight to the server and waits until the log has as
// many /healthz lines as /metrics counts. Lines are written in order.
async function logsUpToNow(server) {
  const response = await fetch(`${server.url}/healthz`);
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  const expected = await requestsCounted(server, '/healthz', 200);
  const deadline = Date.now() + 5000;
  for (;;) {
    const logs = server.logs();
    const logged = logs.split('\n').filter((line) => line.includes(' route=/healthz status=200 ')).length;
    if (logged >= expected) return logs;
    assert.ok(Date.now() < deadline, `${server.url} logged ${logged} of ${expected} /healthz requests within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Register a new traveller and sign in, both through nginx.
async function signedInTraveller() {
  const idNumber = uniqueHomeReturnPermit();
  const registered = await new Client(nginxUrl, 'en').register({ id_number: idNumber });
  assert.equal(registered.status, 201, registered.text);
  const traveller = new Client(nginxUrl, 'en');
  const login = await traveller.login({ id_type: 'home_return_permit', id_number: idNumber, password: 'abc12345' });
  assert.equal(login.status, 200, login.text);
  return { traveller, accountId: registered.json.account_id };
}

test('requests through nginx reach both servers', { skip }, async () => {
  const route = '/api/v1/availability';
  const before = await Promise.all(servers.map((server) => requestsCounted(server, route, 200)));
  const count = 20;
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${nginxUrl}${route}`);
    assert.equal(response.status, 200, `request ${i}`);
    await response.arrayBuffer();
  }
  const after = await Promise.all(servers.map((server) => requestsCounted(server, route, 200)));
  const served = after.map((total, index) => total - before[index]);
  assert.equal(served[0] + served[1], count, `every request was served once: ${served}`);
  assert.ok(served.every((n) => n > 0), `both servers served requests: ${served}`);
});

test('login and booking through nginx', { skip }, async () => {
  // Test clocks live in each server process, so both are set directly.
  await Promise.all(servers.map((server) => setClock(server.url, `${day}T10:30:00+08:00`)));
  const staff = {};
  for (const role of ['operator', 'reviewer']) {
    const username = `nginx${role}${process.pid % 10000}`;
    const added = runCli(['staff', 'add', '--db', database.url, '--username', username, '--role', role,
      '--password-stdin'], `${staffPassword}\n`);
    assert.equal(added.status, 0, added.stderr);
    staff[role] = new Client(nginxUrl, 'en');
    const login = await staff[role].request('POST', '/api/v1/staff/session',
      { json: { username, password: staffPassword } });
    assert.equal(login.status, 200, login.text);
  }
  const quota = await staff.operator.request('PUT', `/api/v1/staff/quotas/${day}`, { json: { quota: 5 } });
  assert.equal(quota.status, 200, quota.text);

  const { traveller, accountId } = await signedInTraveller();
  assert.equal((await traveller.request('PUT', '/api/v1/me/profile', { json: profile })).status, 200);
  assert.equal((await traveller.request('POST', '/api/v1/me/profile/submit', { json: {} })).status, 200);
  const decision = await staff.reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, decision.text);

  const booked = await traveller.request('POST', '/api/v1/bookings',
    { json: { date: day, captcha_id: await traveller.captcha(), captcha_answer: '0000' } });
  assert.equal(booked.status, 201, booked.text);
  // nginx keeps the traveller on one server. Reading from each server
  // directly shows that the booking is in the shared database.
  const viaNginx = await traveller.request('GET', '/api/v1/me/bookings');
  assert.equal(viaNginx.status, 200, viaNginx.text);
  assert.deepEqual(viaNginx.json.map((booking) => booking.booking_number), [booked.json.booking_number]);
  for (const server of servers) {
    const direct = new Client(server.url, 'en');
    direct.cookies = new Map(traveller.cookies);
    const list = await direct.request('GET', '/api/v1/me/bookings');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.map((booking) => booking.booking_number), [booked.json.booking_number],
      `read from ${server.url}`);
  }
});

test('signed-in traveller stays on one server', { skip }, async () => {
  const { traveller } = await signedInTraveller();

  const route = '/api/v1/me/bookings';
  const before = await Promise.all(servers.map((server) => requestsCounted(server, route, 200)));
  const count = 12;
  for (let i = 0; i < count; i += 1) {
    const list = await traveller.request('GET', route);
    assert.equal(list.status, 200, `request ${i}: ${list.text}`);
  }
  const after = await Promise.all(servers.map((server) => requestsCounted(server, route, 200)));
  const served = after.map((total, index) => total - before[index]);
  assert.deepEqual([...served].sort((a, b) => a - b), [0, count], `one server served them all: ${served}`);
});

test('client address comes through nginx', { skip }, async () => {
  // nginx replaces X-Forwarded-For with the address it saw, and the servers
  // trust nginx (trusted_proxies, as in deploy/yizhan.conf). The requests
  // come from 127.0.0.2, a loopback address other than nginx's own.
  const spoofed = '203.0.113.77';
  for (let i = 0; i < 4; i += 1) {
    const status = await new Promise((resolve, reject) => {
      const request = httpRequest(`${nginxUrl}/api/v1/publicity`,
        { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': spoofed } }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        });
      request.on('error', reject);
      request.end();
    });
    assert.equal(status, 200);
  }
  let logged = 0;
  for (const server of servers) {
    const logs = await logsUpToNow(server);
    const lines = logs.split('\n').filter((line) => line.includes(' route=/api/v1/publicity '));
    logged += lines.length;
    assert.ok(lines.every((line) => line.includes(' client=127.0.0.2 ')), `${server.url} logged the client's address`);
    assert.ok(!logs.includes(spoofed), `${server.url} never logged the client's own X-Forwarded-For value`);
  }
  assert.equal(logged, 4, 'the servers logged each request once');
});

test('nginx rejects a body over 64 KiB itself', { skip }, async () => {
  const response = await fetch(`${nginxUrl}/api/v1/accounts`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(70 * 1024)}"}`,
  });
  assert.equal(response.status, 413);
  assert.match(response.headers.get('server') ?? '', /nginx/, 'the answer comes from nginx');
  await response.arrayBuffer();
  for (const server of servers) {
    assert.ok(!/status=413/.test(await logsUpToNow(server)), `${server.url} never saw the request`);
  }
});

test('stopped server costs no failed request', { skip }, async () => {
  await servers[1].stop();
  servers = [servers[0]];
  for (let i = 0; i < 10; i += 1) {
    const response = await fetch(`${nginxUrl}/api/v1/availability`);
    assert.equal(response.status, 200, `request ${i} after the stop`);
    await response.arrayBuffer();
  }
});
