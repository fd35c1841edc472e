// Role refusal in the back office: every /api/v1/staff route of the review
// queue, staff management, traveller resets and the audit log, and every
// /admin page, responds to each of the five roles, travellers and
// anonymous callers as the role table says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, catalog } from '../support/server.mjs';
import { roles, staffClient, postForm, submittedTraveller } from './admin_helpers.mjs';

// Which roles each back-office area admits; the administrator may do everything.
const allowed = {
  review: ['admin', 'reviewer'],
  manage_staff: ['admin'],
  manage_travellers: ['admin'],
  read_audit: ['admin'],
};

// Ids that exist nowhere, so that an admitted caller gets a 404 or 422 and
// nothing changes.
const missing = 999999;

const apiRoutes = [
  ['GET', '/api/v1/staff/reviews', undefined, 'review'],
  ['GET', `/api/v1/staff/reviews/${missing}`, undefined, 'review'],
  ['POST', `/api/v1/staff/reviews/${missing}`, { decision: 'approve' }, 'review'],
  ['GET', '/api/v1/staff/accounts', undefined, 'manage_staff'],
  ['POST', '/api/v1/staff/accounts', { username: 'X', role: 'admin', password: 'Staff2026pass' }, 'manage_staff'],
  ['PATCH', `/api/v1/staff/accounts/${missing}`, { disabled: true }, 'manage_staff'],
  ['POST', `/api/v1/staff/accounts/${missing}/password`, { password: 'Staff2026pass' }, 'manage_staff'],
  ['GET', '/api/v1/staff/travellers?q=H1', undefined, 'manage_travellers'],
  ['POST', `/api/v1/staff/travellers/${missing}/password-reset`, {}, 'manage_travellers'],
  ['GET', '/api/v1/staff/audit', undefined, 'read_audit'],
];

const pageRoutes = [
  ['GET', '/admin/reviews', undefined, 'review'],
  ['GET', `/admin/reviews/${missing}`, undefined, 'review'],
  ['POST', `/admin/reviews/${missing}`, { decision: 'approve' }, 'review'],
  ['GET', '/admin/staff', undefined, 'manage_staff'],
  ['POST', '/admin/staff', { username: 'X', role: 'admin', password: 'Staff2026pass' }, 'manage_staff'],
  ['POST', `/admin/staff/${missing}/role`, { role: 'reviewer' }, 'manage_staff'],
  ['POST', `/admin/staff/${missing}/state`, { disabled: '1' }, 'manage_staff'],
  ['POST', `/admin/staff/${missing}/password`, { password: 'Staff2026pass' }, 'manage_staff'],
  ['GET', '/admin/travellers', undefined, 'manage_travellers'],
  ['POST', `/admin/travellers/${missing}/password-reset`, {}, 'manage_travellers'],
  ['GET', '/admin/audit', undefined, 'read_audit'],
];

let server;
const clients = {};
before(async () => {
  server = await startServer();
  for (const role of roles) clients[role] = await staffClient(server, role);
});
after(async () => { await server.stop(); });

function requestPage(client, method, path, fields) {
  return method === 'GET' ? client.request('GET', path) : postForm(client, path, fields);
}

test('staff API rejects anonymous callers with 401', async () => {
  const traveller = new Client(server.url, 'en');
  const registered = await traveller.register();
  assert.equal(registered.status, 201, registered.text);
  for (const [method, path, json] of apiRoutes) {
    const anonymous = await new Client(server.url).request(method, path, { json });
    assertApiError(anonymous, { status: 401, code: 'auth.required' }, `anonymous ${method} ${path}`);
    const asTraveller = await traveller.request(method, path, { json });
    assertApiError(asTraveller, { status: 401, code: 'auth.required' }, `traveller ${method} ${path}`);
  }
});

