// The review queue: GET /api/v1/staff/reviews with the system's checks and
// change markers, decisions through POST /api/v1/staff/reviews/{account_id}
// and through the /admin/reviews pages, invalid reasons, and two reviewers
// deciding the same submission at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, catalog, uniqueHomeReturnPermit } from '../support/server.mjs';
import {
  staffClient, submittedTraveller, saveAndSubmit, postForm, auditEntries, elementText, unescapeHtml,
} from './admin_helpers.mjs';

const reasons = ['document_mismatch', 'name_mismatch', 'birth_date_mismatch', 'mobile_invalid',
  'destination_invalid', 'duplicate_account', 'other'];

let server;
let reviewer;
let secondReviewer;
let admin;
before(async () => {
  server = await startServer();
  reviewer = await staffClient(server, 'reviewer');
  secondReviewer = await staffClient(server, 'reviewer');
  admin = await staffClient(server, 'admin');
});
after(async () => { await server.stop(); });

function decide(client, accountId, body) {
  return client.request('POST', `/api/v1/staff/reviews/${accountId}`, { json: body });
}

async function queueItem(accountId) {
  const queue = await reviewer.request('GET', '/api/v1/staff/reviews?limit=200');
  assert.equal(queue.status, 200, queue.text);
  return queue.json.find((item) => item.account_id === accountId);
}

test('empty queue is an empty list with a zero total', async () => {
  const queue = await reviewer.request('GET', '/api/v1/staff/reviews');
  assert.equal(queue.status, 200, queue.text);
  assert.deepEqual(queue.json, []);
  assert.equal(queue.headers.get('x-total-count'), '0');
});

test('queue lists submissions oldest first with masked numbers', async () => {
  const first = await submittedTraveller(server);
  const second = await submittedTraveller(server);
  const queue = await reviewer.request('GET', '/api/v1/staff/reviews?limit=200');
  assert.equal(queue.status, 200, queue.text);
  const ids = queue.json.map((item) => item.account_id);
  assert.ok(ids.includes(first.accountId), `the first submission is queued: ${ids}`);
  assert.ok(ids.indexOf(first.accountId) < ids.indexOf(second.accountId), `oldest first: ${ids}`);
  assert.ok(!queue.text.includes(first.idNumber), 'no full ID number in the queue');
  assert.equal(Number(queue.headers.get('x-total-count')), queue.json.length);

  const item = queue.json.find((entry) => entry.account_id === first.accountId);
  for (const key of ['account_id', 'submitted_at', 'id_type', 'id_number_masked', 'name', 'gender', 'birth_date',
    'hk_mobile', 'mainland_mobile', 'destination_code', 'checks', 'changed_fields']) {
    assert.ok(key in item, `item has ${key}`);
  }
  assert.equal(item.id_type, 'resident_id');
  assert.equal(item.id_number_masked, `${first.idNumber.slice(0, 4)}****${first.idNumber.slice(-1)}`);
  assert.match(item.submitted_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  assert.equal(item.name, '陳大文');
  assert.equal(item.id_number, undefined, 'the list never carries the full number');
});

test('queue pages with limit and offset', async () => {
  await submittedTraveller(server);
  await submittedTraveller(server);
  const all = (await reviewer.request('GET', '/api/v1/staff/reviews?limit=200')).json;
  const page = await reviewer.request('GET', '/api/v1/staff/reviews?limit=1&offset=1');
  assert.equal(page.status, 200, page.text);
  assert.equal(page.json.length, 1);
  assert.equal(page.json[0].account_id, all[1].account_id);
});

test('queue rejects bad paging values', async () => {
  const cases = [
    ['limit=0', 'paging.limit_invalid', 'limit'],
    ['limit=201', 'paging.limit_invalid', 'limit'],
    ['limit=abc', 'paging.limit_invalid', 'limit'],
    ['limit=-1', 'paging.limit_invalid', 'limit'],
    ['offset=-5', 'paging.offset_invalid', 'offset'],
    ['offset=1.5', 'paging.offset_invalid', 'offset'],
  ];
  for (const [query, code, field] of cases) {
    assertApiError(await reviewer.request('GET', `/api/v1/staff/reviews?${query}`), { status: 400, code, field }, query);
  }
});

test('checks of a resident ID submission all pass', async () => {
  const { accountId } = await submittedTraveller(server);
  const item = await queueItem(accountId);
  assert.deepEqual(item.checks.id_number, { format_valid: true, check_digit_valid: true, same_number_accounts: 0 });
  assert.equal(item.checks.birth_date.matches_id, true);
  assert.equal(item.checks.gender.matches_id, true);
  assert.equal(item.checks.destination_code.known, true);
  for (const field of ['name', 'gender', 'birth_date', 'hk_mobile', 'mainland_mobile', 'destination_code']) {
    assert.equal(item.checks[field].format_valid, true, `${field} format`);
  }
  assert.equal(item.previously_approved, false);
  assert.deepEqual(item.changed_fields, []);
});

test('other document types skip resident checks', async () => {
  const { accountId } = await submittedTraveller(server,
    { idType: 'home_return_permit', idNumber: uniqueHomeReturnPermit() });
  const item = await queueItem(accountId);
  assert.equal(item.checks.id_number.format_valid, true);
  assert.equal(item.checks.id_number.check_digit_valid, null);
  assert.equal(item.checks.birth_date.matches_id, null);
  assert.equal(item.checks.gender.matches_id, null);
});

test('checks count other accounts with the same number', async () => {
  const number = uniqueHomeReturnPermit();
  const { accountId } = await submittedTraveller(server, { idType: 'passport', idNumber: number });
  const other = await new Client(server.url).register({ id_type: 'home_return_permit', id_number: number });
  assert.equal(other.status, 201, other.text);
  const item = await queueItem(accountId);
  assert.equal(item.checks.id_number.same_number_accounts, 1);
});

test('detail shows the full ID number', async () => {
  const { accountId, idNumber } = await submittedTraveller(server);
  const detail = await reviewer.request('GET', `/api/v1/staff/reviews/${accountId}`);
  assert.equal(detail.status, 200, detail.text);
  assert.equal(detail.json.id_number, idNumber);
  assert.equal(detail.json.status, 'pending');
  assertApiError(await reviewer.request('GET', '/api/v1/staff/reviews/999999'), { status: 404, code: 'review.not_found' });
  assertApiError(await reviewer.request('GET', '/api/v1/staff/reviews/abc'), { status: 404, code: 'review.not_found' });
});

test('approve records the decision and leaves the queue', async () => {
  const { client, accountId } = await submittedTraveller(server);
  const response = await decide(reviewer, accountId, { decision: 'approve' });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.status, 'approved');
  assert.equal(response.json.account_id, accountId);
  assert.equal(await queueItem(accountId), undefined, 'no longer queued');

  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.json.review_status, 'approved');

  const [entry] = await auditEntries(admin, { action: 'review.approve', target_id: String(accountId) });
  assert.ok(entry, 'an audit entry');
  assert.equal(entry.staff_username, reviewer.username);
  assert.equal(entry.target_type, 'account');
  assert.equal(entry.before.status, 'pending');
  assert.equal(entry.after.status, 'approved');
  assert.equal(entry.after.approved.name, '陳大文');
});

