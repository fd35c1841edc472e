// The audit log viewer: GET /api/v1/staff/audit and the /admin/audit page,
// with filters by staff, action, target and local date range, paging, and
// masked ID numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertApiError, catalog, setClock } from '../support/server.mjs';
import { staffClient, submittedTraveller, auditEntries, elementText, staffPassword } from './admin_helpers.mjs';

let server;
let admin;
let reviewer;
before(async () => {
  server = await startServer();
  admin = await staffClient(server, 'admin');
  reviewer = await staffClient(server, 'reviewer');
});
after(async () => { await server.stop(); });

function audit(query = '') {
  return admin.request('GET', `/api/v1/staff/audit${query}`);
}

async function addStaffAccount(username, role = 'reviewer') {
  const response = await admin.request('POST', '/api/v1/staff/accounts',
    { json: { username, role, password: staffPassword } });
  assert.equal(response.status, 201, response.text);
  return response.json.staff_id;
}

test('entries are newest first with before and after documents', async () => {
  const { accountId, idNumber } = await submittedTraveller(server);
  const decided = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision: 'reject', reason: 'other', note: 'Blurred photo' } });
  assert.equal(decided.status, 200, decided.text);
  const staffId = await addStaffAccount('auditnewest');

  const response = await audit();
  assert.equal(response.status, 200, response.text);
  const [newest, older] = response.json;
  assert.equal(newest.action, 'staff.add');
  assert.equal(newest.target_id, String(staffId));
  assert.equal(older.action, 'review.reject');
  assert.deepEqual(Object.keys(newest).sort(),
    ['action', 'after', 'at', 'before', 'id', 'staff_id', 'staff_username', 'target_id', 'target_type']);
  assert.match(newest.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  assert.equal(older.staff_username, reviewer.username);
  assert.equal(older.staff_id, reviewer.staffId);
  assert.equal(older.before.status, 'pending');
  assert.equal(older.after.status, 'rejected');
  assert.ok(!response.text.includes(idNumber), 'no full ID number in the audit log');
  assert.equal(older.before.id_number_masked, `${idNumber.slice(0, 4)}****${idNumber.slice(-1)}`);
});

test('filters by staff, action and target', async () => {
  const staffId = await addStaffAccount('auditfilter');
  const patched = await admin.request('PATCH', `/api/v1/staff/accounts/${staffId}`, { json: { role: 'operator' } });
  assert.equal(patched.status, 200, patched.text);

  const byTarget = await auditEntries(admin, { target_type: 'staff', target_id: String(staffId) });
  assert.deepEqual(byTarget.map((entry) => entry.action), ['staff.update', 'staff.add']);
  const byAction = await auditEntries(admin, { action: 'staff.update', target_id: String(staffId) });
  assert.equal(byAction.length, 1);
  const byStaff = await auditEntries(admin, { staff: reviewer.username });
  assert.ok(byStaff.length >= 1);
  assert.ok(byStaff.every((entry) => entry.staff_username === reviewer.username));
  assert.deepEqual(await auditEntries(admin, { staff: 'nobody-here' }), []);
});

test('pages with limit and offset', async () => {
  const all = (await audit('?limit=200')).json;
  assert.ok(all.length >= 3);
  const second = await audit('?limit=1&offset=1');
  assert.equal(second.status, 200);
  assert.deepEqual(second.json.map((entry) => entry.id), [all[1].id]);
  const cases = [
    ['?limit=0', 'paging.limit_invalid', 'limit'],
    ['?limit=201', 'paging.limit_invalid', 'limit'],
    ['?offset=x', 'paging.offset_invalid', 'offset'],
  ];
  for (const [query, code, field] of cases) assertApiError(await audit(query), { status: 400, code, field }, query);
});

test('rejects invalid dates and reversed ranges', async () => {
  const cases = [
    ['?from=2026-02-30', 'audit.date_invalid', 'from'],
    ['?from=20260301', 'audit.date_invalid', 'from'],
    ['?to=yesterday', 'audit.date_invalid', 'to'],
    ['?from=2026-03-05&to=2026-03-04', 'audit.range_invalid', 'to'],
  ];
  for (const [query, code, field] of cases) assertApiError(await audit(query), { status: 422, code, field }, query);
});

test('date filters use local days and include the end date', async () => {
  // Local 2026-03-04 00:30 is still 2026-03-03 in UTC, so only a filter in
  // the configured zone puts it on the 4th.
  await setClock(server.url, '2026-03-01T10:00:00+08:00');
  const early = await addStaffAccount('auditearly');
  await setClock(server.url, '2026-03-04T00:30:00+08:00');
  const late = await addStaffAccount('auditlate');

  const ids = async (query) => (await auditEntries(admin, { action: 'staff.add', ...query }))
    .map((entry) => Number(entry.target_id)).filter((id) => id === early || id === late);
  assert.deepEqual(await ids({ from: '2026-03-01', to: '2026-03-01' }), [early]);
  assert.deepEqual(await ids({ from: '2026-03-01', to: '2026-03-03' }), [early]);
  assert.deepEqual(await ids({ from: '2026-03-04', to: '2026-03-04' }), [late]);
  assert.deepEqual(await ids({ from: '2026-03-01', to: '2026-03-04' }), [late, early]);
  assert.deepEqual(await ids({ from: '2026-03-02', to: '2026-03-03' }), []);
});

test('audit page shows entries with filters and paging', async () => {
  const staffId = await addStaffAccount('auditpaging');
  for (let i = 0; i < 51; i += 1) {
    const role = i % 2 === 0 ? 'operator' : 'reviewer';
    const response = await admin.request('PATCH', `/api/v1/staff/accounts/${staffId}`, { json: { role } });
    assert.equal(response.status, 200, response.text);
  }
  const filter = `action=staff.update&target_type=staff&target_id=${staffId}`;
  const first = await admin.request('GET', `/admin/audit?${filter}`);
  assert.equal(first.status, 200);
  assert.equal((first.text.match(/<tr id="audit-\d+">/g) ?? []).length, 50, 'a page holds 50 entries');
  assert.ok(first.text.includes(`value="${staffId}"`), 'the filter is kept in the form');
  const next = /href="([^"]+)" id="next-page"/.exec(first.text);
  assert.ok(next, 'a link to the next page');

  const second = await admin.request('GET', next[1].replace(/&amp;/g, '&'));
  assert.equal(second.status, 200);
  assert.equal((second.text.match(/<tr id="audit-\d+">/g) ?? []).length, 1);
  assert.ok(second.text.includes('id="previous-page"'));
  assert.ok(!second.text.includes('id="next-page"'));
});

test('audit page explains a bad date', async () => {
  const page = await admin.request('GET', '/admin/audit?from=2026-13-01');
  assert.equal(page.status, 422);
  assert.equal(elementText(page.text, 'form-error'), catalog('en').errors['audit.date_invalid']);
  assert.equal((await admin.request('GET', '/admin/audit?page=0')).status, 400);
});

test('audit page masks ID numbers', async () => {
  const { accountId, idNumber } = await submittedTraveller(server);
  const decided = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`, { json: { decision: 'approve' } });
  assert.equal(decided.status, 200, decided.text);
  const page = await admin.request('GET', `/admin/audit?target_type=account&target_id=${accountId}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes('review.approve'));
  assert.ok(!page.text.includes(idNumber), 'no full ID number on the page');
});
