// Phone-sized pages (375x667 CSS pixels, a small phone): login,
// registration, guide, personal-information form and personal center fit
// the screen width in every language, with no horizontal scrolling.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertGuidePage, assertLoginPage, assertPersonalCenter, assertProfileForm, assertRegisterPage, clickAndLoad,
  languages, newAccount, openPersonalCenter, register, switchLanguage,
} from './support/pages.mjs';

const phone = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

// Returns the document's scroll and client widths and, when it scrolls
// sideways, the elements that stick out past the right edge.
async function measureWidth(page) {
  return page.evaluate(() => {
    const root = document.scrollingElement;
    const overflowing = [];
    if (root.scrollWidth > root.clientWidth) {
      for (const element of document.body.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if (box.right > root.clientWidth + 0.5) {
          const id = element.id ? `#${element.id}` : '';
          const classes = element.classList.length ? `.${[...element.classList].join('.')}` : '';
          overflowing.push(`${element.tagName.toLowerCase()}${id}${classes} right=${Math.round(box.right)}`);
        }
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing };
  });
}

async function assertFitsWidth(page, name) {
  const { scrollWidth, clientWidth, overflowing } = await measureWidth(page);
  assert.ok(
    scrollWidth <= clientWidth,
    `${name} scrolls sideways: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}; ` +
      `wider elements: ${overflowing.slice(0, 10).join(', ')}`,
  );
}

describe('phone layout', () => {
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

  for (const language of languages) {
    test(`no sideways scrolling, ${language}`, async () => {
      const session = await openSession(browser, server.url, phone);
      const { page } = session;
      try {
        await page.goto(`${server.url}/login`);
        if (language !== 'zh-Hant') await switchLanguage(page, language);
        assert.equal(await page.evaluate(() => window.innerWidth), 375, 'the page is laid out 375 px wide');

        await assertLoginPage(page, language);
        await assertFitsWidth(page, `login (${language})`);
        await screenshot(page, `mobile/${language}-login`);

        await clickAndLoad(page, '.guide-link');
        await assertGuidePage(page, language);
        await assertFitsWidth(page, `guide (${language})`);
        await screenshot(page, `mobile/${language}-guide`);

        await clickAndLoad(page, '.brand');
        await clickAndLoad(page, '#register-link');
        await assertRegisterPage(page, language);
        await assertFitsWidth(page, `register (${language})`);
        await screenshot(page, `mobile/${language}-register`);

        const account = newAccount('home_return_permit');
        await register(page, account);
        await assertProfileForm(page, language, account, { notice: 'registered_notice' });
        await assertFitsWidth(page, `personal-information form (${language})`);
        await screenshot(page, `mobile/${language}-profile`);

        await openPersonalCenter(page);
        await assertPersonalCenter(page, language, account);
        await assertFitsWidth(page, `personal center (${language})`);
        await screenshot(page, `mobile/${language}-personal-center`);
        session.assertNoProblems();
      } finally {
        await session.close();
      }
    });
  }
});
