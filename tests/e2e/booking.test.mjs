// The traveller's booking pages in Debian's Chromium: choosing a date
// (我要预约), the confirm page (确认订单), booking information with
// cancelling (预约信息) and the public totals (预约公示). Approval and quotas
// go through the staff API, and the server clock is set through the
// test-mode API. Every test uses its own travellers and its own dates of one booking
// window, so they do not depend on each other's bookings.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queryDatabase, setClock, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertPageLanguage, clickAndLoad, clickAndLoadResponse, errorText, languages, maskedIdNumber, newAccount, pathOf,
  register, ui,
} from './support/pages.mjs';
import {
  addDays, approve, approvedTraveller, bookThroughApi, clientFromBrowser, dayLabel, readDays, readPublicity,
  setQuota, shareCookies, staffSession, uiFilled,
} from './support/booking_helpers.mjs';

// "Today" for every test: the booking window runs from here to today + 6.
const today = '2027-03-08';
const window = Array.from({ length: 7 }, (_, offset) => addDays(today, offset));
const flowDate = addDays(today, 2);       // the whole flow; cancellable until today
const soldOutDate = addDays(today, 3);    // quota 1, taken by another traveller
const liveDate = addDays(today, 4);       // its quota changes while a page is open
const noScriptDate = addDays(today, 5);   // booked and cancelled without JavaScript
const doubleClickDate = addDays(today, 6);

// Chromium's zh-CN locale makes the server respond in Simplified Chinese.
const zhHans = { locale: 'zh-CN' };