test('reject with each reason records it for the traveller', async () => {
  for (const reason of reasons) {
    const { client, accountId } = await submittedTraveller(server);
    const note = reason === 'other' ? 'The photo is unreadable.' : '';
    const response = await decide(reviewer, accountId, { decision: 'reject', reason, note });
    assert.equal(response.status, 200, `${reason}: ${response.text}`);
    assert.equal(response.json.status, 'rejected');
    assert.equal(response.json.reason, reason);
    assert.equal(response.json.note, note);

    const me = await client.request('GET', '/api/v1/me');
    assert.equal(me.json.review_status, 'rejected', reason);

    const [entry] = await auditEntries(admin, { action: 'review.reject', target_id: String(accountId) });
    assert.ok(entry, `${reason}: an audit entry`);
    assert.equal(entry.before.status, 'pending');
    assert.deepEqual(entry.after, { status: 'rejected', reason, note }, reason);
  }
});

test('invalid decisions are rejected and change nothing', async () => {
  const { accountId } = await submittedTraveller(server);
  const cases = [
    [{ decision: 'maybe' }, 422, 'review.decision_invalid', 'decision'],
    [{ decision: 'reject' }, 422, 'review.reason_required', 'reason'],
    [{ decision: 'reject', reason: '' }, 422, 'review.reason_required', 'reason'],
    [{ decision: 'reject', reason: 'bad_photo' }, 422, 'review.reason_invalid', 'reason'],
    [{ decision: 'reject', reason: 'other' }, 422, 'review.note_required', 'note'],
    [{ decision: 'reject', reason: 'other', note: '   ' }, 422, 'review.note_required', 'note'],
    [{ decision: 'reject', reason: 'other', note: 'x'.repeat(501) }, 422, 'review.note_too_long', 'note'],
    [{ decision: 'approve', reason: 'name_mismatch' }, 422, 'review.reason_unexpected', 'reason'],
    [{ reason: 'other' }, 422, 'request.field_missing', 'decision'],
    [{ decision: 'approve', comment: 'hi' }, 400, 'request.unknown_field', 'comment'],
    [{ decision: true }, 400, 'request.wrong_type', 'decision'],
    [{ decision: 'approve', version: 'one' }, 400, 'request.wrong_type', 'version'],
  ];
  for (const [body, status, code, field] of cases) {
    assertApiError(await decide(reviewer, accountId, body), { status, code, field }, JSON.stringify(body));
  }
  const malformed = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { body: '{"decision":', headers: { 'content-type': 'application/json' } });
  assertApiError(malformed, { status: 400, code: 'request.malformed_json' });

  const item = await queueItem(accountId);
  assert.ok(item, 'still in the queue');
  assert.equal(item.status, 'pending');
  assert.deepEqual(await auditEntries(admin, { target_type: 'account', target_id: String(accountId) }), []);
});

