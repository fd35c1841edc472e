// Starts the real yizhan binary on a free loopback port with a temporary
// SQLite file, and offers a small HTTP client with a cookie jar.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.YIZHAN_BINARY || join(repoRoot, 'build', 'yizhan');

// Limits high enough that a test's own requests never trip them; tests of
// the limits pass lower values.
const testDefaults = {
  login_rate_per_minute: 10000,
  register_rate_per_minute: 10000,
  captcha_rate_per_minute: 10000,
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

export async function startServer(settings = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'yizhan-test-'));
  const dbPath = join(directory, 'yizhan.sqlite');
  const configPath = join(directory, 'yizhan.conf');
  const merged = { ...testDefaults, ...settings };
  writeFileSync(configPath, Object.entries(merged).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');

  const port = await freePort();
  const child = spawn(binary, ['serve', '--db', dbPath, '--listen', `127.0.0.1:${port}`, '--test-mode',
    '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (chunk) => { logs += chunk; });
  child.stderr.on('data', (chunk) => { logs += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

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
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
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
