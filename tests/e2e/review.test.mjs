// A traveller submits personal information in zh-Hant and a reviewer
// approves it in a second browser context; the traveller then sees it
// approved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import { clickAndLoad, fillProfile, newAccount, pathOf, register, ui } from './support/pages.mjs';

const reviewer = { username: 'reviewer1', password: 'Review2026pass' };
let server;
let browser;

before(async () => {
  server = await startServer();
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', reviewer.username, '--role', 'reviewer',
    '--password-stdin'], `${reviewer.password}\n`);
  assert.equal(added.status, 0, added.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('reviewer approval reaches the traveller', async () => {
  const traveller = await openSession(browser, server.url);
  const staff = await openSession(browser, server.url);
  try {
    const { page } = traveller;
    await page.goto(`${server.url}/register`);
    await register(page, newAccount());
    assert.equal(pathOf(page), '/me/profile', 'registering opens the personal-information form');

    await fillProfile(page, { name: '陳小明', gender: 'male', birthDate: '1990-05-20', hkMobile: '91234567', consent: true });
    await page.selectOption('#province', '440000');
    await page.waitForSelector('#city option[value="440900"]', { state: 'attached' });
    await page.selectOption('#city', '440900');
    await page.waitForSelector('#county option[value="440904"]', { state: 'attached' });
    await page.selectOption('#county', '440904');
    await clickAndLoad(page, '#profile-submit');
    assert.equal(pathOf(page), '/me', 'Done lands in the personal center');
    assert.equal(await page.getAttribute('#review-status', 'data-status'), 'pending');
    const accountId = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).account_id);

    const admin = staff.page;
    await admin.goto(`${server.url}/admin/login`);
    await admin.fill('#username', reviewer.username);
    await admin.fill('#password', reviewer.password);
    await clickAndLoad(admin, '#admin-login-submit');
    await admin.goto(`${server.url}/admin/reviews`);
    const submission = admin.locator(`#submission-${accountId}`);
    assert.equal(await submission.count(), 1, 'the submission is in the queue');
    assert.match(await submission.innerText(), /陳小明/);
    await screenshot(admin, 'review/queue-zh-Hant');
    await clickAndLoad(admin, `#submission-${accountId} .approve-button`);
    assert.equal(await admin.locator('#notice').count(), 1, 'the decision is confirmed');

    await page.goto(`${server.url}/me`);
    assert.equal(await page.getAttribute('#review-status', 'data-status'), 'approved');
    assert.equal((await page.innerText('#review-status')).trim(), ui('zh-Hant', 'review_status_approved'));
    await screenshot(page, 'review/approved-zh-Hant');
    traveller.assertNoProblems();
    staff.assertNoProblems();
  } finally {
    await traveller.close();
    await staff.close();
  }
});
