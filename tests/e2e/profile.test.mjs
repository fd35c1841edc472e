// The personal-information form (填報個人信息) in Debian's Chromium. It
// covers the live province → city → county picker with JavaScript and the
// step-by-step picker without it, the messages for missing and invalid
// fields and the resident ID card checks. Screenshots show the form in
// every language.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import {
  assertPersonalCenter, assertProfileForm, clickAndLoad, clickAndLoadResponse, divisionOptions, errorText,
  fillProfile, formErrors, languages, newAccount, newResidentAccount, openPersonalCenter, pathOf, readProfileForm,
  register, switchLanguage, ui,
} from './support/pages.mjs';

const guangdong = '440000';
const maoming = '440900';
const dianbai = '440904';
// A city of Guangdong with no county level: the city is the destination.
const dongguan = '441900';

// Error codes of an empty form pressed "Done", in form order.
const missingFieldCodes = [
  'profile.name_missing',
  'profile.gender_missing',
  'profile.birth_date_missing',
  'profile.mobile_missing',
  'profile.destination_missing',
  'profile.consent_required',
];

function messages(language, codes) {
  return codes.map((code) => errorText(language, code));
}

// Adds `days` to a YYYY-MM-DD date.
function addDays(date, days) {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

describe('personal-information form', () => {
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

  // The server's local date (YYYY-MM-DD). The test-mode clock endpoint
  // returns RFC 3339 in the configured zone, so its first ten characters are
  // the date the server calls today.
  async function serverToday() {
    const response = await new Client(server.url).request('GET', '/api/v1/test/clock');
    assert.equal(response.status, 200, `reading the clock failed: ${response.text}`);
    return response.json.now.slice(0, 10);
  }

  // The children of division `parent` from GET /api/v1/divisions, named in
  // `language`, as the picker's { value, label } options.
  async function apiDivisions(parent, language) {
    const response = await new Client(server.url, language).request('GET', `/api/v1/divisions?parent=${parent}`);
    assert.equal(response.status, 200, `GET /api/v1/divisions?parent=${parent}: ${response.text}`);
    return response.json.map((division) => ({ value: division.code, label: division.name }));
  }

  // Registers `account` through the pages in `language`; the page ends on
  // the personal-information form that registration opens.
  async function registerInBrowser(page, language, account = newAccount('home_return_permit')) {
    await page.goto(`${server.url}/register`);
    if (language !== 'zh-Hant') await switchLanguage(page, language);
    await register(page, account);
    assert.equal(new URL(page.url()).search, '?registered=1');
    await assertProfileForm(page, language, account, { notice: 'registered_notice' });
    return account;
  }

  // Picks the destination with JavaScript on: each select fills the next
  // one in place. selectOption waits until the option exists.
  async function pickDestinationLive(page, { province, city, county }) {
    await page.selectOption('#province', province);
    await page.selectOption('#city', city);
    if (county) await page.selectOption('#county', county);
  }

  // Presses "Done" and expects the form back with status 422 and exactly
  // the messages of `codes`.
  async function submitExpectingErrors(page, language, codes, button = '#profile-submit') {
    const response = await clickAndLoadResponse(page, button);
    assert.equal(response.status(), 422, `status of the rejected form; messages: ${await formErrors(page)}`);
    assert.equal(pathOf(page), '/me/profile');
    assert.deepEqual(await formErrors(page), messages(language, codes));
  }

  test('live picker, save and submit, zh-Hant', async () => {
    await withSession(async ({ page }) => {
      const account = await registerInBrowser(page, 'zh-Hant');
      await screenshot(page, 'profile/zh-Hant-form');

      // With JavaScript the step-by-step button and its hint are hidden.
      assert.equal(await page.locator('#destination-refresh').isVisible(), false);
      assert.equal(await page.locator('#destination .no-js-only').isVisible(), false);
      assert.deepEqual(await divisionOptions(page, '#city'), []);
      assert.deepEqual(await divisionOptions(page, '#county'), []);

      let documentLoads = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) documentLoads += 1;
      });
      const [citiesResponse] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith(`/api/v1/divisions?parent=${guangdong}`)),
        page.selectOption('#province', { label: '廣東省' }),
      ]);
      assert.equal(citiesResponse.status(), 200);
      await page.selectOption('#city', { label: '茂名市' });
      await page.selectOption('#county', { label: '電白區' });
      assert.equal(documentLoads, 0, 'picking the destination loaded a page');
      assert.deepEqual(await divisionOptions(page, '#city'), await apiDivisions(guangdong, 'zh-Hant'));
      assert.deepEqual(await divisionOptions(page, '#county'), await apiDivisions(maoming, 'zh-Hant'));

      const typed = { name: '陳大文', gender: 'male', birthDate: '1985-07-01', hkMobile: '91234567', consent: true };
      await fillProfile(page, typed);
      const expected = {
        ...typed, mainlandMobile: '', province: guangdong, city: maoming, county: dianbai,
      };
      assert.deepEqual(await readProfileForm(page), expected);

      await clickAndLoad(page, '#profile-save');
      assert.equal(new URL(page.url()).search, '?saved=1');
      await assertProfileForm(page, 'zh-Hant', account, { notice: 'profile_saved_notice', status: 'draft' });
      assert.deepEqual(await readProfileForm(page), expected);
      await page.reload();
      assert.deepEqual(await readProfileForm(page), expected, 'the saved values come back after a reload');
      assert.equal(await page.locator('#province option:checked').innerText(), '廣東省');
      assert.equal(await page.locator('#city option:checked').innerText(), '茂名市');
      assert.equal(await page.locator('#county option:checked').innerText(), '電白區');
      await screenshot(page, 'profile/zh-Hant-saved');

      await clickAndLoad(page, '#profile-submit');
      assert.equal(new URL(page.url()).search, '?submitted=1');
      await assertPersonalCenter(page, 'zh-Hant', account, {
        notice: 'profile_submitted_notice', name: typed.name, status: 'pending',
      });
      assert.equal(await page.locator('#review-status').innerText(), '審核中');
      await screenshot(page, 'profile/zh-Hant-submitted');

      // A second "Done" while the review is pending is rejected and keeps
      // the form as it was.
      await clickAndLoad(page, '#profile-link');
      await assertProfileForm(page, 'zh-Hant', account, { status: 'pending' });
      assert.deepEqual(await readProfileForm(page), expected);
      const response = await clickAndLoadResponse(page, '#profile-submit');
      assert.equal(response.status(), 409);
      assert.deepEqual(await formErrors(page), messages('zh-Hant', ['profile.already_pending']));
      assert.deepEqual(await readProfileForm(page), expected);
    });
  });

  test('step-by-step picker without JavaScript, zh-Hans', async () => {
    await withSession(async ({ page }) => {
      const account = await registerInBrowser(page, 'zh-Hans');
      assert.equal(await page.locator('#destination-refresh').isVisible(), true);
      assert.equal(await page.locator('#destination-refresh').innerText(), '显示下一级');
      assert.equal(await page.locator('#destination .no-js-only').innerText(), ui('zh-Hans', 'destination_steps_hint'));
      await screenshot(page, 'profile/zh-Hans-no-javascript');

      const typed = {
        name: '李小龙', gender: 'female', birthDate: '1992-11-30', mainlandMobile: '13800138000', consent: true,
      };
      await fillProfile(page, typed);
      const kept = { ...typed, hkMobile: '' };

      await page.selectOption('#province', { label: '广东省' });
      await clickAndLoad(page, '#destination-refresh');
      assert.equal(pathOf(page), '/me/profile');
      assert.deepEqual(await readProfileForm(page), { ...kept, province: guangdong, city: '', county: '' });
      // A picker step stores nothing.
      assert.equal(await page.locator('#profile-status').innerText(), ui('zh-Hans', 'review_status_none'));
      const cities = await apiDivisions(guangdong, 'zh-Hans');
      assert.deepEqual(await divisionOptions(page, '#city'), cities);
      assert.deepEqual(await divisionOptions(page, '#county'), []);

      // Every county of every city of Guangdong, one server round trip per
      // city, against the API's list for that city.
      let offeredCounties = 0;
      let apiCounties = 0;
      for (const city of cities) {
        await page.selectOption('#city', city.value);
        await clickAndLoad(page, '#destination-refresh');
        assert.deepEqual(await readProfileForm(page), { ...kept, province: guangdong, city: city.value, county: '' },
          `typed values after showing the counties of ${city.label}`);
        const expectedCounties = await apiDivisions(city.value, 'zh-Hans');
        const counties = await divisionOptions(page, '#county');
        assert.deepEqual(counties, expectedCounties, `counties of ${city.label} (${city.value})`);
        const placeholder = await page.locator('#county option').first().innerText();
        const placeholderKey = expectedCounties.length === 0 ? 'no_county_option' : 'choose_option';
        assert.equal(placeholder, ui('zh-Hans', placeholderKey), `first county option for ${city.label}`);
        offeredCounties += counties.length;
        apiCounties += expectedCounties.length;
      }
      assert.equal(offeredCounties, apiCounties, 'counties offered across Guangdong');
      assert.ok(apiCounties > cities.length, `only ${apiCounties} counties for ${cities.length} cities`);

      // A city without counties is itself the destination.
      await page.selectOption('#city', dongguan);
      await clickAndLoad(page, '#destination-refresh');
      await clickAndLoad(page, '#profile-save');
      await assertProfileForm(page, 'zh-Hans', account, { notice: 'profile_saved_notice', status: 'draft' });
      assert.deepEqual(await readProfileForm(page), { ...kept, province: guangdong, city: dongguan, county: '' });
      assert.equal(await page.locator('#county option').first().innerText(), ui('zh-Hans', 'no_county_option'));

      await page.selectOption('#city', { label: '茂名市' });
      await clickAndLoad(page, '#destination-refresh');
      await page.selectOption('#county', { label: '电白区' });
      assert.deepEqual(await readProfileForm(page), { ...kept, province: guangdong, city: maoming, county: dianbai });
      await clickAndLoad(page, '#profile-submit');
      await assertPersonalCenter(page, 'zh-Hans', account, {
        notice: 'profile_submitted_notice', name: typed.name, status: 'pending',
      });

      await clickAndLoad(page, '#profile-link');
      assert.deepEqual(await readProfileForm(page), { ...kept, province: guangdong, city: maoming, county: dianbai });
    }, { javaScriptEnabled: false });
  });

  test('missing and invalid fields, en', async () => {
    await withSession(async ({ page }) => {
      const account = await registerInBrowser(page, 'en');

      await submitExpectingErrors(page, 'en', missingFieldCodes);
      for (const field of ['name', 'birth_date', 'hk_mobile']) {
        assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true', `#${field} is marked`);
      }
      await screenshot(page, 'profile/en-missing-fields');

      const typed = {
        name: 'Chan Tai Man', gender: 'male', birthDate: '1980-01-15', hkMobile: '12345678',
        mainlandMobile: '', consent: true,
      };
      await fillProfile(page, typed);
      await pickDestinationLive(page, { province: guangdong, city: '440300', county: '440304' });
      const destination = { province: guangdong, city: '440300', county: '440304' };

      await submitExpectingErrors(page, 'en', ['profile.hk_mobile_invalid']);
      assert.deepEqual(await readProfileForm(page), { ...typed, ...destination }, 'typed values after an error');
      assert.equal(await page.locator('#hk_mobile').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#name').getAttribute('aria-invalid'), null);
      await screenshot(page, 'profile/en-invalid-mobile');

      const tomorrow = addDays(await serverToday(), 1);
      await fillProfile(page, { hkMobile: '91234567', birthDate: tomorrow });
      await submitExpectingErrors(page, 'en', ['profile.birth_date_in_future'], '#profile-save');
      assert.deepEqual(await readProfileForm(page), {
        ...typed, ...destination, hkMobile: '91234567', birthDate: tomorrow,
      });
      assert.equal(await page.locator('#birth_date').getAttribute('aria-invalid'), 'true');

      // Both at once, listed in form order.
      await fillProfile(page, { hkMobile: '12345678' });
      await submitExpectingErrors(page, 'en', ['profile.birth_date_in_future', 'profile.hk_mobile_invalid']);
      assert.deepEqual(await readProfileForm(page), { ...typed, ...destination, birthDate: tomorrow });

      // Nothing invalid was stored.
      await page.goto(`${server.url}/me/profile`);
      const stored = await readProfileForm(page);
      assert.notEqual(stored.hkMobile, '12345678');
      assert.notEqual(stored.birthDate, tomorrow);

      await fillProfile(page, { ...typed, hkMobile: '91234567', birthDate: await serverToday() });
      await pickDestinationLive(page, destination);
      await clickAndLoad(page, '#profile-submit');
      await assertPersonalCenter(page, 'en', account, {
        notice: 'profile_submitted_notice', name: typed.name, status: 'pending',
      });
    });
  });

  test('resident ID birth date and gender', async () => {
    await withSession(async ({ page }) => {
      const account = newResidentAccount({ birthDate: '1988-02-29', gender: 'male' });
      await registerInBrowser(page, 'zh-Hant', account);

      const typed = {
        name: '張三', gender: 'female', birthDate: '1988-03-01', hkMobile: '', mainlandMobile: '13912345678',
        consent: true,
      };
      const destination = { province: guangdong, city: maoming, county: dianbai };
      await fillProfile(page, typed);
      await pickDestinationLive(page, destination);

      await submitExpectingErrors(page, 'zh-Hant', ['profile.gender_mismatch', 'profile.birth_date_mismatch']);
      assert.deepEqual(await readProfileForm(page), { ...typed, ...destination });
      await screenshot(page, 'profile/zh-Hant-resident-id-mismatch');

      await fillProfile(page, { gender: 'male' });
      await submitExpectingErrors(page, 'zh-Hant', ['profile.birth_date_mismatch']);
      assert.deepEqual(await readProfileForm(page), { ...typed, ...destination, gender: 'male' });

      await fillProfile(page, { gender: 'female', birthDate: account.birthDate });
      await submitExpectingErrors(page, 'zh-Hant', ['profile.gender_mismatch']);
      assert.deepEqual(await readProfileForm(page), { ...typed, ...destination, birthDate: account.birthDate });

      await fillProfile(page, { gender: 'male' });
      await clickAndLoad(page, '#profile-submit');
      await assertPersonalCenter(page, 'zh-Hant', account, {
        notice: 'profile_submitted_notice', name: typed.name, status: 'pending',
      });
    });
  });

  test('resident ID of a woman', async () => {
    await withSession(async ({ page }) => {
      const account = newResidentAccount({ birthDate: '2000-12-31', gender: 'female' });
      await registerInBrowser(page, 'zh-Hans', account);
      await fillProfile(page, {
        name: '王芳', gender: 'male', birthDate: account.birthDate, mainlandMobile: '13912345678', consent: true,
      });
      await pickDestinationLive(page, { province: guangdong, city: dongguan });
      await submitExpectingErrors(page, 'zh-Hans', ['profile.gender_mismatch']);

      await fillProfile(page, { gender: 'female' });
      await clickAndLoad(page, '#profile-submit');
      await assertPersonalCenter(page, 'zh-Hans', account, {
        notice: 'profile_submitted_notice', name: '王芳', status: 'pending',
      });
    });
  });

  for (const language of languages) {
    test(`form and messages, ${language}`, async () => {
      await withSession(async ({ page }) => {
        const account = await registerInBrowser(page, language);
        await screenshot(page, `profile/${language}-empty`);

        await fillProfile(page, { name: 'Lee Ka Yan', gender: 'female' });
        await submitExpectingErrors(page, language, missingFieldCodes.slice(2));
        // NOTE: the status is not checked because a rejected "Done" stores
        // the valid fields as a draft, and whether it should is undecided.
        await assertProfileForm(page, language, account, { status: null });
        await screenshot(page, `profile/${language}-errors`);
      });
    });
  }

  test('name row only after a name is stored', async () => {
    await withSession(async ({ page }) => {
      const account = await registerInBrowser(page, 'zh-Hant');
      await openPersonalCenter(page);
      assert.equal(await page.locator('#profile-name').count(), 0, 'a name row before any profile exists');

      // A draft without a name still has no name to show.
      await clickAndLoad(page, '#profile-link');
      await fillProfile(page, { hkMobile: '51234567' });
      await clickAndLoad(page, '#profile-save');
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'zh-Hant', account, { status: 'draft' });
      assert.equal(await page.locator('#profile-name').count(), 0, 'a name row for a draft without a name');

      await clickAndLoad(page, '#profile-link');
      await fillProfile(page, { name: '何美玲' });
      await clickAndLoad(page, '#profile-save');
      await openPersonalCenter(page);
      await assertPersonalCenter(page, 'zh-Hant', account, { name: '何美玲', status: 'draft' });
    });
  });

  test('form needs a session', async () => {
    await withSession(async ({ page }) => {
      await page.goto(`${server.url}/me/profile`);
      assert.equal(pathOf(page), '/login');

      await registerInBrowser(page, 'zh-Hant');
      await openPersonalCenter(page);
      await clickAndLoad(page, '#logout');
      await page.goto(`${server.url}/me/profile`);
      assert.equal(pathOf(page), '/login', 'logged out: the form redirects to login');
    });
  });
});
