// The client address behind a reverse proxy. With `trusted_proxies`, the
// per-address limits and the log use the address that X-Forwarded-For
// carries from a trusted proxy. Without it, or from another peer, the
// header is ignored. The test client plays the proxy from 127.0.0.1. The
// forwarded addresses are documentation addresses and are never dialled.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, assertApiError, binary } from '../support/server.mjs';

const servers = [];
after(async () => {
  for (const server of servers) await server.stop();
});

async function start(settings) {
  const server = await startServer({ captcha_rate_per_minute: 3, ...settings });
  servers.push(server);
  return server;
}

// GET /api/v1/captcha (limited per address) as forwarded for `forwardedFor`.
function captcha(server, forwardedFor) {
  return new Client(server.url).request('GET', '/api/v1/captcha', { headers: { 'x-forwarded-for': forwardedFor } });
}

async function useBudget(server, forwardedFor) {
  for (let i = 0; i < 3; i += 1) {
    const response = await captcha(server, forwardedFor);
    assert.equal(response.status, 200, `request ${i + 1} of 3 from ${forwardedFor} is within the limit`);
  }
  assertApiError(await captcha(server, forwardedFor), { status: 429, code: 'request.rate_limited' });
}

test('trusted proxy gives each client a budget', async () => {
  const server = await start({ trusted_proxies: '127.0.0.1, ::1' });
  await useBudget(server, '203.0.113.7');
  const other = await captcha(server, '203.0.113.8');
  assert.equal(other.status, 200, `another client behind the same proxy is not limited: ${other.text}`);
  // A client that sends its own header cannot escape: the proxy appends the
  // address it saw, and only that one is believed.
  const spoofed = await captcha(server, '192.0.2.1, 203.0.113.7');
  assertApiError(spoofed, { status: 429, code: 'request.rate_limited' });
  // Repeated header lines are one list in order.
  const repeated = await fetch(`${server.url}/api/v1/captcha`, {
    headers: [['x-forwarded-for', '192.0.2.1'], ['x-forwarded-for', '203.0.113.7']],
  });
  assert.equal(repeated.status, 429, 'the last of two header lines is the client');
  await repeated.arrayBuffer();
  await server.waitForLogs(/client=203\.0\.113\.8 method=GET route=\/api\/v1\/captcha status=200/);
});

test('IPv6 clients are counted per /64', async () => {
  const server = await start({ trusted_proxies: '127.0.0.1' });
  await useBudget(server, '2001:db8:1:2::7');
  assertApiError(await captcha(server, '2001:db8:1:2:ffff::8'), { status: 429, code: 'request.rate_limited' });
  const elsewhere = await captcha(server, '2001:db8:1:3::7');
  assert.equal(elsewhere.status, 200, `another /64 has its own budget: ${elsewhere.text}`);
  await server.waitForLogs(/event=client_address trusted_proxies=127\.0\.0\.1\b/);
});

test('header ignored without trusted proxies', async () => {
  const server = await start({});
  await useBudget(server, '203.0.113.7');
  assertApiError(await captcha(server, '203.0.113.8'), { status: 429, code: 'request.rate_limited' });
  const logs = await server.waitForLogs(/client=127\.0\.0\.1 method=GET route=\/api\/v1\/captcha status=429/);
  assert.ok(!logs.includes('client=203.0.113.'), 'the log names the connection, not the header');
});

test('header from untrusted peer ignored', async () => {
  const server = await start({ trusted_proxies: '10.0.0.0/8' });
  await useBudget(server, '203.0.113.7');
  assertApiError(await captcha(server, '203.0.113.8'), { status: 429, code: 'request.rate_limited' });
});

test('malformed address counts against proxy', async () => {
  const server = await start({ trusted_proxies: '127.0.0.1' });
  for (const header of ['garbage', '203.0.113.7:4711', '']) {
    const response = await captcha(server, header);
    assert.notEqual(response.status, 500, `"${header}" is no server error`);
  }
  assertApiError(await captcha(server, 'still-garbage'), { status: 429, code: 'request.rate_limited' });
  await server.waitForLogs(/client=127\.0\.0\.1 method=GET route=\/api\/v1\/captcha status=429/);
});

test('bad trusted_proxies entry stops start', () => {
  const directory = mkdtempSync(join(tmpdir(), 'yizhan-proxies-'));
  try {
    const config = join(directory, 'yizhan.conf');
    writeFileSync(config, 'trusted_proxies = 127.0.0.1, nginx.internal\n');
    const result = spawnSync(binary, ['serve', '--db', join(directory, 'y.sqlite'), '--listen', '127.0.0.1:0',
      '--config', config], { encoding: 'utf8', timeout: 10000 });
    assert.notEqual(result.status, 0, 'the server refuses to run');
    assert.match(result.stderr, /trusted_proxies/, result.stderr);
    assert.match(result.stderr, /nginx\.internal/, result.stderr);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
