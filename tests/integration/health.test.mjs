import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('healthz answers ok when the store answers', async () => {
  const response = await new Client(server.url).request('GET', '/healthz');
  assert.equal(response.status, 200);
  assert.equal(response.json.status, 'ok');
});

test('metrics count requests by route and status', async () => {
  const client = new Client(server.url);
  await client.request('GET', '/healthz');
  const response = await client.request('GET', '/metrics');
  assert.equal(response.status, 200);
  assert.match(response.text, /yizhan_http_requests_total\{route="\/healthz",status="200"\} \d+/);
  assert.match(response.text, /yizhan_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+/);
});

test('server exits 0 on SIGTERM', async () => {
  const own = await startServer();
  own.child.kill('SIGTERM');
  const { code } = await own.exited;
  assert.equal(code, 0);
  await own.stop();
});
