// Rejected forms and the language choice, in Debian's Chromium: each error
// appears in the page's language and keeps what the user typed, and the
// chosen language survives reloads, new pages and new logins.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertLoginPage, assertPersonalCenter, assertProfileForm, assertRegisterPage, clickAndLoad, errorText, fillLogin,
  formError, languages, logIn, newAccount, openPersonalCenter, pathOf, register, switchLanguage,
} from './support/pages.mjs';

// Longer than any issued captcha, so it never matches by chance.
const wrongCaptcha = 'WRONG99';

describe('form errors and language choice', () => {
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

  // Runs `body(session)` in a new context and fails on any page problem.
  async function withSession(body, contextOptions) {
    const session = await openSession(browser, server.url, contextOptions);
    try {
      await body(session);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  }

  // Opens /register in `language`, switching from the default if needed.
  async function openRegisterPage(page, language) {
    await page.goto(`${server.url}/register`);
    if (language !== 'zh-Hant') await switchLanguage(page, language);
    await assertRegisterPage(page, language);
  }

  // Registers an account through the JSON API, as setup for a browser step.
  // The account stores `language`, or the default when it is omitted.
  async function registerThroughApi(language) {
    const account = newAccount('home_return_permit');
    const client = new Client(server.url, language);
    const response = await client.register({ id_number: account.idNumber, id_type: account.idType });
    assert.equal(response.status, 201, `API registration failed: ${response.text}`);
    return account;
  }

  for (const language of languages) {
    test(`wrong captcha on register, ${language}`, async () => {
      await withSession(async ({ page }) => {
        await openRegisterPage(page, language);
        const firstCaptchaId = await page.locator('input[name="captcha_id"]').inputValue();
        const account = newAccount('passport');
        await register(page, { ...account, captcha: wrongCaptcha });

        assert.equal(pathOf(page), '/register');
        assert.equal(await formError(page), errorText(language, 'captcha.wrong'));
        assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
        assert.equal(await page.locator('#id_type').inputValue(), 'passport');
        assert.ok(await page.locator('#consent').isChecked(), 'the consent tick is kept');
        assert.equal(await page.locator('#password').inputValue(), '', 'passwords are never sent back');
        assert.equal(await page.locator('#captcha_answer').inputValue(), '');
        const secondCaptchaId = await page.locator('input[name="captcha_id"]').inputValue();
        assert.notEqual(secondCaptchaId, firstCaptchaId, 'a rejected answer gets a new captcha');
        await assertRegisterPage(page, language);
        await screenshot(page, `errors/${language}-wrong-captcha`);

        // Only the password fields and the new captcha need typing again.
        await page.fill('#password', account.password);
        await page.fill('#password_confirm', account.password);
        await page.fill('#captcha_answer', '0000');
        await clickAndLoad(page, '#register-submit');
        await assertProfileForm(page, language, account, { notice: 'registered_notice' });
      });
    });
  }

  test('wrong captcha on login keeps ID number', async () => {
    const account = await registerThroughApi();
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await switchLanguage(page, 'en');
      await logIn(page, { ...account, captcha: wrongCaptcha });

      assert.equal(pathOf(page), '/login');
      assert.equal(await formError(page), errorText('en', 'captcha.wrong'));
      assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
      assert.equal(await page.locator('#id_type').inputValue(), account.idType);
      assert.equal(await page.locator('#password').inputValue(), '');
    });
  });

  test('mismatched password confirmation', async () => {
    await withSession(async ({ page }) => {
      await openRegisterPage(page, 'zh-Hans');
      const account = newAccount('home_return_permit');
      await register(page, { ...account, passwordConfirm: 'abc12346' });

      assert.equal(pathOf(page), '/register');
      assert.equal(await formError(page), errorText('zh-Hans', 'account.password_mismatch'));
      assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
      assert.ok(await page.locator('#consent').isChecked());
      await screenshot(page, 'errors/zh-Hans-password-mismatch');
    });
  });

  test('unticked consent', async () => {
    await withSession(async ({ page }) => {
      await openRegisterPage(page, 'zh-Hant');
      const account = newAccount('home_return_permit');
      await register(page, { ...account, consent: false });

      assert.equal(pathOf(page), '/register');
      assert.equal(await formError(page), errorText('zh-Hant', 'account.consent_required'));
      assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
      assert.equal(await page.locator('#consent').isChecked(), false);

      // The account was not created: logging in with it fails.
      await clickAndLoad(page, '#login-link');
      await logIn(page, account);
      assert.equal(await formError(page), errorText('zh-Hant', 'auth.invalid_credentials'));
    });
  });

  test('duplicate registration', async () => {
    const account = await registerThroughApi();
    await withSession(async ({ page }) => {
      await openRegisterPage(page, 'en');
      await register(page, { ...account, password: 'other12345' });

      assert.equal(pathOf(page), '/register');
      const message = await formError(page);
      assert.equal(message, errorText('en', 'account.already_registered'));
      assert.equal(await page.locator('#masked-id').count(), 0);
      await screenshot(page, 'errors/en-duplicate');

      // The first account keeps its password. It was registered through
      // the API in the default language, but English, chosen on this
      // browser before logging in, wins.
      await clickAndLoad(page, '#login-link');
      await logIn(page, account);
      await assertPersonalCenter(page, 'en', account);
    });
  });

  test('wrong password shows generic message', async () => {
    const account = await registerThroughApi();
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await logIn(page, { ...account, password: 'wrong12345' });
      const wrongPassword = await formError(page);
      assert.equal(wrongPassword, errorText('zh-Hant', 'auth.invalid_credentials'));
      assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
      assert.equal(await page.locator('#password').inputValue(), '');
      await assertLoginPage(page, 'zh-Hant');
      await screenshot(page, 'errors/zh-Hant-wrong-password');

      // An unknown number and a wrong ID type get the very same message, so
      // the page does not reveal which accounts exist.
      await logIn(page, { ...newAccount('home_return_permit') });
      assert.equal(await formError(page), wrongPassword);
      await logIn(page, { ...account, idType: 'passport' });
      assert.equal(await formError(page), wrongPassword);

      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hant', account);
    });
  });

  test('empty login form', async () => {
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await switchLanguage(page, 'zh-Hans');
      await fillLogin(page, { idType: 'home_return_permit', idNumber: '', password: '', captcha: '' });
      await clickAndLoad(page, '#login-submit');
      assert.equal(pathOf(page), '/login');
      assert.equal(await formError(page), errorText('zh-Hans', 'account.id_number_missing'));
      await assertLoginPage(page, 'zh-Hans');

      const account = newAccount('home_return_permit');
      await logIn(page, { ...account, password: '' });
      assert.equal(await formError(page), errorText('zh-Hans', 'account.password_missing'));
      assert.equal(await page.locator('#id_number').inputValue(), account.idNumber);
    });
  });

  test('language survives reload and new page', async () => {
    await withSession(async ({ context, page }) => {
      await page.goto(`${server.url}/login`);
      await assertLoginPage(page, 'zh-Hant');
      await switchLanguage(page, 'en');
      await assertLoginPage(page, 'en');

      await page.reload();
      await assertLoginPage(page, 'en');

      const cookies = await context.cookies(server.url);
      assert.equal(cookies.find((cookie) => cookie.name === 'lang')?.value, 'en');

      const second = await context.newPage();
      await second.goto(`${server.url}/register`);
      await assertRegisterPage(second, 'en');
      await second.close();
    });

    // The choice lives in the cookie only: a fresh context is back to the
    // default.
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await assertLoginPage(page, 'zh-Hant');
    });
  });

  test('account language applied at login', async () => {
    const account = newAccount('home_return_permit');

    // Registered while the pages were in 简体.
    await withSession(async ({ page }) => {
      await openRegisterPage(page, 'zh-Hans');
      await register(page, account);
      await assertProfileForm(page, 'zh-Hans', account, { notice: 'registered_notice' });
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'zh-Hans', account);
    });

    // A new browser without the cookie starts in the default language and
    // switches to the account's language on login. Switching to English
    // while logged in stores English on the account.
    await withSession(async ({ context, page }) => {
      await page.goto(`${server.url}/login`);
      await assertLoginPage(page, 'zh-Hant');
      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hans', account);
      const cookies = await context.cookies(server.url);
      assert.equal(cookies.find((cookie) => cookie.name === 'lang')?.value, 'zh-Hans');

      await switchLanguage(page, 'en');
      await assertPersonalCenter(page, 'en', account);
    });

    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await assertLoginPage(page, 'zh-Hant');
      await logIn(page, account);
      await assertPersonalCenter(page, 'en', account);
    });
  });

  test('language chosen before login wins', async () => {
    const account = await registerThroughApi('zh-Hans');

    // English picked on the login page beats the account's 简体, and the
    // login stores it on the account.
    await withSession(async ({ context, page }) => {
      await page.goto(`${server.url}/login`);
      await switchLanguage(page, 'en');
      await logIn(page, account);
      await assertPersonalCenter(page, 'en', account);
      const cookies = await context.cookies(server.url);
      assert.equal(cookies.find((cookie) => cookie.name === 'lang')?.value, 'en');
    });

    // A browser without the cookie gets the stored English.
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await assertLoginPage(page, 'zh-Hant');
      await logIn(page, account);
      await assertPersonalCenter(page, 'en', account);
    });

    // Picking the default language explicitly also counts as a choice.
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await switchLanguage(page, 'zh-Hans');
      await switchLanguage(page, 'zh-Hant');
      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hant', account);
    });
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await logIn(page, account);
      await assertPersonalCenter(page, 'zh-Hant', account);
    });
  });

  test('language switch keeps redirects local', async () => {
    await withSession(async ({ page }) => {
      for (const next of ['https://example.org/', '//example.org/', '/\\example.org/']) {
        await page.goto(`${server.url}/lang?to=en&next=${encodeURIComponent(next)}`);
        assert.equal(new URL(page.url()).origin, server.url, `next=${next} left the site`);
        await assertLoginPage(page, 'en');
      }
    });
  });
});
