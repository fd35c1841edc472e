// An operator made with `yizhan staff add` logs in to the back office in
// Debian's Chromium with JavaScript turned off, adds a station, edits it,
// sets the quota of a date range in Traditional Chinese, sees why a bad
// quota is rejected, and reads the grid of dates by station.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import { assertNoRawText, assertPageLanguage, clickAndLoad, errorText, pathOf, ui } from './support/pages.mjs';

const username = 'operator1';
const password = 'staffpass123';

// `date` (YYYY-MM-DD) plus `count` days.
function addDays(date, count) {
  const moved = new Date(Date.parse(`${date}T00:00:00Z`) + count * 86400000);
  return moved.toISOString().slice(0, 10);
}

function filled(language, key, values) {
  return ui(language, key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

describe('operator quota pages', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    const added = runCli(
      ['staff', 'add', '--db', server.dbPath, '--username', username, '--role', 'operator', '--password-stdin'],
      `${password}\n`,
    );
    assert.equal(added.status, 0, `yizhan staff add failed: ${added.stderr}`);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // The text of the grid cell of `date` in the row of the station named `name`.
  async function cellText(page, name, date) {
    const row = page.locator('table.quota-grid tbody tr').filter({ hasText: name });
    return (await row.first().locator(`td[data-date="${date}"]`).innerText()).trim();
  }

  test('operator adds station and sets quotas', async () => {
    const session = await openSession(browser, server.url, { javaScriptEnabled: false });
    const { page } = session;
    const language = 'zh-Hant';
    const stationName = '皇崗口岸健康驛站';
    try {
      await page.goto(`${server.url}/admin/quotas`);
      assert.equal(pathOf(page), '/admin/login', 'the quota page needs a staff session');
      await page.fill('#username', username);
      await page.fill('#password', password);
      await clickAndLoad(page, '#admin-login-submit');
      assert.equal(pathOf(page), '/admin');

      // The back-office home links to both pages.
      assert.equal(await page.locator('#menu-quotas').innerText(), ui(language, 'admin_menu_quotas'));
      assert.equal(await page.locator('#menu-stations').innerText(), ui(language, 'admin_menu_stations'));
      await clickAndLoad(page, '#menu-stations');
      assert.equal(pathOf(page), '/admin/stations');
      await assertPageLanguage(page, language, 'admin_stations_title');
      assert.equal(await page.locator('main h1').innerText(), ui(language, 'admin_stations_title'));
      assert.equal(await page.locator('#menu-stations').getAttribute('aria-current'), 'page');

      // A station without a name is rejected and the typed values stay.
      await page.fill('#new-address', '深圳市福田區皇崗路');
      await page.fill('#new-rooms', '-4');
      await clickAndLoad(page, '#station-add-submit');
      assert.equal(await page.locator('#form-error').innerText(), errorText(language, 'station.name_missing'));
      assert.equal(await page.locator('#new-address').inputValue(), '深圳市福田區皇崗路');
      assert.equal(await page.locator('#new-rooms').inputValue(), '-4');

      await page.fill('#new-name', stationName);
      await page.fill('#new-district', '福田區');
      await clickAndLoad(page, '#station-add-submit');
      assert.equal(await page.locator('#form-error').innerText(), errorText(language, 'station.rooms_invalid'));
      await page.fill('#new-rooms', '120');
      await clickAndLoad(page, '#station-add-submit');
      assert.equal(pathOf(page), '/admin/stations');
      assert.equal(await page.locator('#notice').innerText(), ui(language, 'admin_stations_notice_added'));
      const row = page.locator('#station-list tbody tr', { hasText: stationName });
      assert.equal(await row.count(), 1);
      const stationId = (await row.getAttribute('id')).replace('station-', '');
      assert.equal(await row.locator('.station-rooms').innerText(), '120');
      assert.equal(await row.locator('.station-state').innerText(), ui(language, 'admin_stations_active'));
      await assertNoRawText(page);

      // Edit the station: the form opens from its summary without scripts.
      await row.locator('summary').click();
      await page.fill(`#rooms-${stationId}`, '150');
      await clickAndLoad(page, `#station-save-${stationId}`);
      assert.equal(await page.locator('#notice').innerText(), ui(language, 'admin_stations_notice_updated'));
      assert.equal(await page.locator(`#station-${stationId} .station-rooms`).innerText(), '150');
      await screenshot(page, 'admin-quotas/zh-Hant-stations');

      await clickAndLoad(page, '#menu-quotas');
      assert.equal(pathOf(page), '/admin/quotas');
      await assertPageLanguage(page, language, 'admin_quotas_title');
      const today = await page.locator('#view-from').inputValue();
      assert.match(today, /^\d{4}-\d{2}-\d{2}$/);
      const first = addDays(today, 1);
      const last = addDays(today, 4);

      // With two stations the form needs a choice, and its error names the problem.
      await page.fill('#quota-from', first);
      await page.fill('#quota-to', last);
      await page.fill('#quota-value', '30');
      await clickAndLoad(page, '#quota-submit');
      assert.equal(await page.locator('#form-error').innerText(), errorText(language, 'quota.station_required'));
      assert.equal(await page.locator('#quota-from').inputValue(), first);
      assert.equal(await page.locator('#quota-to').inputValue(), last);
      assert.equal(await page.locator('#quota-value').inputValue(), '30');

      await page.selectOption('#quota-station', stationId);
      await page.fill('#quota-value', '10000');
      await clickAndLoad(page, '#quota-submit');
      assert.equal(await page.locator('#form-error').innerText(), errorText(language, 'quota.value_invalid'));
      assert.equal(await page.locator('#quota-station').inputValue(), stationId, 'the chosen station stays');

      await page.fill('#quota-value', '30');
      await clickAndLoad(page, '#quota-submit');
      assert.equal(pathOf(page), '/admin/quotas');
      assert.equal(await page.locator('#notice').innerText(),
        filled(language, 'admin_quotas_notice_many', { count: 4 }));
      assert.equal(await page.locator('#form-error').count(), 0);

      for (let offset = 0; offset < 4; offset += 1) {
        const date = addDays(first, offset);
        assert.equal(await cellText(page, stationName, date), '30 / 0 / 30', `cell of ${date}`);
        const total = await page.locator(`tr.totals-row td[data-date="${date}"]`).innerText();
        assert.equal(total.trim(), '30 / 0 / 30', `total of ${date}`);
      }
      assert.equal(await cellText(page, stationName, addDays(first, 4)), '–', 'the date after the range is unset');
      assert.equal(await page.locator('#quota-legend').innerText(), ui(language, 'admin_quotas_legend'));
      assert.equal(await page.locator('table.quota-grid caption').first().innerText(),
        filled(language, 'admin_quotas_week_caption', { first, last: addDays(first, 6) }));
      await assertNoRawText(page);
      await screenshot(page, 'admin-quotas/zh-Hant-quota-grid');

      // The next period's link moves the grid on by two weeks.
      await clickAndLoad(page, '#next-period');
      assert.equal(await page.locator('#view-from').inputValue(), addDays(first, 14));
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });
});
