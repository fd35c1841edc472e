// Graceful shutdown on SIGTERM: requests in flight finish with complete
// responses, and idle keep-alive connections do not hold the process open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import {
  startServer, Client, rawRequest, countRows, uniqueHomeReturnPermit,
} from '../support/server.mjs';

// Twenty Argon2id passes over 19 MiB make one registration take about
// 150 ms even on an idle machine (measured on the 2-core test host), so a
// registration sent 50 ms before SIGTERM is still hashing when the signal
// arrives. The tests check that precondition instead of assuming it.
const slowHashing = { password_passes: 20 };

function registrationRequest(captchaId) {
  const body = JSON.stringify({
    id_type: 'home_return_permit', id_number: uniqueHomeReturnPermit(), password: 'abc12345',
    password_confirm: 'abc12345', captcha_id: captchaId, captcha_answer: '0000', consent: true,
  });
  return 'POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

// Open a keep-alive connection, get one response on it and leave it idle.
// Resolves with the socket and a promise that settles when the server
// closes it.
function idleKeepAliveConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise((settle) => socket.once('close', settle));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no response on the keep-alive connection within 5 s'));
    }, 5000);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('HTTP/1.1 200')) {
        clearTimeout(timer);
        resolve({ socket, closed });
      }
    });
    socket.once('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
  });
}

test('SIGTERM lets registrations in flight finish and exits 0', async () => {
  const server = await startServer(slowHashing);
  try {
    const client = new Client(server.url);
    const captchas = [];
    for (let i = 0; i < 4; i += 1) captchas.push(await client.captcha());

    const respondedAt = [];
    const inFlight = captchas.map(async (captchaId) => {
      const response = await rawRequest(server.port, registrationRequest(captchaId), { timeoutMs: 20000 });
      respondedAt.push(Date.now());
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    const responses = await Promise.all(inFlight);
    const { code } = await server.exited;
    assert.ok(respondedAt.some((time) => time > signalledAt),
      'precondition: at least one registration was still in flight at SIGTERM');
    for (const [index, response] of responses.entries()) {
      assert.equal(response.status, 201, `registration ${index + 1}: ${response.head}`);
      const body = JSON.parse(response.body);
      assert.equal(body.review_status, 'none', `registration ${index + 1} has its complete body`);
    }
    assert.equal(code, 0, `exit code; logs:\n${server.logs().slice(-2000)}`);
    assert.equal(countRows(server.dbPath, 'accounts'), 4, 'every registration that got a 201 was committed');
  } finally {
    await server.stop();
  }
});

test('responses during shutdown close the connection', async () => {
  const server = await startServer(slowHashing);
  try {
    const captchaId = await new Client(server.url).captcha();
    let respondedAt = 0;
    const pending = rawRequest(server.port, registrationRequest(captchaId), { timeoutMs: 20000 })
      .then((response) => { respondedAt = Date.now(); return response; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const response = await pending;
    assert.equal(response.status, 201, response.head);
    assert.ok(respondedAt > signalledAt, 'precondition: the registration was still in flight at SIGTERM');
    assert.equal(response.headers.connection, 'close', 'the response tells the client not to reuse the connection');
    assert.ok(response.closedByServer, 'the server closes the connection');
    assert.equal((await server.exited).code, 0);
  } finally {
    await server.stop();
  }
});

test('idle keep-alive connections do not keep the process alive', async () => {
  // The read timeout bounds how long an idle connection stays open, so set
  // it far above the exit deadline below.
  const server = await startServer({ read_timeout_seconds: 60 });
  try {
    const idle = await idleKeepAliveConnection(server.port);
    const silent = connect(server.port, '127.0.0.1');
    silent.on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise((settle) => silent.once('close', settle));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    const elapsed = Date.now() - signalledAt;
    assert.equal(code, 0);
    assert.ok(elapsed < 3000, `exited ${elapsed} ms after SIGTERM`);

    let timer;
    const deadline = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the server left connections open 2 s after exiting')), 2000);
    });
    try {
      await Promise.race([Promise.all([idle.closed, silentClosed]), deadline]);
    } finally {
      clearTimeout(timer);
      idle.socket.destroy();
      silent.destroy();
    }
  } finally {
    await server.stop();
  }
});

test('server refuses new connections after exiting', async () => {
  const server = await startServer();
  const { port } = server;
  server.child.kill('SIGTERM');
  await server.exited;
  await server.stop();
  const error = await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(null); });
    socket.once('error', resolve);
  });
  assert.equal(error?.code, 'ECONNREFUSED');
});
