// The waiting room in Debian's Chromium: with one admission a second and a
// burst of 1, other travellers join the queue through the API first, so the
// browser's traveller lands on /queue when opening the confirm page, sees
// the place fall, gets its turn and books. Once with JavaScript (queue.js
// updates the numbers in place) and once without (the page reloads itself).
// The room runs on the server's real clock, so these tests wait real seconds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setClock, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import { clickAndLoad, pathOf, ui } from './support/pages.mjs';
import { addDays, approvedTraveller, setQuota, shareCookies, staffSession } from './support/booking_helpers.mjs';

const today = '2027-05-10';
const date = addDays(today, 2);
// Travellers who join before the browser's one: the first passes straight
// through, the others wait ahead of it, one admission a second.
const othersAhead = 6;
// Long enough for every traveller ahead to be admitted, with room to spare.
const turnTimeoutMs = (othersAhead + 10) * 1000;

describe('waiting room pages', () => {
  let server;
  let browser;
  let reviewer;

  before(async () => {
    server = await startServer({
      waiting_room_admit_per_second: 1,
      waiting_room_burst: 1,
      password_memory_kib: 1024,
      password_passes: 1,
    });
    browser = await launchBrowser();
    await setClock(server.url, `${today}T10:00:00+08:00`);
    reviewer = await staffSession(server, 'reviewer');
    const operator = await staffSession(server, 'operator');
    await setQuota(operator, date, 20);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // An approved traveller in a browser, and others who then join the queue
  // through the API so that the browser's traveller has to wait.
  async function queueBehindOthers(contextOptions) {
    const client = await approvedTraveller(server, reviewer, 'en');
    const session = await openSession(browser, server.url, { locale: 'en-GB', ...contextOptions });
    await shareCookies(client, session.context);
    const others = [];
    for (let i = 0; i < othersAhead; i += 1) others.push(await approvedTraveller(server, reviewer, 'en'));
    for (const other of others) {
      const joined = await other.request('POST', '/api/v1/queue');
      assert.equal(joined.status, 200, `join: ${joined.text}`);
    }
    return session;
  }

  async function readPosition(page) {
    const text = await page.locator('#queue-position').innerText();
    assert.match(text, /^\d+$/, `position "${text}"`);
    return Number(text);
  }

  // Waits until the position shown is below `previous` and returns it.
  async function nextPosition(page, previous) {
    const deadline = Date.now() + turnTimeoutMs;
    for (;;) {
      const turn = await page.locator('#queue-turn').count();
      assert.equal(turn, 0, `admitted before the place fell below ${previous}`);
      // A reload (without JavaScript) may be under way; then read again.
      const position = await readPosition(page).catch(() => previous);
      if (position < previous) return position;
      assert.ok(Date.now() < deadline, `the place stayed at ${position}`);
      await page.waitForTimeout(200);
    }
  }

  async function bookFromTurn(page) {
    await page.locator('#queue-turn').waitFor({ timeout: turnTimeoutMs });
    assert.match(await page.locator('#queue-turn').innerText(), /^It is your turn\. Book before \d\d:\d\d:\d\d;/);
    assert.equal(await page.locator('#queue-book-link').getAttribute('href'), `/book/${date}`);
    await screenshot(page, 'waiting_room/turn');

    await clickAndLoad(page, '#queue-book-link');
    assert.equal(pathOf(page), `/book/${date}`);
    assert.equal(await page.locator('#confirm-date').getAttribute('data-date'), date);
    await page.fill('#captcha_answer', '0000');
    await clickAndLoad(page, '#confirm-submit');
    assert.match(pathOf(page), /^\/bookings\/[^/]+$/, `ends on the booking, not ${page.url()}`);
    assert.match(page.url(), /\?new=1$/);
  }

  test('JavaScript updates the place in place, then the traveller books', async () => {
    const session = await queueBehindOthers({});
    const { page } = session;
    try {
      await page.goto(`${server.url}/book/${date}`);
      assert.equal(pathOf(page), '/queue', 'the confirm page sends a waiting traveller to the queue');
      assert.equal(new URL(page.url()).searchParams.get('date'), date);
      assert.equal(await page.locator('h1').innerText(), ui('en', 'queue_title'));
      assert.equal(await page.locator('#queue-live').getAttribute('aria-live'), 'polite');
      await screenshot(page, 'waiting_room/en-queue');

      // The numbers change without a reload: a marker set on the document
      // survives only if the page is not loaded again.
      await page.evaluate(() => { window.queueMarker = 'same document'; });
      const first = await readPosition(page);
      assert.ok(first >= 3, `the traveller waits behind others, at place ${first}`);
      const second = await nextPosition(page, first);
      assert.equal(await page.evaluate(() => window.queueMarker), 'same document');
      const third = await nextPosition(page, second);
      assert.ok(first > second, `places ${first}, ${second}`);
      assert.ok(second > third, `places ${second}, ${third}`);
      assert.match(await page.locator('#queue-wait').innerText(), /^About \d+ s$/);

      await bookFromTurn(page);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('queue page in both Chinese scripts', async () => {
    for (const language of ['zh-Hant', 'zh-Hans']) {
      const client = await approvedTraveller(server, reviewer, language);
      const session = await openSession(browser, server.url, { locale: language === 'zh-Hant' ? 'zh-HK' : 'zh-CN' });
      await shareCookies(client, session.context);
      await session.context.addCookies([{ name: 'lang', value: language, url: server.url }]);
      const { page } = session;
      try {
        await page.goto(`${server.url}/queue?date=${date}`);
        assert.equal(pathOf(page), '/queue', language);
        assert.equal(await page.locator('h1').innerText(), ui(language, 'queue_title'), language);
        // Whether still waiting or already admitted, every text on the page
        // comes from the reader's catalog.
        const body = await page.locator('main').innerText();
        const waiting = await page.locator('#queue-position').count();
        const label = waiting ? ui(language, 'queue_position_label') : ui(language, 'queue_book_link');
        assert.ok(body.includes(label), `${language}: "${label}" in ${body}`);
        assert.doesNotMatch(body, /queue_\w+|\{\w+\}/, `${language}: no catalog key or placeholder shows`);
        await screenshot(page, `waiting_room/${language}-queue`);
        session.assertNoProblems();
      } finally {
        await session.close();
      }
    }
  });

  test('without JavaScript the page reloads itself until the turn', async () => {
    const session = await queueBehindOthers({ javaScriptEnabled: false });
    const { page } = session;
    try {
      await page.goto(`${server.url}/book/${date}`);
      assert.equal(pathOf(page), '/queue');
      const first = await readPosition(page);
      assert.ok(first >= 3, `the traveller waits behind others, at place ${first}`);
      // The meta refresh reloads every 5 s, and about five admissions pass
      // between two reloads.
      const second = await nextPosition(page, first);
      assert.ok(second < first, `places ${first}, ${second}`);

      await bookFromTurn(page);
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });
});
