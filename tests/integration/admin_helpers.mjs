// Shared setup for the back-office suites (admin_*.test.mjs): staff accounts
// made with `yizhan staff add`, travellers with a submitted profile, and
// form posts that carry the CSRF token the way a browser does.
import assert from 'node:assert/strict';
import { Client, runCli } from '../support/server.mjs';

export const roles = ['admin', 'reviewer', 'operator', 'port_officer', 'station_staff'];
export const staffPassword = 'Staff2026pass';
export const travellerPassword = 'abc12345';

let usernameCounter = 0;
export function uniqueUsername(prefix = 'staff') {
  usernameCounter += 1;
  return `${prefix.replace(/_/g, '')}${process.pid % 10000}n${usernameCounter}`;
}

// Add a staff account with the CLI; returns { username, password, role }.
export function addStaff(server, role, username = uniqueUsername(role)) {
  const result = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(result.status, 0, `staff add ${username}: ${result.stderr}`);
  return { username, password: staffPassword, role };
}

export async function loginStaff(server, credentials) {
  const client = new Client(server.url, 'en');
  const response = await client.request('POST', '/api/v1/staff/session',
    { json: { username: credentials.username, password: credentials.password } });
  assert.equal(response.status, 200, `staff login ${credentials.username}: ${response.text}`);
  client.staffId = response.json.staff_id;
  client.username = credentials.username;
  return client;
}

// A new staff account of `role`, logged in; the client carries staffId and username.
export async function staffClient(server, role) {
  return loginStaff(server, addStaff(server, role));
}

// A resident ID number with the right check digit (ISO 7064 MOD 11-2).
export function residentId(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((total, digit, i) => total + Number(digit) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

let residentCounter = 0;
// A resident ID of a man born 1990-03-07, not used before in this process.
export function uniqueResidentId() {
  residentCounter += 1;
  const sequence = (process.pid * 7 + residentCounter * 2) % 1000;
  // An odd 17th digit marks a man.
  const odd = sequence % 2 === 1 ? sequence : (sequence + 1) % 1000;
  return residentId(`11010119900307${String(odd).padStart(3, '0')}`);
}

export const validProfile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440304',
  consent: true,
};

// Register a traveller, save `profile` and submit it for review. Returns
// { client, accountId, idType, idNumber }.
export async function submittedTraveller(server, { idType = 'resident_id', idNumber, profile = {} } = {}) {
  const client = new Client(server.url, 'en');
  const number = idNumber ?? uniqueResidentId();
  const registered = await client.register({ id_type: idType, id_number: number, password: travellerPassword });
  assert.equal(registered.status, 201, `register ${idType}: ${registered.text}`);
  await saveAndSubmit(client, { ...validProfile, ...profile });
  return { client, accountId: registered.json.account_id, idType, idNumber: number };
}

export async function saveAndSubmit(client, fields) {
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: fields });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
  return submitted;
}

// Post an HTML form as a browser would: with the CSRF cookie, which a GET
// of any page sets, echoed in the csrf field.
export async function postForm(client, path, fields = {}) {
  if (!client.cookies.get('yz_csrf')) {
    const page = await client.request('GET', '/guide');
    assert.ok(client.cookies.get('yz_csrf'), `a page sets the CSRF cookie (status ${page.status})`);
  }
  return client.request('POST', path, { form: { csrf: client.cookies.get('yz_csrf'), ...fields } });
}

// The audit entries matching `filters` (an object of query parameters).
export async function auditEntries(adminClient, filters = {}) {
  const query = new URLSearchParams({ limit: '200', ...filters }).toString();
  const response = await adminClient.request('GET', `/api/v1/staff/audit?${query}`);
  assert.equal(response.status, 200, `audit: ${response.text}`);
  return response.json;
}

// The text of an element with `id` in an HTML page, tags removed; null when absent.
export function elementText(html, id) {
  const match = new RegExp(`<[a-z0-9]+[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</`, 'i').exec(html);
  return match ? match[1].replace(/<[^>]+>/g, '').trim() : null;
}

// Undo the HTML escaping of the templates, for comparing page text with
// catalog messages.
export function unescapeHtml(text) {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
