// A new traveller's first visit in each language, in Debian's Chromium:
// login page, operating guide, registration (which opens the
// personal-information form), personal center, switch account and logging
// back in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertGuidePage, assertLoginPage, assertPersonalCenter, assertProfileForm, assertRegisterPage, clickAndLoad,
  languages, logIn, newAccount, openPersonalCenter, pathOf, register, switchLanguage, ui,
} from './support/pages.mjs';

const supportEmail = 'help@yizhan.test';

describe('traveller journey', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer({ support_email: supportEmail });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Opens the site, picks `language` in the top bar unless it is the
  // default, and returns the session on the login page.
  async function openLoginPage(language) {
    const session = await openSession(browser, server.url);
    const { page } = session;
    await page.goto(`${server.url}/`);
    await assertLoginPage(page, 'zh-Hant', supportEmail);
    if (language !== 'zh-Hant') {
      await switchLanguage(page, language);
      await assertLoginPage(page, language, supportEmail);
    }
    return session;
  }

  // Registers `account` from the login page, goes from the
  // personal-information form to the personal center, switches account and
  // logs back in.
  async function registerSwitchAndLogIn(page, language, account, screenshotName) {
    await clickAndLoad(page, '#register-link');
    await assertRegisterPage(page, language, supportEmail);
    if (screenshotName) await screenshot(page, `journey/${screenshotName}-register`);

    await register(page, account);
    assert.equal(new URL(page.url()).search, '?registered=1');
    await assertProfileForm(page, language, account, { notice: 'registered_notice', supportEmail });
    if (screenshotName) await screenshot(page, `journey/${screenshotName}-profile`);

    await openPersonalCenter(page);
    await assertPersonalCenter(page, language, account, { supportEmail });
    if (screenshotName) await screenshot(page, `journey/${screenshotName}-personal-center`);

    await clickAndLoad(page, '#switch-account');
    await assertLoginPage(page, language, supportEmail);
    assert.equal(new URL(page.url()).search, '?switched=1');
    assert.equal(await page.locator('main .notice').innerText(), ui(language, 'switched_notice'));
    assert.equal(await page.locator('#switch-account').count(), 0, 'no switch-account button once logged out');

    await logIn(page, account);
    await assertPersonalCenter(page, language, account, { supportEmail });
  }

  for (const language of languages) {
    test(`register and log back in, ${language}`, async () => {
      const session = await openLoginPage(language);
      const { page } = session;
      try {
        await screenshot(page, `journey/${language}-login`);

        await clickAndLoad(page, '.guide-link');
        await assertGuidePage(page, language, supportEmail);
        await screenshot(page, `journey/${language}-guide`);

        // Back to the login page through the brand link in the top bar.
        await clickAndLoad(page, '.brand');
        await assertLoginPage(page, language, supportEmail);

        await registerSwitchAndLogIn(page, language, newAccount('home_return_permit'), language);
        session.assertNoProblems();
      } finally {
        await session.close();
      }
    });
  }

  test('register with passport, zh-Hans', async () => {
    const session = await openLoginPage('zh-Hans');
    try {
      await registerSwitchAndLogIn(session.page, 'zh-Hans', newAccount('passport'));
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('register with permit to HK/Macau, en', async () => {
    const session = await openLoginPage('en');
    try {
      await registerSwitchAndLogIn(session.page, 'en', newAccount('hk_macau_permit'));
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('ID number typed in lower case with spaces', async () => {
    const session = await openLoginPage('zh-Hant');
    const { page } = session;
    try {
      const account = newAccount('home_return_permit');
      const typed = `${account.idNumber.slice(0, 5).toLowerCase()} ${account.idNumber.slice(5)}`;
      await clickAndLoad(page, '#register-link');
      await register(page, { ...account, idNumber: typed });
      await assertProfileForm(page, 'zh-Hant', account, { notice: 'registered_notice' });
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'zh-Hant', account);

      await clickAndLoad(page, '#logout');
      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hant', account);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  // A new user opens the site, switches to 简体, reads the guide, registers
  // with a Home Return Permit, opens the personal center, logs out and logs
  // back in.
  test('first visit in 简体 end to end', async () => {
    const session = await openSession(browser, server.url);
    const { page } = session;
    try {
      const response = await page.goto(server.url);
      await assertLoginPage(page, 'zh-Hant', supportEmail);
      // The CSP listeners of every test only mean something while the pages
      // are served with a policy.
      assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);

      assert.equal(await page.locator('.languages a[hreflang="zh-Hans"]').innerText(), '简体');
      await switchLanguage(page, 'zh-Hans');
      await assertLoginPage(page, 'zh-Hans', supportEmail);

      await clickAndLoad(page, '.guide-link');
      await assertGuidePage(page, 'zh-Hans', supportEmail);
      // A chapter link only moves within the page, so no load event follows.
      await page.click('.guide .toc a[href="#account"]');
      await page.waitForURL((url) => url.hash === '#account');
      assert.ok(await page.locator('.guide section#account > h2').isVisible());

      await clickAndLoad(page, '.brand');
      await clickAndLoad(page, '#register-link');
      await assertRegisterPage(page, 'zh-Hans', supportEmail);
      const account = newAccount('home_return_permit');
      await register(page, account);
      await assertProfileForm(page, 'zh-Hans', account, { notice: 'registered_notice', supportEmail });
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'zh-Hans', account, { supportEmail });

      await clickAndLoad(page, '#logout');
      await assertLoginPage(page, 'zh-Hans', supportEmail);
      await page.goto(`${server.url}/me`);
      assert.equal(pathOf(page), '/login', 'the personal center needs a session after logging out');

      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hans', account, { supportEmail });
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });
});
