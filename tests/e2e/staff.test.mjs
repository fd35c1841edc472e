// A staff administrator created with `yizhan staff add` logs in to the
// back office in Debian's Chromium and logs out again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import { assertNoRawText, assertPageLanguage, clickAndLoad, errorText, pathOf, ui } from './support/pages.mjs';

const username = 'admin1';
const password = 'staffpass123';

describe('staff back office', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    const added = runCli(
      ['staff', 'add', '--db', server.dbPath, '--username', username, '--role', 'admin', '--password-stdin'],
      `${password}\n`,
    );
    assert.equal(added.status, 0, `yizhan staff add failed: ${added.stderr}`);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function fillStaffLogin(page, fields) {
    await page.fill('#username', fields.username);
    await page.fill('#password', fields.password);
    await clickAndLoad(page, '#admin-login-submit');
  }

  test('admin logs in and out', async () => {
    const session = await openSession(browser, server.url);
    const { page } = session;
    try {
      await page.goto(`${server.url}/admin`);
      assert.equal(pathOf(page), '/admin/login', 'the back office needs a staff session');
      await assertPageLanguage(page, 'zh-Hant', 'admin_login_title');
      assert.equal(await page.locator('main h1').innerText(), ui('zh-Hant', 'admin_login_title'));
      await screenshot(page, 'staff/zh-Hant-admin-login');

      await fillStaffLogin(page, { username, password: 'wrong12345' });
      assert.equal(pathOf(page), '/admin/login');
      assert.equal(await page.locator('#form-error').innerText(), errorText('zh-Hant', 'auth.staff_invalid_credentials'));
      assert.equal(await page.locator('#username').inputValue(), username);
      assert.equal(await page.locator('#password').inputValue(), '');

      await fillStaffLogin(page, { username: 'nobody', password });
      assert.equal(await page.locator('#form-error').innerText(), errorText('zh-Hant', 'auth.staff_invalid_credentials'));

      await fillStaffLogin(page, { username, password });
      assert.equal(pathOf(page), '/admin');
      await assertPageLanguage(page, 'zh-Hant', 'admin_title');
      assert.equal(await page.locator('#staff-username').innerText(), username);
      assert.equal(await page.locator('#staff-role').innerText(), ui('zh-Hant', 'role_admin'));
      assert.equal(await page.locator('.topbar .staff-name').innerText(), username);
      assert.equal(await page.locator('#switch-account').count(), 0, 'no traveller controls for staff');
      await assertNoRawText(page);
      await screenshot(page, 'staff/zh-Hant-admin-home');

      const logout = '.topbar form[action="/admin/logout"] button';
      assert.equal(await page.locator(logout).innerText(), ui('zh-Hant', 'logout_button'));
      await clickAndLoad(page, logout);
      assert.equal(pathOf(page), '/admin/login');
      await page.goto(`${server.url}/admin`);
      assert.equal(pathOf(page), '/admin/login', 'logged out: /admin redirects to the staff login');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('staff pages follow language switch', async () => {
    const session = await openSession(browser, server.url);
    const { page } = session;
    try {
      await page.goto(`${server.url}/admin/login`);
      await clickAndLoad(page, '.languages a[hreflang="en"]');
      assert.equal(pathOf(page), '/admin/login');
      await assertPageLanguage(page, 'en', 'admin_login_title');

      await fillStaffLogin(page, { username, password });
      await assertPageLanguage(page, 'en', 'admin_title');
      assert.equal(await page.locator('#staff-role').innerText(), ui('en', 'role_admin'));
      await screenshot(page, 'staff/en-admin-home');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });
});
