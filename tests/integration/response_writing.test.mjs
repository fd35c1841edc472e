// Writing responses: one larger than the socket's send buffer arrives whole,
// and a client that sends requests but stops reading is cut off after the
// write timeout while other clients are still served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';

const bigFile = fileURLToPath(new URL('../../share/static/js/jsQR.js', import.meta.url));
const bigPath = '/static/js/jsQR.js';
const writeTimeoutSeconds = 1;

let server;
before(async () => {
  server = await startServer({ write_timeout_seconds: writeTimeoutSeconds });
});
after(async () => { await server.stop(); });

test('response beyond the send buffer arrives whole', async () => {
  const expected = readFileSync(bigFile);
  for (let i = 0; i < 3; i += 1) {
    const response = await fetch(server.url + bigPath);
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(body.length, expected.length);
    assert.ok(body.equals(expected), 'the body is the file, byte for byte');
  }
});

test('stalled reader is cut off at the write timeout', async () => {
  const size = readFileSync(bigFile).length;
  // Far more than the loopback socket buffers on both sides can hold.
  const pipelined = 80;
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.pause();
  socket.write(`GET ${bigPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(pipelined));

  // While that connection is stuck, other clients are served.
  await new Promise((resolve) => { setTimeout(resolve, 500); });
  const other = await fetch(`${server.url}/healthz`);
  assert.equal(other.status, 200);

  // Wait well past the write timeout, then read what the server sent.
  await new Promise((resolve) => { setTimeout(resolve, (writeTimeoutSeconds + 3) * 1000); });
  let received = 0;
  const closed = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    socket.on('data', (chunk) => { received += chunk.length; });
    socket.on('end', () => { clearTimeout(timer); resolve(true); });
    socket.on('error', () => { clearTimeout(timer); resolve(true); });
    socket.resume();
  });
  socket.destroy();
  assert.ok(closed, 'the server closed the connection');
  assert.ok(received < pipelined * size, `got ${received} bytes, less than the ${pipelined * size} asked for`);
});
