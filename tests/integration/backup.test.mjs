// Backing up a running server's database and serving the copy. On SQLite
// that is `yizhan backup` (SQLite's online backup API) while registrations
// keep writing; on PostgreSQL `yizhan backup` refuses and names pg_dump,
// and the copy is made with pg_dump and pg_restore as docs/deploy.md describes.
// Either way a server on the copy finds the booking and its session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, createDatabase, postgresUrl, binary, Client, setClock, runCli, queryDatabase, countRows,
  uniqueHomeReturnPermit,
} from '../support/server.mjs';

const settings = {
  password_memory_kib: 1024,
  password_passes: 1,
  session_lifetime_minutes: 24 * 60,
};
const staffPassword = 'Staff2026pass';
const day = '2027-09-06';
const profile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

let server;
let directory;
let traveller;
let bookingNumber;

// `yizhan ARGS` without blocking the event loop, so that requests to the
// server keep running meanwhile. Resolves { status, stdout, stderr }.
async function runCliAsync(args) {
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, args, { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (error) {
    return { status: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

async function staffClient(role) {
  const username = `backup${role}${process.pid % 10000}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'yizhan-backup-'));
  server = await startServer(settings);
  await setClock(server.url, `${day}T10:30:00+08:00`);
  const operator = await staffClient('operator');
  const reviewer = await staffClient('reviewer');
  const quota = await operator.request('PUT', `/api/v1/staff/quotas/${day}`, { json: { quota: 10 } });
  assert.equal(quota.status, 200, quota.text);

  traveller = new Client(server.url, 'en');
  const registered = await traveller.register({ id_number: uniqueHomeReturnPermit() });
  assert.equal(registered.status, 201, registered.text);
  assert.equal((await traveller.request('PUT', '/api/v1/me/profile', { json: profile })).status, 200);
  assert.equal((await traveller.request('POST', '/api/v1/me/profile/submit', { json: {} })).status, 200);
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${registered.json.account_id}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, decision.text);
  const booked = await traveller.request('POST', '/api/v1/bookings',
    { json: { date: day, captcha_id: await traveller.captcha(), captcha_answer: '0000' } });
  assert.equal(booked.status, 201, booked.text);
  bookingNumber = booked.json.booking_number;
});

after(async () => {
  await server?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

// Start a server on the copy at `database`, check that the traveller's
// session and booking are there, and stop it.
async function assertCopyServes(database) {
  const copy = await startServer(settings, { database });
  try {
    await setClock(copy.url, `${day}T10:30:00+08:00`);
    const sameBrowser = new Client(copy.url, 'en');
    sameBrowser.cookies = new Map(traveller.cookies);
    const list = await sameBrowser.request('GET', '/api/v1/me/bookings');
    assert.equal(list.status, 200, `the session is in the copy: ${list.text}`);
    assert.deepEqual(list.json.map((booking) => booking.booking_number), [bookingNumber], 'the booking is in the copy');
    const stored = queryDatabase(database, `SELECT status FROM bookings WHERE booking_number = '${bookingNumber}'`);
    assert.deepEqual(stored, [{ status: 'confirmed' }]);
  } finally {
    await copy.stop();
  }
}

test('backup of a live SQLite database serves the booking', { skip: postgresUrl ? 'SQLite only' : false },
  async () => {
    const target = join(directory, 'copy.sqlite');
    // Registrations keep writing while the backup runs.
    let writing = true;
    const writer = (async () => {
      let written = 0;
      while (writing) {
        const response = await new Client(server.url).register({ id_number: uniqueHomeReturnPermit() });
        assert.equal(response.status, 201, response.text);
        written += 1;
      }
      return written;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const accountsBefore = countRows(server.dbPath, 'accounts');
    const result = await runCliAsync(['backup', '--db', server.dbPath, '--to', target]);
    writing = false;
    const written = await writer;
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^backed up .+ to .+copy\.sqlite: \d+ pages of \d+ bytes/);
    assert.ok(written > 0, 'registrations ran during the backup');

    assert.deepEqual(readdirSync(directory), ['copy.sqlite'], 'one file, no temporary or WAL file left');
    assert.equal(execFileSync('sqlite3', [target, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
    const copied = countRows(target, 'accounts');
    assert.ok(copied >= accountsBefore, `the copy has the ${accountsBefore} accounts from before the backup`);
    assert.ok(copied <= countRows(server.dbPath, 'accounts'), 'the copy has no account the source lacks');

    await assertCopyServes(target);
  });

test('backup never overwrites an existing file', { skip: postgresUrl ? 'SQLite only' : false }, () => {
  const target = join(directory, 'existing.sqlite');
  writeFileSync(target, 'keep me');
  const result = runCli(['backup', '--db', server.dbPath, '--to', target]);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /already exists/);
  assert.equal(statSync(target).size, 'keep me'.length, 'the file is unchanged');
  assert.ok(!readdirSync(directory).some((name) => name.includes('.partial-')), 'no temporary file left');
});

test('backup rejects a missing or invalid source', { skip: postgresUrl ? 'SQLite only' : false }, () => {
  const target = join(directory, 'never.sqlite');
  const missing = runCli(['backup', '--db', join(directory, 'no-such.db'), '--to', target]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /SQLite database not found: .*no-such\.db/);

  const notDatabase = join(directory, 'notes.txt');
  writeFileSync(notDatabase, 'this is not a database, just text long enough to fill a header '.repeat(4));
  const invalid = runCli(['backup', '--db', notDatabase, '--to', target]);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /cannot read SQLite database .*notes\.txt: file is not a database/);

  const noDirectory = runCli(['backup', '--db', server.dbPath, '--to', join(directory, 'missing', 'copy.sqlite')]);
  assert.equal(noDirectory.status, 1);
  assert.match(noDirectory.stderr, /backup directory not found/);

  assert.ok(!existsSync(target), 'no backup file was created');
  assert.ok(!readdirSync(directory).some((name) => name.includes('.partial-')), 'no temporary file left');
});

test('backup requires --to', () => {
  const result = runCli(['backup', '--db', server.dbPath]);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /--to/);
});

test('backup of a PostgreSQL URL names pg_dump', () => {
  // The command exits before connecting, so no cluster is needed here.
  const target = join(directory, 'copy.dump');
  const result = runCli(['backup', '--db', 'postgresql://yizhan@127.0.0.1:5432/yizhan', '--to', target]);
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr,
    /pg_dump --format=custom --file='[^']*copy\.dump' 'postgresql:\/\/yizhan@127\.0\.0\.1:5432\/yizhan'/);
  assert.match(result.stderr, /pg_restore/);
  assert.ok(!existsSync(target), 'nothing was written');

  const withOptions = runCli(['backup', '--db',
    'postgres://yizhan:secret@127.0.0.1:5432/yizhan?pool=20&sslmode=disable&statement_timeout=5000&password=other',
    '--to', target]);
  assert.equal(withOptions.status, 2);
  assert.ok(!/secret|other/.test(withOptions.stderr), `no password is printed: ${withOptions.stderr}`);
  assert.match(withOptions.stderr, /'postgres:\/\/yizhan@127\.0\.0\.1:5432\/yizhan\?sslmode=disable'/,
    'only the options pg_dump understands are kept');
});

test('backup of the running PostgreSQL database names pg_dump', { skip: postgresUrl ? false : 'PostgreSQL only' },
  () => {
    const result = runCli(['backup', '--db', server.dbPath, '--to', join(directory, 'live.dump')]);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(result.stderr.includes(`'${server.dbPath}'`), result.stderr);
  });

test('pg_dump of a live database restores and serves the booking',
  { skip: postgresUrl ? false : 'PostgreSQL only' }, async () => {
    const dump = join(directory, 'yizhan.dump');
    execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, server.dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const restored = createDatabase();
    try {
      execFileSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${restored.url}`, dump],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      await assertCopyServes(restored.url);
    } finally {
      restored.drop();
    }
  });
