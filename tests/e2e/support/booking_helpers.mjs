// Setup for the booking browser tests: staff accounts made with
// `yizhan staff add`, approval and quotas through the staff API, travellers
// made ready to book through the API, and the date labels the booking
// pages show. The server's zone is the default Asia/Shanghai (UTC+8).
import assert from 'node:assert/strict';
import { Client, runCli, setClock } from '../../support/server.mjs';
import { ui } from './pages.mjs';

export const staffPassword = 'Staff2026pass';

export const bookingProfile = {
  name: '张小明',
  gender: 'male',
  birth_date: '1990-03-07',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440904',
  consent: true,
};

let staffCounter = 0;

// Adds a staff account of `role`, logs it in through the API and returns
// its Client.
export async function staffSession(server, role) {
  staffCounter += 1;
  const username = `${role.replace(/_/g, '')}${process.pid % 10000}b${staffCounter}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', role,
    '--password-stdin'], `${staffPassword}\n`);
  assert.equal(added.status, 0, `staff add ${username}: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session', { json: { username, password: staffPassword } });
  assert.equal(login.status, 200, `staff login ${username}: ${login.text}`);
  return client;
}

// Approves everything pending of `accountId` as `reviewer`.
export async function approve(reviewer, accountId) {
  const decided = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`, { json: { decision: 'approve' } });
  assert.equal(decided.status, 200, `approve account ${accountId}: ${decided.text}`);
  assert.equal(decided.json.status, 'approved');
}

export async function setQuota(operator, date, quota) {
  const response = await operator.request('PUT', `/api/v1/staff/quotas/${date}`, { json: { quota } });
  assert.equal(response.status, 200, `quota ${quota} on ${date}: ${response.text}`);
}

export async function accountIdOf(client) {
  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, `GET /api/v1/me: ${me.text}`);
  return me.json.account_id;
}

// Saves `bookingProfile` for the logged-in `client` and submits it.
export async function submitProfile(client, fields = {}) {
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: { ...bookingProfile, ...fields } });
  assert.equal(saved.status, 200, `save profile: ${saved.text}`);
  const submitted = await client.request('POST', '/api/v1/me/profile/submit');
  assert.equal(submitted.status, 200, `submit profile: ${submitted.text}`);
}

// Registers a traveller through the API in `language`, submits the
// personal information, approves it and returns the traveller's Client.
export async function approvedTraveller(server, reviewer, language = 'zh-Hans') {
  const client = new Client(server.url, language);
  const registered = await client.register();
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  await submitProfile(client);
  await approve(reviewer, registered.json.account_id);
  return client;
}

// Gives a browser context the cookies (session, language) of an API client.
export async function shareCookies(client, browserContext) {
  const cookies = [...client.cookies].map(([name, value]) => ({ name, value, url: client.baseUrl }));
  await browserContext.addCookies(cookies);
}

// An API client that shares the browser context's cookies (the session of
// a traveller who signed up in the browser).
export async function clientFromBrowser(browserContext, baseUrl) {
  const client = new Client(baseUrl);
  for (const cookie of await browserContext.cookies(baseUrl)) client.cookies.set(cookie.name, cookie.value);
  return client;
}

// Books `date` through the API for `client` and returns the booking number.
export async function bookThroughApi(client, date) {
  const captchaId = await client.captcha();
  const booked = await client.request('POST', '/api/v1/bookings',
    { json: { date, captcha_id: captchaId, captcha_answer: '0000' } });
  assert.equal(booked.status, 201, `book ${date}: ${booked.text}`);
  return booked.json.booking_number;
}

// YYYY-MM-DD `days` after `date` (negative for before).
export function addDays(date, days) {
  const moment = new Date(`${date}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

// Sets the server clock to `time` (HH:MM:SS) local time on `date`.
export function setLocalClock(server, date, time) {
  return setClock(server.url, `${date}T${time}+08:00`);
}

// The label the booking pages give `date`, from the catalog's format.
export function dayLabel(language, date) {
  const moment = new Date(`${date}T00:00:00Z`);
  const month = moment.getUTCMonth() + 1;
  const values = {
    year: String(moment.getUTCFullYear()),
    month: String(month),
    month_name: ui(language, `booking_month_${month}`),
    day: String(moment.getUTCDate()),
    weekday: ui(language, `booking_weekday_${moment.getUTCDay()}`),
  };
  return ui(language, 'booking_day_format').replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
}

// A catalog text with its {name} placeholders filled from `values`.
export function uiFilled(language, key, values) {
  return ui(language, key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The date items of the booking page as { date, state, linked, remaining, label }.
export async function readDays(page) {
  return page.locator('#days li.day').evaluateAll((items) => items.map((item) => ({
    date: item.dataset.date,
    state: item.dataset.state,
    linked: item.querySelector('a.day-link').hasAttribute('href'),
    remaining: Number(item.querySelector('.remaining-count').textContent),
    label: item.querySelector('.day-state').textContent.trim(),
  })));
}

// The open-date rows of the publicity page as { date, quota, booked, remaining, state }.
export async function readPublicity(page) {
  return page.locator('#open-dates tbody tr').evaluateAll((rows) => rows.map((row) => {
    const field = (name) => row.querySelector(`[data-field="${name}"]`).textContent.trim();
    return {
      date: row.dataset.date,
      quota: Number(field('quota')),
      booked: Number(field('booked')),
      remaining: Number(field('remaining')),
      state: field('state'),
    };
  }));
}
