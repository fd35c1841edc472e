// Starts the real yizhan binary on a free loopback port with a database of
// its own, and offers a small HTTP client with a cookie jar.
//
// The database is a temporary SQLite file, or, when the environment variable
// YIZHAN_TEST_POSTGRES_URL names a PostgreSQL maintenance database (e.g.
// postgresql://postgres@127.0.0.1:55432/yizhan from scripts/pg-cluster.sh),
// a fresh PostgreSQL database created on that cluster for each server.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.YIZHAN_BINARY || join(repoRoot, 'build', 'yizhan');

// Limits high enough that a test's own requests never trip them; tests of
// the limits pass lower values.
const testDefaults = {
  login_rate_per_minute: 10000,
  register_rate_per_minute: 10000,
  captcha_rate_per_minute: 10000,
  booking_rate_per_minute: 10000,
  booking_account_rate_per_minute: 10000,
};

export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Run a yizhan subcommand to completion; returns { status, stdout, stderr }.
export function runCli(args, input = '') {
  try {
    const stdout = execFileSync(binary, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    return { status: error.status, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

// The PostgreSQL maintenance database URL the suite runs against, or '' for
// SQLite.
export const postgresUrl = process.env.YIZHAN_TEST_POSTGRES_URL || '';

// Whether `database` (a --db value) names a PostgreSQL database.
export function isPostgresUrl(database) {
  return /^postgres(ql)?:\/\//.test(database);
}

// Run `sql` through psql on the database at `url`; returns psql's output.
function psql(url, sql, extraArgs = []) {
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extraArgs, '-d', url, '-c', sql],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let databaseSequence = 0;

// Create an empty database for a server: a new database on the PostgreSQL
// cluster of `maintenanceUrl` (default: YIZHAN_TEST_POSTGRES_URL), or a
// SQLite path in a new temporary directory when neither is set. Returns
// { url, drop() }; `url` is what `--db` takes.
export function createDatabase(maintenanceUrl = postgresUrl) {
  if (!maintenanceUrl) {
    const directory = mkdtempSync(join(tmpdir(), 'yizhan-db-'));
    return {
      url: join(directory, 'yizhan.sqlite'),
      drop() { rmSync(directory, { recursive: true, force: true }); },
    };
  }
  databaseSequence += 1;
  // Lower case and digits only, so the name needs no quoting.
  const name = `yizhan_test_${process.pid}_${databaseSequence}_${randomBytes(3).toString('hex')}`;
  psql(maintenanceUrl, `CREATE DATABASE ${name}`);
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop() {
      // FORCE ends connections a killed server may have left behind.
      psql(maintenanceUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

// `settings` are config file keys (see src/service/config.h). The server
// runs with --test-mode unless `options.testMode` is false. It gets a
// database of its own, dropped by stop(), unless `options.database` names
// an existing one (a SQLite path or a postgresql:// URL). stop() leaves
// such a database alone, so several servers can share it.
// The returned `dbPath` is the --db value, a file path or a URL.
export async function startServer(settings = {}, { testMode = true, database } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'yizhan-test-'));
  const owned = database === undefined
    ? (postgresUrl ? createDatabase(postgresUrl) : { url: join(directory, 'yizhan.sqlite'), drop() {} })
    : undefined;
  const dbPath = owned ? owned.url : database;
  const configPath = join(directory, 'yizhan.conf');
  const merged = { ...testDefaults, ...settings };
  // Slip keys default to the SQLite file's directory. A URL has no
  // directory, so the keys go to the server's temporary directory instead.
  if (isPostgresUrl(dbPath) && merged.slip_key_dir === undefined) {
    merged.slip_key_dir = join(directory, 'slip-keys');
  }
  writeFileSync(configPath, Object.entries(merged).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');

  const port = await freePort();
  const modeFlags = testMode ? ['--test-mode'] : [];
  const child = spawn(binary, ['serve', '--db', dbPath, '--listen', `127.0.0.1:${port}`, ...modeFlags,
    '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (chunk) => { logs += chunk; });
  child.stderr.on('data', (chunk) => { logs += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const cleanUp = () => {
    rmSync(directory, { recursive: true, force: true });
    owned?.drop();
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      cleanUp();
      throw new Error(`yizhan did not start (exit ${child.exitCode}):\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    port,
    dbPath,
    directory,
    child,
    logs: () => logs,
    // The server writes its log out once a second (at once for warnings):
    // wait until `pattern` appears, then return everything logged so far.
    async waitForLogs(pattern, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(logs)) {
        assert.ok(Date.now() < deadline, `the server did not log ${pattern} within ${timeoutMs} ms:\n${logs.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return logs;
    },
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      cleanUp();
    },
  };
}

// A client that keeps cookies like a browser does (one jar per client).
export class Client {
  constructor(baseUrl, language) {
    this.baseUrl = baseUrl;
    this.cookies = new Map();
    if (language) this.cookies.set('lang', language);
  }

  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  storeCookies(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const deleted = attributes.some((a) => a.trim().toLowerCase() === 'max-age=0');
      if (deleted) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  // options: { json, form, body, headers }
  async request(method, path, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    this.storeCookies(response);
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  async captcha() {
    const response = await this.request('GET', '/api/v1/captcha');
    if (response.status !== 200) throw new Error(`captcha failed: ${response.status} ${response.text}`);
    return response.json.id;
  }

  // Register through the API with valid defaults; `fields` overrides them.
  async register(fields = {}) {
    const body = {
      id_type: 'home_return_permit',
      id_number: uniqueHomeReturnPermit(),
      password: 'abc12345',
      password_confirm: fields.password ?? 'abc12345',
      captcha_id: await this.captcha(),
      captcha_answer: '0000',
      consent: true,
      ...fields,
    };
    const response = await this.request('POST', '/api/v1/accounts', { json: body });
    return { ...response, sent: body };
  }

  async login(fields) {
    const body = { captcha_id: await this.captcha(), captcha_answer: '0000', ...fields };
    return this.request('POST', '/api/v1/session', { json: body });
  }
}

let sequence = 0;
// A Home Return Permit number not used before in this process.
export function uniqueHomeReturnPermit() {
  sequence += 1;
  const digits = String((process.pid * 1000 + sequence) % 100000000).padStart(8, '0');
  return `H${digits}`;
}

// Send `data` (a string or Buffer, sent as is) over a new TCP connection and
// collect the reply until the server closes the connection or `timeoutMs`
// passes. For requests that fetch() would normalise or refuse to send.
// Returns { status, head, headers, body, closedByServer }; status is 0 when
// nothing parseable came back.
export function rawRequest(port, data, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks = [];
    let closedByServer = false;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const body = split < 0 ? '' : text.slice(split + 4);
      const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const headers = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: statusMatch ? Number(statusMatch[1]) : 0, head, headers, body, closedByServer });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => { closedByServer = true; finish(); });
    socket.on('close', finish);
    // A reset after the reply still leaves the reply in `chunks`.
    socket.on('error', finish);
    socket.write(data);
  });
}

// Run one SQL statement on a test server's database and return the rows as
// objects, numbers as numbers and NULL as null. A SQLite file goes through
// the sqlite3 shell (Debian package sqlite3); reading while the server runs
// is safe because the store uses WAL. A postgresql:// URL goes through psql,
// which turns each row of a SELECT or WITH query into JSON; other statements
// return []. Write `sql` in the dialect both backends share.
export function queryDatabase(dbPath, sql) {
  if (!isPostgresUrl(dbPath)) {
    const output = execFileSync('sqlite3', ['-json', dbPath, sql], { encoding: 'utf8' });
    return output.trim() === '' ? [] : JSON.parse(output);
  }
  const statement = sql.trim().replace(/;$/, '');
  if (!/^(select|with)\b/i.test(statement)) {
    psql(dbPath, statement);
    return [];
  }
  // One JSON object per line; a subquery scan keeps the rows in the order
  // the inner ORDER BY gave them.
  const output = psql(dbPath, `SELECT row_to_json(result) FROM (${statement}) AS result`, ['-A', '-t']);
  return output.split('\n').filter((line) => line !== '').map((line) => sqliteShaped(JSON.parse(line)));
}

// SQLite has no boolean type and the sqlite3 shell prints 1 and 0, so a
// PostgreSQL BOOLEAN becomes 1 or 0 as well.
function sqliteShaped(row) {
  return Object.fromEntries(Object.entries(row)
    .map(([key, value]) => [key, typeof value === 'boolean' ? Number(value) : value]));
}

// Count the rows of `table` in a test server's database.
export function countRows(dbPath, table) {
  return queryDatabase(dbPath, `SELECT count(*) AS n FROM ${table}`)[0].n;
}

// Set the test-mode clock of the server at `baseUrl`; `instant` is a Date or
// an RFC 3339 string. Returns the server's new "now" as a Date.
export async function setClock(baseUrl, instant) {
  const now = instant instanceof Date ? instant.toISOString() : instant;
  const response = await new Client(baseUrl).request('PUT', '/api/v1/test/clock', { json: { now } });
  if (response.status !== 200) throw new Error(`setting the clock failed: ${response.status} ${response.text}`);
  return new Date(response.json.now);
}

// Move the test-mode clock forward by `seconds` from the server's current
// time. Returns the server's new "now" as a Date.
export async function advanceClock(baseUrl, seconds) {
  const response = await new Client(baseUrl).request('GET', '/api/v1/test/clock');
  if (response.status !== 200) throw new Error(`reading the clock failed: ${response.status} ${response.text}`);
  return setClock(baseUrl, new Date(Date.parse(response.json.now) + seconds * 1000));
}

// The message catalog of `language` as shipped in share/i18n: { ui, errors },
// merged from the language's folder of JSON files the way the server merges
// them (or read from a single <language>.json file).
export function catalog(language) {
  const folder = join(repoRoot, 'share', 'i18n', language);
  const files = existsSync(folder)
    ? readdirSync(folder).filter((name) => name.endsWith('.json')).sort().map((name) => join(folder, name))
    : [`${folder}.json`];
  const merged = { ui: {}, errors: {} };
  for (const file of files) {
    const document = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(merged.ui, document.ui ?? {});
    Object.assign(merged.errors, document.errors ?? {});
  }
  return merged;
}

// Assert that `response` is a JSON API error with this status, code and
// field (null when the error names no field), in the documented shape
// {"error": {"code", "message", "field"}} with a non-empty message.
export function assertApiError(response, { status, code, field = null }, context = '') {
  const where = context ? ` (${context})` : '';
  assert.equal(response.status, status, `status${where}; body: ${response.text.slice(0, 300)}`);
  assert.ok(response.json, `body is JSON${where}; body: ${response.text.slice(0, 300)}`);
  assert.equal(typeof response.json.error, 'object', `body is {"error": {...}}${where}; body: ${response.text.slice(0, 300)}`);
  assert.deepEqual(Object.keys(response.json).sort(), ['error'], `only "error" at the top level${where}`);
  assert.deepEqual(Object.keys(response.json.error).sort(), ['code', 'field', 'message'],
    `error members${where}`);
  assert.equal(response.json.error.code, code, `error code${where}`);
  assert.equal(response.json.error.field, field, `error field${where}`);
  assert.equal(typeof response.json.error.message, 'string', `message is a string${where}`);
  assert.ok(response.json.error.message.length > 0, `message is not empty${where}`);
}
