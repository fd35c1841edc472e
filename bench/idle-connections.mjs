#!/usr/bin/env node
// Idle keep-alive connections. Starts build/yizhan on a new SQLite file on a
// free 127.0.0.1 port and opens N connections. Each sends one GET /healthz
// and then stays idle for HOLD seconds (below the server's 30 s read
// timeout). Then it checks that a new request is still served and prints
// the server's peak resident memory. Bounded: N connections, one request each.
//
//   node bench/idle-connections.mjs [N=10000] [HOLD=10]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2] ?? 10000);
const holdSeconds = Number(process.argv[3] ?? 10);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = process.env.YIZHAN_BINARY ?? join(root, 'build', 'yizhan');

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const directory = mkdtempSync(join(tmpdir(), 'yizhan-idle-'));
const port = await freePort();
const server = spawn(binary, ['serve', '--db', join(directory, 'idle.db'), '--listen', `127.0.0.1:${port}`,
  '--log-level', 'warn'], { stdio: 'ignore' });
for (let tries = 0; ; tries += 1) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    if (tries > 100) throw new Error('yizhan did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let served = 0;
let failed = 0;
let closedEarly = 0;
const sockets = [];

// One connection: a keep-alive request, resolved when its response arrives.
function open() {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('error', () => {
      failed += 1;
      resolve();
    });
    socket.on('close', () => {
      if (socket.served) closedEarly += 1;
    });
    socket.on('data', (chunk) => {
      received += chunk;
      if (!socket.served && received.includes('\r\n\r\n') && received.includes('"ok"')) {
        socket.served = true;
        served += 1;
        resolve();
      }
    });
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'));
    sockets.push(socket);
  });
}

const started = Date.now();
for (let opened = 0; opened < count; opened += 500) {
  await Promise.all(Array.from({ length: Math.min(500, count - opened) }, open));
}
console.log(`open: connections=${count} served=${served} failed=${failed} s=${(Date.now() - started) / 1000}`);
await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
const fresh = await fetch(`http://127.0.0.1:${port}/api/v1/availability`);
const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
const peakKib = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
const closedByServer = closedEarly;
for (const socket of sockets) socket.destroy();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(directory, { recursive: true, force: true });

const ok = served === count && failed === 0 && closedByServer === 0 && fresh.status === 200;
console.log(`idle: connections=${count} hold_s=${holdSeconds} served=${served} failed=${failed} ` +
  `closed_early=${closedByServer} fresh_status=${fresh.status} rss_mb=${(peakKib / 1024).toFixed(1)} ok=${ok}`);
process.exit(ok ? 0 : 3);