describe('booking pages', () => {
  let server;
  let browser;
  let reviewer;
  let operator;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await setClock(server.url, `${today}T10:00:00+08:00`);
    reviewer = await staffSession(server, 'reviewer');
    operator = await staffSession(server, 'operator');
    await setQuota(operator, flowDate, 3);
    await setQuota(operator, soldOutDate, 1);
    await setQuota(operator, liveDate, 2);
    await setQuota(operator, noScriptDate, 2);
    await setQuota(operator, doubleClickDate, 2);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Opens a browser session for an approved traveller made through the API.
  async function travellerSession(language, contextOptions = {}) {
    const client = await approvedTraveller(server, reviewer, language);
    const session = await openSession(browser, server.url, contextOptions);
    await shareCookies(client, session.context);
    return { ...session, client };
  }

  async function openAt(page, path) {
    const response = await page.goto(`${server.url}${path}`);
    return response.status();
  }

  // Headless Chromium never hides a tab, so the test fakes document.hidden
  // and dispatches the event itself.
  async function setVisibility(page, visible) {
    await page.evaluate((hidden) => {
      Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, !visible);
  }

  async function dayOf(page, date) {
    const found = (await readDays(page)).find((day) => day.date === date);
    assert.ok(found, `no ${date} on the booking page`);
    return found;
  }

  async function publicityRow(page, date) {
    await openAt(page, '/publicity');
    const row = (await readPublicity(page)).find((candidate) => candidate.date === date);
    assert.ok(row, `no ${date} on the publicity page`);
    return row;
  }

  test('book and cancel through the pages, zh-Hans', async () => {
    await setClock(server.url, `${today}T10:00:00+08:00`);
    const session = await openSession(browser, server.url, zhHans);
    const { page } = session;
    const account = newAccount('home_return_permit');
    try {
      // Sign up and send the personal information for review in the browser.
      await openAt(page, '/register');
      await register(page, account);
      assert.equal(pathOf(page), '/me/profile');
      await page.fill('#name', '李小华');
      await page.check('#gender-female');
      await page.fill('#birth_date', '1992-05-17');
      await page.fill('#hk_mobile', '61234567');
      await page.setChecked('#consent', true);
      await page.selectOption('#province', '440000');
      await page.waitForSelector('#city option[value="440900"]', { state: 'attached' });
      await page.selectOption('#city', '440900');
      await page.waitForSelector('#county option[value="440904"]', { state: 'attached' });
      await page.selectOption('#county', '440904');
      await clickAndLoad(page, '#profile-submit');
      assert.equal(pathOf(page), '/me');

      // Under review, the booking page offers no dates and asks to wait.
      await clickAndLoad(page, '#book-link');
      await assertPageLanguage(page, 'zh-Hans', 'book_title');
      assert.equal(await page.locator('#needs-approval').innerText(), ui('zh-Hans', 'book_awaiting_review'));
      assert.equal(await page.locator('#days').count(), 0, 'no dates before approval');
      assert.equal(await page.locator('#profile-link').getAttribute('href'), '/me/profile');

      const client = await clientFromBrowser(session.context, server.url);
      const me = await client.request('GET', '/api/v1/me');
      await approve(reviewer, me.json.account_id);

      // 我要预约: the seven dates, with rooms only on the dates that have a quota.
      await openAt(page, '/book');
      const days = await readDays(page);
      assert.deepEqual(days.map((day) => day.date), window);
      const labels = await page.locator('#days .day-date').allInnerTexts();
      assert.deepEqual(labels, window.map((date) => dayLabel('zh-Hans', date)));
      const flowDay = await dayOf(page, flowDate);
      assert.deepEqual(flowDay, {
        date: flowDate, state: 'open', linked: true, remaining: 3, label: ui('zh-Hans', 'booking_state_open'),
      });
      const noQuota = await dayOf(page, addDays(today, 1));
      assert.deepEqual(noQuota, {
        date: addDays(today, 1), state: 'closed', linked: false, remaining: 0,
        label: ui('zh-Hans', 'booking_state_closed'),
      });
      await screenshot(page, 'booking/zh-Hans-book');

      // 确认订单: the traveller's details, then a wrong captcha.
      await clickAndLoad(page, `#days li[data-date="${flowDate}"] a.day-link`);
      assert.equal(pathOf(page), `/book/${flowDate}`);
      await assertPageLanguage(page, 'zh-Hans', 'book_confirm_title');
      assert.equal(await page.locator('#confirm-name').innerText(), '李小华');
      assert.equal(await page.locator('#confirm-id-number').innerText(), maskedIdNumber(account.idNumber));
      assert.equal(await page.locator('#confirm-date').innerText(), dayLabel('zh-Hans', flowDate));
      assert.equal(await page.locator('#confirm-destination').innerText(), '广东省 茂名市 电白区');
      const body = await page.locator('body').innerText();
      assert.ok(!body.includes(account.idNumber), 'the full ID number must not appear on the confirm page');
      await screenshot(page, 'booking/zh-Hans-confirm');

      await page.fill('#captcha_answer', 'WRONG1');
      const refused = await clickAndLoadResponse(page, '#confirm-submit');
      assert.equal(refused.status(), 422);
      assert.equal(await page.locator('#form-error').innerText(), errorText('zh-Hans', 'captcha.wrong'));

      await page.fill('#captcha_answer', '0000');
      await clickAndLoad(page, '#confirm-submit');
      assert.match(pathOf(page), new RegExp(`^/bookings/${flowDate.replaceAll('-', '')}\\d{4}$`));
      assert.equal(new URL(page.url()).search, '?new=1');
      await assertPageLanguage(page, 'zh-Hans', 'booking_done_title');
      const number = await page.locator('#booking-number').innerText();
      assert.equal(pathOf(page), `/bookings/${number}`);
      assert.equal(await page.locator('#booking-new').innerText(), ui('zh-Hans', 'booking_done_notice'));
      assert.equal(await page.locator('#booking-date').innerText(), dayLabel('zh-Hans', flowDate));
      assert.equal(await page.locator('#booking-status').innerText(), ui('zh-Hans', 'booking_status_confirmed'));
      assert.equal(await page.locator('#next-steps li').count(), 3);
      await screenshot(page, 'booking/zh-Hans-done');

      // 预约信息 and 预约公示 show the booking.
      await openAt(page, '/bookings');
      await assertPageLanguage(page, 'zh-Hans', 'bookings_title');
      const item = page.locator(`#booking-list li[data-number="${number}"]`);
      assert.equal(await item.locator('.booking-item-number').innerText(), number);
      assert.equal(await item.locator('.status-badge').innerText(), ui('zh-Hans', 'booking_status_confirmed'));
      assert.equal(await item.locator('.booking-item-date').innerText(), dayLabel('zh-Hans', flowDate));
      await screenshot(page, 'booking/zh-Hans-bookings');

      assert.deepEqual(await publicityRow(page, flowDate), {
        date: flowDate, quota: 3, booked: 1, remaining: 2, state: ui('zh-Hans', 'booking_state_open'),
      });
      await assertPageLanguage(page, 'zh-Hans', 'publicity_title');

      // With the booking held, the booking page links to it and offers no date.
      await openAt(page, '/book');
      assert.equal(await page.locator('#active-booking-link').getAttribute('href'), `/bookings/${number}`);
      assert.ok((await readDays(page)).every((day) => !day.linked), 'no date links while a booking is active');

      // Cancelling needs a confirmation step, and the room returns to the
      // date's pool.
      await openAt(page, '/bookings');
      await clickAndLoad(page, `#booking-list li[data-number="${number}"] .cancel-link`);
      assert.equal(pathOf(page), `/bookings/${number}/cancel`);
      await assertPageLanguage(page, 'zh-Hans', 'booking_cancel_title');
      assert.equal(await page.locator('#cancel-question').innerText(),
        uiFilled('zh-Hans', 'booking_cancel_question', { date: dayLabel('zh-Hans', flowDate), number }));
      await screenshot(page, 'booking/zh-Hans-cancel');
      await clickAndLoad(page, '#cancel-submit');
      assert.equal(pathOf(page), '/bookings');
      assert.equal(await page.locator('#bookings-notice').innerText(),
        uiFilled('zh-Hans', 'bookings_cancelled_notice', { date: dayLabel('zh-Hans', flowDate), number }));
      assert.equal(await item.locator('.status-badge').innerText(), ui('zh-Hans', 'booking_status_cancelled'));
      assert.equal(await item.locator('.cancel-link').count(), 0, 'a cancelled booking offers no cancel link');

      assert.deepEqual(await publicityRow(page, flowDate), {
        date: flowDate, quota: 3, booked: 0, remaining: 3, state: ui('zh-Hans', 'booking_state_open'),
      });
      await openAt(page, '/book');
      assert.equal((await dayOf(page, flowDate)).remaining, 3);
      assert.equal((await dayOf(page, flowDate)).linked, true);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('booking refused outside open hours', async () => {
    const session = await travellerSession('zh-Hans', zhHans);
    const { page } = session;
    try {
      await setClock(server.url, `${today}T20:00:00+08:00`);
      await openAt(page, '/book');
      const nextOpening = `${dayLabel('zh-Hans', addDays(today, 1))} 10:00`;
      assert.equal(await page.locator('#closed-notice').innerText(),
        uiFilled('zh-Hans', 'book_closed_notice', { next_opening: nextOpening }));
      for (const day of await readDays(page)) {
        assert.equal(day.linked, false, `${day.date} must not link outside open hours`);
        assert.equal(day.state, 'closed');
        assert.equal(day.label, ui('zh-Hans', 'booking_state_closed'));
      }
      await screenshot(page, 'booking/zh-Hans-closed');

      // A confirm page opened directly shows the notice, and confirming is
      // rejected.
      await openAt(page, `/book/${flowDate}`);
      assert.equal(await page.locator('#date-warning').innerText(),
        uiFilled('zh-Hans', 'book_closed_notice', { next_opening: nextOpening }));
      await page.fill('#captcha_answer', '0000');
      const refused = await clickAndLoadResponse(page, '#confirm-submit');
      assert.equal(refused.status(), 422);
      assert.equal(await page.locator('#form-error').innerText(),
        errorText('zh-Hans', 'booking.outside_open_hours').replace('{next_opening}', nextOpening)
          .replace('{opens_at}', '10:00').replace('{closes_at}', '20:00'));
      const bookings = await session.client.request('GET', '/api/v1/me/bookings');
      assert.deepEqual(bookings.json, [], 'no booking was made');
      session.assertNoProblems();
    } finally {
      await setClock(server.url, `${today}T10:00:00+08:00`);
      await session.close();
    }
  });

  test('sold-out date marked full', async () => {
    const first = await approvedTraveller(server, reviewer, 'zh-Hans');
    await bookThroughApi(first, soldOutDate);
    const session = await travellerSession('zh-Hans', zhHans);
    const { page } = session;
    try {
      await openAt(page, '/book');
      assert.deepEqual(await dayOf(page, soldOutDate), {
        date: soldOutDate, state: 'full', linked: false, remaining: 0, label: ui('zh-Hans', 'booking_state_full'),
      });
      assert.equal(ui('zh-Hans', 'booking_state_full'), '约满');

      // A stale link still reaches the confirm page, which warns and refuses.
      await openAt(page, `/book/${soldOutDate}`);
      assert.equal(await page.locator('#date-warning').innerText(), errorText('zh-Hans', 'booking.sold_out'));
      await page.fill('#captcha_answer', '0000');
      const refused = await clickAndLoadResponse(page, '#confirm-submit');
      assert.equal(refused.status(), 409);
      assert.equal(await page.locator('#form-error').innerText(), errorText('zh-Hans', 'booking.sold_out'));
      assert.ok(await page.locator('#captcha-image').isVisible(), 'a new captcha is shown after the refusal');

      assert.deepEqual(await publicityRow(page, soldOutDate), {
        date: soldOutDate, quota: 1, booked: 1, remaining: 0, state: ui('zh-Hans', 'booking_state_full'),
      });
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('double submit books once', async () => {
    const session = await travellerSession('zh-Hans', zhHans);
    const { page } = session;
    try {
      await openAt(page, `/book/${doubleClickDate}`);
      await page.fill('#captcha_answer', '0000');
      // The same form sent twice at once, as a double click on a slow link does.
      const landed = await page.evaluate(async () => {
        const form = document.getElementById('confirm-form');
        const body = new URLSearchParams(new FormData(form));
        const send = () => fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
        const responses = await Promise.all([send(), send()]);
        return responses.map((response) => ({ status: response.status, path: new URL(response.url).pathname }));
      });
      assert.equal(landed[0].status, 200);
      assert.equal(landed[1].status, 200);
      assert.equal(landed[0].path, landed[1].path, 'both submits land on the same booking');
      const bookings = await session.client.request('GET', '/api/v1/me/bookings');
      assert.equal(bookings.json.length, 1, 'one booking, not two');
      assert.equal(landed[0].path, `/bookings/${bookings.json[0].booking_number}`);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('live counts without reloading', async () => {
    // A few seconds before the morning opening, so the test can watch booking open.
    await setClock(server.url, `${today}T09:59:56+08:00`);
    const session = await travellerSession('zh-Hans', zhHans);
    const { page } = session;
    try {
      await openAt(page, '/book');
      assert.ok(await page.locator('#live-hint').isVisible(), 'the script shows its live-update hint');
      assert.equal(await page.locator('#refresh-link').isVisible(), false, 'no reload link with JavaScript');
      assert.ok(await page.locator('#closed-notice').isVisible());
      assert.equal((await dayOf(page, liveDate)).linked, false);

      // Booking opens at 10:00: the dates become links and the notice goes.
      await page.waitForFunction((date) => document.querySelector(`#days li[data-date="${date}"] a.day-link[href]`),
        liveDate, { timeout: 15000 });
      assert.equal(await page.locator('#closed-notice').isVisible(), false, 'the closed notice hides at opening');
      assert.deepEqual(await dayOf(page, liveDate), {
        date: liveDate, state: 'open', linked: true, remaining: 2, label: ui('zh-Hans', 'booking_state_open'),
      });

      // The quota changes, and then a booking takes the last room.
      await setQuota(operator, liveDate, 1);
      await page.waitForFunction((date) => document.querySelector(`#days li[data-date="${date}"] .remaining-count`)
        .textContent === '1', liveDate, { timeout: 15000 });
      await bookThroughApi(await approvedTraveller(server, reviewer, 'zh-Hans'), liveDate);
      await page.waitForFunction((date) => document.querySelector(`#days li[data-date="${date}"]`)
        .dataset.state === 'full', liveDate, { timeout: 15000 });
      assert.deepEqual(await dayOf(page, liveDate), {
        date: liveDate, state: 'full', linked: false, remaining: 0, label: ui('zh-Hans', 'booking_state_full'),
      });

      // Booking closes at 20:00: no date links any more.
      await setClock(server.url, `${today}T19:59:58+08:00`);
      await page.waitForFunction(() => [...document.querySelectorAll('#days a.day-link')]
        .every((link) => !link.hasAttribute('href')), null, { timeout: 15000 });
      assert.equal((await dayOf(page, flowDate)).label, ui('zh-Hans', 'booking_state_closed'));

      // A hidden tab stops polling, and polls again as soon as it is shown.
      const polls = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/v1/availability') polls.push(request.url());
      });
      await setVisibility(page, false);
      await page.waitForTimeout(6000);
      assert.equal(polls.length, 0, 'no polling while the tab is hidden');
      await Promise.all([
        page.waitForRequest((request) => new URL(request.url()).pathname === '/api/v1/availability'),
        setVisibility(page, true),
      ]);
      session.assertNoProblems();
    } finally {
      await setClock(server.url, `${today}T10:00:00+08:00`);
      await session.close();
    }
  });

  test('book and cancel without JavaScript', async () => {
    const session = await travellerSession('en', { javaScriptEnabled: false });
    const { page } = session;
    try {
      await openAt(page, '/me');
      await clickAndLoad(page, '#book-link');
      assert.equal(await page.locator('script[src="/static/js/availability.js"]').count(), 1);
      assert.ok(await page.locator('#refresh-link').isVisible(), 'a reload link replaces the live updates');
      assert.equal(await page.locator('#live-hint').isVisible(), false);
      await clickAndLoad(page, `#days li[data-date="${noScriptDate}"] a.day-link`);
      await page.fill('#captcha_answer', '0000');
      await clickAndLoad(page, '#confirm-submit');
      await assertPageLanguage(page, 'en', 'booking_done_title');
      const number = await page.locator('#booking-number').innerText();

      await clickAndLoad(page, '#cancel-link');
      await clickAndLoad(page, '#cancel-submit');
      assert.equal(pathOf(page), '/bookings');
      const item = page.locator(`#booking-list li[data-number="${number}"]`);
      assert.equal(await item.getAttribute('data-status'), 'cancelled');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('cancelling closes two days before', async () => {
    const session = await travellerSession('en');
    const { page } = session;
    const tomorrow = addDays(today, 1);
    try {
      await setQuota(operator, tomorrow, 1);
      const number = await bookThroughApi(session.client, tomorrow);
      await openAt(page, '/bookings');
      const item = page.locator(`#booking-list li[data-number="${number}"]`);
      assert.equal(await item.locator('.cancel-link').count(), 0);
      assert.equal(await item.locator('.cancel-closed').innerText(),
        uiFilled('en', 'booking_cancel_closed', { date: dayLabel('en', addDays(today, -1)) }));

      // The confirmation step explains the refusal instead of offering it.
      await openAt(page, `/bookings/${number}/cancel`);
      assert.equal(await page.locator('#cancel-form').count(), 0);
      assert.equal(await page.locator('#form-error').innerText(),
        errorText('en', 'booking.cancel_too_late').replace('{last_cancel_date}', dayLabel('en', addDays(today, -1))));
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('another traveller\'s booking is not found', async () => {
    const owner = await approvedTraveller(server, reviewer, 'en');
    await setQuota(operator, addDays(today, 2), 5);
    const number = await bookThroughApi(owner, addDays(today, 2));
    const session = await travellerSession('en');
    const { page } = session;
    try {
      for (const path of [`/bookings/${number}`, `/bookings/${number}/cancel`, '/bookings/not-a-number']) {
        assert.equal(await openAt(page, path), 404, path);
        assert.equal(await page.locator('main .error').innerText(), errorText('en', 'booking.not_found'));
      }
      const status = await page.evaluate(async ({ path, csrf }) => {
        const response = await fetch(path, { method: 'POST', body: new URLSearchParams({ csrf }) });
        return response.status;
      }, { path: `/bookings/${number}/cancel`, csrf: (await session.context.cookies()).find((c) => c.name === 'yz_csrf').value });
      assert.equal(status, 404);
      const ownerBookings = await owner.request('GET', '/api/v1/me/bookings');
      assert.equal(ownerBookings.json[0].status, 'confirmed', 'the owner\'s booking is untouched');
    } finally {
      await session.close();
    }
  });

  test('banned traveller sees no dates', async () => {
    const session = await travellerSession('en');
    const { page } = session;
    const bannedUntil = addDays(today, 3);
    try {
      // Two no-shows in a row would set this; the test writes it directly.
      const accountId = (await session.client.request('GET', '/api/v1/me')).json.account_id;
      queryDatabase(server.dbPath, `UPDATE accounts SET banned_until = '${bannedUntil}' WHERE id = ${accountId}`);

      await openAt(page, '/book');
      assert.equal(await page.locator('#ban-notice').innerText(),
        errorText('en', 'booking.banned').replace('{banned_until}', dayLabel('en', bannedUntil)));
      assert.ok((await readDays(page)).every((day) => !day.linked), 'no date links while banned');
      await openAt(page, `/book/${doubleClickDate}`);
      assert.equal(pathOf(page), '/book', 'the confirm page sends a banned traveller back');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('pages need a login, publicity does not', async () => {
    const session = await openSession(browser, server.url);
    const { page } = session;
    try {
      for (const path of ['/book', `/book/${flowDate}`, '/bookings']) {
        await openAt(page, path);
        assert.equal(pathOf(page), '/login', `${path} sends a visitor to the login page`);
      }
      await clickAndLoad(page, '.publicity-link');
      assert.equal(pathOf(page), '/publicity');
      await assertPageLanguage(page, 'zh-Hant', 'publicity_title');
      assert.equal((await readPublicity(page)).length, 7);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  for (const language of languages) {
    test(`page texts, ${language}`, async () => {
      const session = await travellerSession(language);
      const { page } = session;
      try {
        await page.goto(`${server.url}/me`);
        await assertPageLanguage(page, language, 'me_title');
        assert.equal(await page.locator('#bookings-link').innerText(), ui(language, 'bookings_title'));
        assert.equal(await page.locator('#book-link').innerText(), ui(language, 'book_title'));
        assert.equal(await page.locator('#publicity-link').innerText(), ui(language, 'publicity_title'));

        for (const [path, titleKey] of [['/book', 'book_title'], [`/book/${doubleClickDate}`, 'book_confirm_title'],
          ['/bookings', 'bookings_title'], ['/publicity', 'publicity_title']]) {
          assert.equal(await openAt(page, path), 200, path);
          await assertPageLanguage(page, language, titleKey);
          assert.equal(await page.locator('main h1').innerText(), ui(language, titleKey), `heading of ${path}`);
          await screenshot(page, `booking/${language}${path.replaceAll('/', '-')}`);
        }
        assert.equal(await page.locator('#past-days-empty').innerText(), ui(language, 'publicity_past_empty'));
        session.assertNoProblems();
      } finally {
        await session.close();
      }
    });
  }
});
