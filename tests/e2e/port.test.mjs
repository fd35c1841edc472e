// A family of three from booking to the port, in Debian's Chromium: the
// traveller books in the browser with the test clock, opens the
// confirmation slip (預約確認單) on the booking date, and a port officer in
// a second browser scans the slip's QR code with a fake camera (a Y4M video
// made from the slip's own QR code), sees VALID and has the entry recorded.
// Then typing the same token says when and by whom it was entered, and a
// token with one character changed is INVALID for its signature. The other
// tests cover stopping the camera view, and the port page when the camera
// is refused, absent or unsupported, and without JavaScript.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, setClock, startServer } from '../support/server.mjs';
import { launchBrowser, openSession, screenshot } from './support/browser.mjs';
import { assertPageLanguage, clickAndLoad, errorText, pathOf, ui } from './support/pages.mjs';
import { addDays, setQuota, shareCookies, staffPassword, staffSession } from './support/booking_helpers.mjs';
import { familyTraveller, logInStaff, readQrModules, writeQrVideo } from './support/port_helpers.mjs';

const today = '2027-04-12';
const bookingDate = addDays(today, 2);
const officer = { username: `portofficer${process.pid % 10000}`, password: staffPassword };

// The applicant is bookingProfile's 张小明, 37 on the booking date; the
// child, 7 on that date, is the one who qualifies for care.
const spouse = { name: '李美玲', relation: 'spouse', birth_date: '1991-06-01', gender: 'female' };
const child = { name: '张小宝', relation: 'child', birth_date: '2019-09-09', gender: 'male' };

