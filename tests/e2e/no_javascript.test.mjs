// The server-rendered forms work in a browser with JavaScript turned off:
// language switch, registration, switch account, login and logout. The
// personal-information form without JavaScript is in profile.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertGuidePage, assertLoginPage, assertPersonalCenter, assertProfileForm, assertRegisterPage, clickAndLoad,
  errorText, formError, logIn, newAccount, openPersonalCenter, pathOf, register, switchLanguage,
} from './support/pages.mjs';

describe('pages without JavaScript', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Runs `body(page)` in a new context without JavaScript and fails on any
  // page problem.
  async function withNoScriptPage(body) {
    const session = await openSession(browser, server.url, { javaScriptEnabled: false });
    try {
      await body(session.page);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  }

  test('scripts are off and absent', async () => {
    await withNoScriptPage(async (page) => {
      // Guards the premise of this file: an inline script must not run here.
      await page.setContent('<title>before</title><script>document.title = "script ran"</script>');
      assert.equal(await page.title(), 'before', 'JavaScript is still enabled in this context');

      for (const path of ['/login', '/register', '/guide']) {
        await page.goto(`${server.url}${path}`);
        assert.equal(await page.locator('script').count(), 0, `${path} contains a <script> element`);
      }
    });
  });

  test('register, switch account, log in', async () => {
    await withNoScriptPage(async (page) => {
      await page.goto(`${server.url}/`);
      await assertLoginPage(page, 'zh-Hant');
      await switchLanguage(page, 'en');
      await assertLoginPage(page, 'en');

      await clickAndLoad(page, '.guide-link');
      await assertGuidePage(page, 'en');
      await clickAndLoad(page, '.brand');

      await clickAndLoad(page, '#register-link');
      await assertRegisterPage(page, 'en');
      const account = newAccount('home_return_permit');

      // With `novalidate` and no script, the server alone checks the form.
      await register(page, { ...account, consent: false });
      assert.equal(await formError(page), errorText('en', 'account.consent_required'));
      await screenshot(page, 'no-javascript/en-register-error');

      await register(page, account);
      await assertProfileForm(page, 'en', account, { notice: 'registered_notice' });
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'en', account);
      await screenshot(page, 'no-javascript/en-personal-center');

      await clickAndLoad(page, '#switch-account');
      await assertLoginPage(page, 'en');
      await logIn(page, account);
      await assertPersonalCenter(page, 'en', account);

      await clickAndLoad(page, '#logout');
      await assertLoginPage(page, 'en');
      await page.goto(`${server.url}/me`);
      assert.equal(pathOf(page), '/login', 'logged out: the personal center redirects to login');
    });
  });
});