test('error messages follow the request language', async () => {
  const { accountId } = await submittedTraveller(server);
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const client = new Client(server.url, language);
    client.cookies.set('yz_staff', reviewer.cookies.get('yz_staff'));
    const response = await decide(client, accountId, { decision: 'reject' });
    assertApiError(response, { status: 422, code: 'review.reason_required', field: 'reason' }, language);
    assert.equal(response.json.error.message, catalog(language).errors['review.reason_required'], language);
  }
});

test('decisions on unknown or decided submissions fail', async () => {
  assertApiError(await decide(reviewer, 999999, { decision: 'approve' }), { status: 404, code: 'review.not_found' });
  assertApiError(await decide(reviewer, 'x1', { decision: 'approve' }), { status: 404, code: 'review.not_found' });

  const { accountId } = await submittedTraveller(server);
  assert.equal((await decide(reviewer, accountId, { decision: 'approve' })).status, 200);
  assertApiError(await decide(secondReviewer, accountId, { decision: 'reject', reason: 'name_mismatch' }),
    { status: 409, code: 'review.not_pending' });
  const entries = await auditEntries(admin, { target_type: 'account', target_id: String(accountId) });
  assert.equal(entries.length, 1, 'only the first decision is audited');
});

test('a draft is not pending', async () => {
  const client = new Client(server.url, 'en');
  const registered = await client.register();
  assert.equal(registered.status, 201, registered.text);
  const saved = await client.request('PUT', '/api/v1/me/profile', { json: { name: '李小龍' } });
  assert.equal(saved.status, 200, saved.text);
  assertApiError(await decide(reviewer, registered.json.account_id, { decision: 'approve' }),
    { status: 409, code: 'review.not_pending' });
});

test('a decision on an older version is not pending', async () => {
  const { accountId } = await submittedTraveller(server);
  const { version } = await queueItem(accountId);
  assertApiError(await decide(reviewer, accountId, { decision: 'approve', version: version - 1 }),
    { status: 409, code: 'review.not_pending' });
  const response = await decide(reviewer, accountId, { decision: 'approve', version });
  assert.equal(response.status, 200, response.text);
});

test('concurrent decisions have exactly one winner', async () => {
  for (let round = 0; round < 5; round += 1) {
    const { accountId } = await submittedTraveller(server);
    const responses = await Promise.all([
      decide(reviewer, accountId, { decision: 'approve' }),
      decide(secondReviewer, accountId, { decision: 'reject', reason: 'name_mismatch' }),
    ]);
    const statuses = responses.map((response) => response.status).sort();
    assert.deepEqual(statuses, [200, 409], `round ${round}: ${responses.map((r) => r.text).join(' | ')}`);
    const loser = responses.find((response) => response.status === 409);
    assertApiError(loser, { status: 409, code: 'review.not_pending' }, `round ${round}`);
    const entries = await auditEntries(admin, { target_type: 'account', target_id: String(accountId) });
    assert.equal(entries.length, 1, `round ${round}: one audit entry`);
  }
});