// A token with the character at `index` replaced, so the text still
// decodes but the signature no longer matches.
function withOneCharacterChanged(token, index) {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('port verification', () => {
  let server;
  let browser;
  let cameraBrowser;
  let reviewer;
  let videoDirectory;
  // Set by the first test for the ones after it.
  let slip = null;

  before(async () => {
    // The traveller's session outlives the two days the clock moves ahead.
    server = await startServer({ session_lifetime_minutes: 7 * 24 * 60 });
    browser = await launchBrowser();
    videoDirectory = mkdtempSync(join(tmpdir(), 'yizhan-port-video-'));
    await setClock(server.url, `${today}T10:00:00+08:00`);
    reviewer = await staffSession(server, 'reviewer');
    const operator = await staffSession(server, 'operator');
    await setQuota(operator, bookingDate, 5);
    const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', officer.username, '--role',
      'port_officer', '--password-stdin'], `${officer.password}\n`);
    assert.equal(added.status, 0, `staff add ${officer.username}: ${added.stderr}`);
  });

  after(async () => {
    await cameraBrowser?.close();
    await browser?.close();
    await server?.stop();
    if (videoDirectory) rmSync(videoDirectory, { recursive: true, force: true });
  });

  // The verdict box of the port page as { valid, reason, label, message,
  // names, groupSize, bookingNumber, entered }.
  async function readVerdict(page) {
    const box = page.locator('#port-verdict');
    await box.waitFor();
    const optional = async (selector) => {
      const element = page.locator(selector);
      return (await element.count()) ? element.innerText() : null;
    };
    return {
      valid: (await box.getAttribute('class')).includes('port-valid'),
      reason: await box.getAttribute('data-reason'),
      label: await page.locator('#port-verdict-label').innerText(),
      message: await page.locator('#port-verdict-message').innerText(),
      names: await page.locator('#port-names .port-name').allInnerTexts(),
      groupSize: await optional('#port-group-size'),
      bookingNumber: await optional('#port-booking-number'),
      entered: await optional('#port-entered'),
    };
  }

  async function verifyTypedToken(page, token) {
    await page.fill('#port-token', token);
    await clickAndLoad(page, '#port-check-token');
    return readVerdict(page);
  }

  test('family slip scanned and entered', async () => {
    const family = await familyTraveller(server, reviewer, [spouse, child]);
    const traveller = await openSession(browser, server.url);
    const { page } = traveller;
    let officerSession;
    try {
      await shareCookies(family.client, traveller.context);
      await setClock(server.url, `${today}T10:00:00+08:00`);

      // 我要預約, then 確認訂單 with the test-mode captcha.
      await page.goto(`${server.url}/book`);
      await clickAndLoad(page, `#days li[data-date="${bookingDate}"] a.day-link`);
      assert.equal(pathOf(page), `/book/${bookingDate}`);
      await page.fill('#captcha_answer', '0000');
      await clickAndLoad(page, '#confirm-submit');
      const bookingNumber = await page.locator('#booking-number').innerText();
      assert.equal(pathOf(page), `/bookings/${bookingNumber}`);

      // Before the booking date the slip page only says when it is valid.
      await page.goto(`${server.url}/slip`);
      assert.ok((await page.locator('#slip-unavailable').innerText()).includes(bookingDate));
      assert.equal(await page.locator('#slip-qr').count(), 0, 'no QR code before the booking date');

      // On the booking date: the slip from the personal center, with all three people.
      await setClock(server.url, `${bookingDate}T08:30:00+08:00`);
      await page.goto(`${server.url}/me`);
      await clickAndLoad(page, '#slip-link');
      assert.equal(pathOf(page), '/slip');
      await assertPageLanguage(page, 'zh-Hant', 'slip_title');
      assert.equal(await page.locator('#slip-date').innerText(), bookingDate);
      assert.equal(await page.locator('#slip-booking-number').innerText(), bookingNumber);
      assert.equal(await page.locator('#slip-name').innerText(), '张小明');
      assert.equal(await page.locator('#slip-co-count').innerText(), '2');
      const coResidents = page.locator('#slip-co-residents .slip-co-resident');
      assert.deepEqual(await coResidents.locator('.slip-co-name').allInnerTexts(), [spouse.name, child.name]);
      assert.equal(await coResidents.nth(0).locator('.slip-minor').count(), 0, 'the spouse is an adult');
      assert.equal(await coResidents.nth(1).locator('.slip-minor').innerText(), ui('zh-Hant', 'slip_minor'));
      assert.equal(await coResidents.nth(1).locator('.slip-co-age').innerText(), `${ui('zh-Hant', 'slip_age_label')}7`);
      const childId = await coResidents.nth(1).locator('.slip-co-id').innerText();
      assert.ok(childId.includes(family.coResidents[1].id_number), childId);

      // The token behind "show more", as an officer would type it.
      await page.click('#slip-more summary');
      const token = (await page.locator('#slip-token').innerText()).trim();
      assert.match(token, /^[A-Za-z0-9_-]{100,200}$/);
      await screenshot(page, 'port/zh-Hant-family-slip');

      // The fake camera films the slip's QR code as the server drew it.
      const modules = await readQrModules(page.locator('#slip-qr svg.qr-code'));
      const video = writeQrVideo(join(videoDirectory, 'slip-qr.y4m'), modules);
      cameraBrowser = await launchBrowser([
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ]);
      officerSession = await openSession(cameraBrowser, server.url);
      await officerSession.context.grantPermissions(['camera'], { origin: server.url });
      const officerPage = officerSession.page;
      await logInStaff(officerPage, server.url, officer);
      await officerPage.goto(`${server.url}/admin/port`);
      await assertPageLanguage(officerPage, 'zh-Hant', 'port_title');
      assert.ok(await officerPage.locator('#port-scan-start').isVisible(), 'the camera button is offered');
      assert.equal(await officerPage.locator('#port-scan-start').innerText(), ui('zh-Hant', 'port_scan_button'));

      // Scanning fills the token field and submits it; no other tap is needed.
      const submitted = officerPage.waitForRequest((request) =>
        request.method() === 'POST' && new URL(request.url()).pathname === '/admin/port', { timeout: 20000 });
      await officerPage.click('#port-scan-start');
      const request = await submitted;
      assert.equal(new URLSearchParams(request.postData()).get('token'), token,
        'the camera decoded the token printed on the slip');
      await officerPage.waitForLoadState('load');
      const valid = await readVerdict(officerPage);
      assert.deepEqual(valid, {
        valid: true,
        reason: '',
        label: ui('zh-Hant', 'port_valid'),
        message: ui('zh-Hant', 'port_verdict_valid'),
        names: ['张小明', spouse.name, child.name],
        groupSize: '3',
        bookingNumber,
        entered: valid.entered,
      });
      assert.match(valid.entered, new RegExp(`^${bookingDate} 08:3\\d:\\d\\d ${officer.username}$`));
      await screenshot(officerPage, 'port/zh-Hant-officer-valid');

      // The same token again: already entered, with when and by whom.
      const again = await verifyTypedToken(officerPage, token);
      assert.equal(again.valid, false);
      assert.equal(again.reason, 'slip.already_entered');
      assert.equal(again.label, ui('zh-Hant', 'port_invalid'));
      const enteredAt = valid.entered.slice(0, -officer.username.length - 1);
      assert.equal(again.message, errorText('zh-Hant', 'slip.already_entered')
        .replace('{entered_at}', enteredAt).replace('{entered_by}', officer.username));
      assert.equal(again.entered, valid.entered);
      assert.deepEqual(again.names, valid.names);
      await screenshot(officerPage, 'port/zh-Hant-officer-already-entered');

      // One character changed: the signature no longer matches.
      const tampered = await verifyTypedToken(officerPage, withOneCharacterChanged(token, 70));
      assert.equal(tampered.valid, false);
      assert.equal(tampered.reason, 'slip.bad_signature');
      assert.equal(tampered.label, ui('zh-Hant', 'port_invalid'));
      assert.equal(tampered.message, errorText('zh-Hant', 'slip.bad_signature'));
      assert.deepEqual(tampered.names, [], 'an INVALID signature shows no booking');
      assert.equal(tampered.bookingNumber, null);
      await screenshot(officerPage, 'port/zh-Hant-officer-bad-signature');

      // The traveller's slip now shows the recorded entry.
      await page.goto(`${server.url}/slip`);
      assert.ok((await page.locator('#slip-entered').innerText()).includes(enteredAt));

      traveller.assertNoProblems();
      officerSession.assertNoProblems();
      slip = { token, bookingNumber };
    } finally {
      await officerSession?.close();
      await traveller.close();
    }
  });

  test('camera refused shows message', async () => {
    // Without a file, the fake device shows Chromium's test pattern.
    const camera = cameraBrowser ?? await launchBrowser(['--use-fake-device-for-media-stream']);
    // No permission is granted in this context, so headless Chromium
    // rejects getUserMedia as a user who refused the prompt would.
    const session = await openSession(camera, server.url, { locale: 'en-US' });
    const { page } = session;
    try {
      await logInStaff(page, server.url, officer);
      await page.goto(`${server.url}/admin/port`);
      await page.click('#port-scan-start');
      await page.locator('#port-scan-status').filter({ hasText: ui('en', 'port_scan_denied') }).waitFor();
      assert.ok(await page.locator('#port-scan-start').isVisible(), 'the officer can try again');
      assert.ok(await page.locator('#port-scan-video').isHidden());
      await screenshot(page, 'port/en-camera-refused');

      // Typing still works.
      const typed = await verifyTypedToken(page, slip?.token ?? 'not-a-token');
      assert.equal(typed.valid, false);
      session.assertNoProblems();
    } finally {
      await session.close();
      if (camera !== cameraBrowser) await camera.close();
    }
  });

  test('camera view opens and stops', async () => {
    // Without a file, the fake device shows Chromium's test pattern, which
    // holds no QR code, so scanning goes on until the officer stops it.
    const patternCamera = await launchBrowser(['--use-fake-device-for-media-stream']);
    const session = await openSession(patternCamera, server.url, { locale: 'zh-CN' });
    const { page } = session;
    try {
      await session.context.grantPermissions(['camera'], { origin: server.url });
      await logInStaff(page, server.url, officer);
      await page.goto(`${server.url}/admin/port`);
      await page.click('#port-scan-start');
      await page.locator('#port-scan-status').filter({ hasText: ui('zh-Hans', 'port_scan_aim') }).waitFor();
      assert.ok(await page.locator('#port-scan-video').isVisible(), 'the camera view is shown');
      assert.ok(await page.locator('#port-scan-start').isHidden());
      assert.equal(await page.locator('#port-scan-stop').innerText(), ui('zh-Hans', 'port_scan_stop'));
      await page.waitForFunction(() => document.getElementById('port-scan-video').videoWidth > 0);
      await screenshot(page, 'port/zh-Hans-camera-scanning');

      const stream = await page.evaluateHandle(() => document.getElementById('port-scan-video').srcObject);
      await page.click('#port-scan-stop');
      assert.ok(await page.locator('#port-scan-video').isHidden());
      assert.ok(await page.locator('#port-scan-start').isVisible());
      assert.equal(await page.locator('#port-scan-status').innerText(), '');
      const trackStates = await stream.evaluate((media) => media.getTracks().map((track) => track.readyState));
      assert.deepEqual(trackStates, ['ended'], 'stopping releases the camera');
      assert.equal(new URL(page.url()).pathname, '/admin/port');
      assert.equal(await page.locator('#port-verdict').count(), 0, 'nothing was submitted');
      session.assertNoProblems();
    } finally {
      await session.close();
      await patternCamera.close();
    }
  });

  test('no camera shows message', async () => {
    // Headless Chromium without the fake-device switch has no camera.
    const session = await openSession(browser, server.url, { locale: 'zh-CN' });
    const { page } = session;
    try {
      await session.context.grantPermissions(['camera'], { origin: server.url });
      await logInStaff(page, server.url, officer);
      await page.goto(`${server.url}/admin/port`);
      await page.click('#port-scan-start');
      await page.locator('#port-scan-status').filter({ hasText: ui('zh-Hans', 'port_scan_no_camera') }).waitFor();
      assert.ok(await page.locator('#port-scan-start').isVisible());
      await screenshot(page, 'port/zh-Hans-no-camera');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('camera API missing shows message', async () => {
    const session = await openSession(browser, server.url);
    const { page } = session;
    try {
      // As in an insecure context, where navigator.mediaDevices is undefined.
      await session.context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'mediaDevices', { get: () => undefined, configurable: true });
      });
      await logInStaff(page, server.url, officer);
      await page.goto(`${server.url}/admin/port`);
      assert.equal(await page.locator('#port-scan-status').innerText(), ui('zh-Hant', 'port_scan_unsupported'));
      assert.ok(await page.locator('#port-scan-start').isHidden(), 'no camera button without the camera API');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });

  test('port page without JavaScript', async () => {
    const session = await openSession(browser, server.url, { javaScriptEnabled: false });
    const { page } = session;
    try {
      await logInStaff(page, server.url, officer);
      await page.goto(`${server.url}/admin/port`);
      assert.ok(await page.locator('#port-scan').isHidden(), 'the camera section stays hidden');
      assert.ok(await page.locator('#port-scan-start').isHidden());

      const verdict = await verifyTypedToken(page, slip ? withOneCharacterChanged(slip.token, 40) : 'not-a-token');
      assert.equal(verdict.valid, false);
      assert.equal(verdict.reason, slip ? 'slip.bad_signature' : 'slip.malformed');
      await screenshot(page, 'port/zh-Hant-no-javascript');
      session.assertNoProblems();
    } finally {
      await session.close();
    }
  });
});