test('staff API admits roles by permission', async () => {
  for (const [method, path, json, area] of apiRoutes) {
    for (const role of roles) {
      const response = await clients[role].request(method, path, { json });
      const where = `${role} ${method} ${path}`;
      if (allowed[area].includes(role)) {
        assert.notEqual(response.status, 401, `${where} is admitted: ${response.text}`);
        assert.notEqual(response.status, 403, `${where} is admitted: ${response.text}`);
      } else {
        assertApiError(response, { status: 403, code: 'staff.role_forbidden' }, where);
      }
    }
  }
});

test('role check runs before body parsing', async () => {
  const response = await clients.operator.request('POST', `/api/v1/staff/reviews/${missing}`,
    { json: { unexpected: true } });
  assertApiError(response, { status: 403, code: 'staff.role_forbidden' });
});

test('pages redirect anonymous callers to login', async () => {
  for (const [method, path, fields] of pageRoutes) {
    const response = await requestPage(new Client(server.url), method, path, fields);
    assert.equal(response.status, 303, `${method} ${path}: ${response.text.slice(0, 200)}`);
    assert.equal(response.headers.get('location'), '/admin/login', `${method} ${path}`);
  }
});

test('pages admit roles by permission', async () => {
  const forbidden = catalog('en').errors['staff.role_forbidden'];
  for (const [method, path, fields, area] of pageRoutes) {
    for (const role of roles) {
      const response = await requestPage(clients[role], method, path, fields);
      const where = `${role} ${method} ${path}`;
      if (allowed[area].includes(role)) {
        assert.notEqual(response.status, 403, `${where} is admitted`);
        assert.notEqual(response.headers.get('location'), '/admin/login', `${where} is admitted`);
      } else {
        assert.equal(response.status, 403, where);
        assert.match(response.headers.get('content-type'), /text\/html/, `${where} answers with a page`);
        assert.ok(response.text.includes(forbidden), `${where} explains the refusal`);
      }
    }
  }
});

test('menu lists only permitted tools', async () => {
  const page = await clients.reviewer.request('GET', '/admin/reviews');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes('id="menu-reviews"'));
  for (const id of ['menu-staff', 'menu-travellers', 'menu-audit']) {
    assert.ok(!page.text.includes(`id="${id}"`), `no ${id} for a reviewer`);
  }
  const adminPage = await clients.admin.request('GET', '/admin/reviews');
  for (const id of ['menu-reviews', 'menu-staff', 'menu-travellers', 'menu-audit']) {
    assert.ok(adminPage.text.includes(`id="${id}"`), `${id} for an administrator`);
  }
});

test('home page menu follows the role',
  async () => {
    const expected = {
      admin: ['menu-reviews', 'menu-staff', 'menu-travellers', 'menu-audit'],
      reviewer: ['menu-reviews'],
      operator: [],
      port_officer: [],
      station_staff: [],
    };
    for (const role of roles) {
      const home = await clients[role].request('GET', '/admin');
      assert.equal(home.status, 200, role);
      for (const id of ['menu-reviews', 'menu-staff', 'menu-travellers', 'menu-audit']) {
        assert.equal(home.text.includes(`id="${id}"`), expected[role].includes(id), `${role}: ${id}`);
      }
    }
  });

test('full ID number only on detail page', async () => {
  const { idNumber, accountId } = await submittedTraveller(server);
  const queue = await clients.reviewer.request('GET', '/admin/reviews');
  assert.equal(queue.status, 200);
  assert.ok(!queue.text.includes(idNumber), 'the queue page shows masked numbers only');
  const detail = await clients.reviewer.request('GET', `/admin/reviews/${accountId}`);
  assert.equal(detail.status, 200);
  assert.ok(detail.text.includes(idNumber), 'the detail page shows the full number');
  const denied = await clients.port_officer.request('GET', `/admin/reviews/${accountId}`);
  assert.equal(denied.status, 403);
  assert.ok(!denied.text.includes(idNumber), 'a refused page leaks nothing');
});