test('resubmission marks the fields changed since approval', async () => {
  const { client, accountId } = await submittedTraveller(server);
  assert.equal((await decide(reviewer, accountId, { decision: 'approve' })).status, 200);
  await saveAndSubmit(client, { hk_mobile: '61234567', destination_code: '440305' });

  const item = await queueItem(accountId);
  assert.ok(item, 'queued again');
  assert.equal(item.previously_approved, true);
  assert.deepEqual(item.changed_fields, ['hk_mobile', 'destination_code']);
  assert.deepEqual(item.approved_values, { hk_mobile: '91234567', destination_code: '440304' });

  const page = await reviewer.request('GET', `/admin/reviews/${accountId}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /class="field field-hk_mobile changed"/);
  assert.match(page.text, /class="field field-destination_code changed"/);
  assert.match(page.text, /class="field field-name"/, 'the unchanged name is not marked');
});

test('queue page shows checks and forms', async () => {
  const { accountId, idNumber } = await submittedTraveller(server);
  const page = await reviewer.request('GET', '/admin/reviews?page=1');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const en = catalog('en').ui;
  assert.ok(page.text.includes(`id="submission-${accountId}"`), 'the submission is listed');
  assert.ok(page.text.includes(en.admin_check_digit_pass), 'the check digit check is shown');
  assert.ok(page.text.includes(`action="/admin/reviews/${accountId}"`), 'decision forms');
  assert.ok(page.text.includes('name="reason"'), 'the reason select');
  assert.ok(!page.text.includes(idNumber), 'no full number in the queue');
  for (const reason of reasons) assert.ok(page.text.includes(`value="${reason}"`), `reason ${reason}`);

  assert.equal((await reviewer.request('GET', '/admin/reviews?page=0')).status, 400);
  assert.equal((await reviewer.request('GET', '/admin/reviews?page=x')).status, 400);
});

test('queue page speaks each language', async () => {
  for (const language of ['zh-Hant', 'zh-Hans', 'en']) {
    const client = new Client(server.url, language);
    client.cookies.set('yz_staff', reviewer.cookies.get('yz_staff'));
    const page = await client.request('GET', '/admin/reviews');
    assert.equal(page.status, 200, language);
    assert.match(page.text, new RegExp(`<html lang="${language}">`));
    assert.ok(page.text.includes(`<h1>${catalog(language).ui.admin_reviews_title}</h1>`), language);
  }
});

test('approve form redirects with a notice', async () => {
  const { accountId } = await submittedTraveller(server);
  const { version } = await queueItem(accountId);
  const response = await postForm(reviewer, `/admin/reviews/${accountId}`,
    { decision: 'approve', version: String(version) });
  assert.equal(response.status, 303, response.text.slice(0, 300));
  assert.equal(response.headers.get('location'), '/admin/reviews?decided=approve');
  const queue = await reviewer.request('GET', response.headers.get('location'));
  assert.equal(elementText(queue.text, 'notice'), catalog('en').ui.admin_notice_approved);
  assert.ok(!queue.text.includes(`id="submission-${accountId}"`), 'no longer listed');
});

test('reject form error keeps the note', async () => {
  const { accountId, idNumber } = await submittedTraveller(server);
  const response = await postForm(reviewer, `/admin/reviews/${accountId}`,
    { decision: 'reject', reason: '', note: 'Checked by phone' });
  assert.equal(response.status, 422);
  assert.equal(unescapeHtml(elementText(response.text, 'decision-error')),
    catalog('en').errors['review.reason_required']);
  assert.ok(response.text.includes('Checked by phone'), 'the note is kept');
  assert.ok(response.text.includes(idNumber), 'the detail page with the full number');

  const rejected = await postForm(reviewer, `/admin/reviews/${accountId}`,
    { decision: 'reject', reason: 'other', note: 'Checked by phone' });
  assert.equal(rejected.status, 303);
  assert.equal(rejected.headers.get('location'), '/admin/reviews?decided=reject');
  const detail = await reviewer.request('GET', `/api/v1/staff/reviews/${accountId}`);
  assert.equal(detail.json.status, 'rejected');
  assert.equal(detail.json.note, 'Checked by phone');
});

test('lost race form shows already decided', async () => {
  const { accountId } = await submittedTraveller(server);
  const { version } = await queueItem(accountId);
  assert.equal((await decide(secondReviewer, accountId, { decision: 'approve' })).status, 200);
  const response = await postForm(reviewer, `/admin/reviews/${accountId}`,
    { decision: 'reject', reason: 'name_mismatch', version: String(version) });
  assert.equal(response.status, 409);
  assert.equal(unescapeHtml(elementText(response.text, 'form-error')), catalog('en').errors['review.not_pending']);
});

test('decided submission has no forms', async () => {
  const { accountId } = await submittedTraveller(server);
  assert.equal((await decide(reviewer, accountId, { decision: 'approve' })).status, 200);
  const page = await reviewer.request('GET', `/admin/reviews/${accountId}`);
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes(`action="/admin/reviews/${accountId}"`), 'no forms');
  assert.ok(page.text.includes(catalog('en').ui.admin_not_pending_hint));
  assert.equal((await reviewer.request('GET', '/admin/reviews/999999')).status, 404);
});
