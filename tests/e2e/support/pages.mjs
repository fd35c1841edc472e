// Catalog texts and the steps a traveller takes on the server-rendered
// pages, shared by the browser tests. Expected texts come from
// share/i18n/<language>/*.json, so a page that shows a raw key or another
// language fails the comparison.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniqueHomeReturnPermit } from '../../support/server.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const languages = ['zh-Hant', 'zh-Hans', 'en'];

// Each language is a folder of JSON files, one per area of the product,
// merged the way the server merges them.
function loadCatalog(language) {
  const folder = join(repoRoot, 'share', 'i18n', language);
  const merged = { ui: {}, errors: {} };
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')).sort()) {
    const document = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    Object.assign(merged.ui, document.ui);
    Object.assign(merged.errors, document.errors);
  }
  return merged;
}

const catalogs = Object.fromEntries(languages.map((language) => [language, loadCatalog(language)]));

export function ui(language, key) {
  const text = catalogs[language].ui[key];
  assert.ok(text !== undefined, `share/i18n/${language}/ has no ui key "${key}"`);
  return text;
}

export function errorText(language, code) {
  const text = catalogs[language].errors[code];
  assert.ok(text !== undefined, `share/i18n/${language}/ has no error code "${code}"`);
  return text;
}

// Every catalog key and error code, to spot a template that printed a key
// instead of its text. All of them contain "_" or ".", so none is an
// ordinary word of the page text.
const rawKeys = [...new Set(languages.flatMap((language) => [
  ...Object.keys(catalogs[language].ui),
  ...Object.keys(catalogs[language].errors),
]))];

// Order of the ID types in the form's <select>.
export const idTypes = ['hk_macau_permit', 'home_return_permit', 'passport', 'resident_id'];

// Chapter anchors of the operating guide, the same in every language.
export const guideChapters = [
  'about', 'entry', 'account', 'profile', 'personal-center', 'booking', 'booking-info', 'slip',
  'no-shows', 'co-residents', 'publicity', 'guide', 'support',
];

export const defaultPassword = 'abc12345';

// An ID number of `idType` that no test in this process has used.
export function uniqueIdNumber(idType) {
  const digits = uniqueHomeReturnPermit().slice(1);
  switch (idType) {
    case 'home_return_permit': return `H${digits}`;
    case 'passport': return `E${digits}`;
    case 'hk_macau_permit': return `CA${digits.slice(1)}`;
    default: throw new Error(`uniqueIdNumber: unsupported ID type "${idType}"`);
  }
}

export function newAccount(idType = 'home_return_permit') {
  return { idType, idNumber: uniqueIdNumber(idType), password: defaultPassword };
}

// The personal center shows the first four characters and the last one.
export function maskedIdNumber(idNumber) {
  return `${idNumber.slice(0, 4)}****${idNumber.slice(-1)}`;
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

// Clicks `selector` and waits until the page it leads to (after any
// redirects) has loaded.
export async function clickAndLoad(page, selector) {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
}

export async function switchLanguage(page, language) {
  await clickAndLoad(page, `.languages a[hreflang="${language}"]`);
}

export async function fillRegistration(page, {
  idType, idNumber, password = defaultPassword, passwordConfirm = password, captcha = '0000', consent = true,
}) {
  await page.selectOption('#id_type', idType);
  await page.fill('#id_number', idNumber);
  await page.fill('#password', password);
  await page.fill('#password_confirm', passwordConfirm);
  await page.fill('#captcha_answer', captcha);
  await page.setChecked('#consent', consent);
}

export async function register(page, fields) {
  await fillRegistration(page, fields);
  await clickAndLoad(page, '#register-submit');
}

export async function fillLogin(page, { idType, idNumber, password = defaultPassword, captcha = '0000' }) {
  await page.selectOption('#id_type', idType);
  await page.fill('#id_number', idNumber);
  await page.fill('#password', password);
  await page.fill('#captcha_answer', captcha);
}

export async function logIn(page, fields) {
  await fillLogin(page, fields);
  await clickAndLoad(page, '#login-submit');
}

export async function assertNoRawText(page) {
  const title = await page.title();
  const text = await page.locator('body').innerText();
  const leaked = rawKeys.filter((key) => text.includes(key) || title.includes(key));
  assert.deepEqual(leaked, [], `catalog keys shown as raw text on ${page.url()}`);
  assert.doesNotMatch(`${title}\n${text}`, /\{\{|\}\}/, `unrendered template tag on ${page.url()}`);
}

// Checks the layout around the page body: <html lang>, the <title> built
// from `titleKey`, the top bar and the footer, all in `language`.
export async function assertPageLanguage(page, language, titleKey, supportEmail) {
  assert.equal(await page.getAttribute('html', 'lang'), language, `<html lang> on ${page.url()}`);
  assert.equal(await page.title(), `${ui(language, titleKey)} · ${ui(language, 'product_name')}`);
  assert.equal(await page.locator('.brand').innerText(), ui(language, 'product_name'));
  assert.equal(await page.locator('.languages .current').innerText(), ui(language, 'language_name'));

  const otherLanguages = languages.filter((other) => other !== language);
  assert.deepEqual(
    await page.locator('.languages a[hreflang]').evaluateAll((links) => links.map((link) => link.hreflang)),
    otherLanguages,
    'the top bar links to the two other languages',
  );
  for (const other of otherLanguages) {
    // Each language is named in its own script, whatever the page language.
    assert.equal(await page.locator(`.languages a[hreflang="${other}"]`).innerText(), ui(other, 'language_name'));
  }

  assert.equal(await page.locator('.guide-link').innerText(), ui(language, 'guide_link'));
  const footer = await page.locator('.footer').innerText();
  assert.ok(footer.includes(ui(language, 'support_label')), `footer "${footer}" lacks the support label`);
  if (supportEmail) {
    assert.ok(footer.includes(supportEmail), `footer "${footer}" lacks ${supportEmail}`);
    assert.equal(await page.locator('.footer a').getAttribute('href'), `mailto:${supportEmail}`);
  }
  await assertNoRawText(page);
}

async function assertLabel(page, field, language, key) {
  const text = await page.locator(`label[for="${field}"]`).innerText();
  assert.ok(text.startsWith(ui(language, key)), `label of #${field} is "${text}", expected "${ui(language, key)}"`);
}

async function assertIdTypeOptions(page, language) {
  const options = await page.locator('#id_type option').evaluateAll(
    (elements) => elements.map((option) => ({ value: option.value, label: option.textContent })));
  assert.deepEqual(options, idTypes.map((value) => ({ value, label: ui(language, `id_type_${value}`) })));
}

export async function assertLoginPage(page, language, supportEmail) {
  assert.equal(pathOf(page), '/login');
  await assertPageLanguage(page, language, 'login_title', supportEmail);
  assert.equal(await page.locator('main h1').innerText(), ui(language, 'login_title'));
  await assertLabel(page, 'id_type', language, 'id_type_label');
  await assertLabel(page, 'id_number', language, 'id_number_label');
  await assertLabel(page, 'password', language, 'password_label');
  await assertLabel(page, 'captcha_answer', language, 'captcha_label');
  await assertIdTypeOptions(page, language);
  assert.equal(await page.locator('#captcha-image').getAttribute('alt'), ui(language, 'captcha_alt'));
  assert.equal(await page.locator('#login-submit').innerText(), ui(language, 'login_button'));
  assert.equal(await page.locator('#register-link').innerText(), ui(language, 'register_link'));
}

export async function assertRegisterPage(page, language, supportEmail) {
  assert.equal(pathOf(page), '/register');
  await assertPageLanguage(page, language, 'register_title', supportEmail);
  assert.equal(await page.locator('main h1').innerText(), ui(language, 'register_title'));
  await assertLabel(page, 'id_type', language, 'id_type_label');
  await assertLabel(page, 'id_number', language, 'id_number_label');
  await assertLabel(page, 'password', language, 'password_label');
  await assertLabel(page, 'password_confirm', language, 'password_confirm_label');
  await assertLabel(page, 'captcha_answer', language, 'captcha_label');
  await assertIdTypeOptions(page, language);
  assert.equal(await page.locator('.consent span').first().innerText(), ui(language, 'consent_declaration'));
  assert.equal(await page.locator('#register-submit').innerText(), ui(language, 'register_button'));
  assert.equal(await page.locator('#login-link').innerText(), ui(language, 'login_link'));
}

// Checks the guide lists every chapter in its table of contents, each
// link naming the heading of the section it points to.
export async function assertGuidePage(page, language, supportEmail) {
  assert.equal(pathOf(page), '/guide');
  await assertPageLanguage(page, language, 'guide_title', supportEmail);
  const heading = await page.locator('.guide h1').innerText();
  assert.ok(heading.includes(ui(language, 'product_name')), `guide heading "${heading}"`);

  const links = await page.locator('.guide .toc a').evaluateAll(
    (elements) => elements.map((link) => ({ href: link.getAttribute('href'), text: link.textContent.trim() })));
  assert.deepEqual(links.map((link) => link.href), guideChapters.map((chapter) => `#${chapter}`));
  for (const { href, text } of links) {
    const chapterHeading = page.locator(`.guide section${href} > h2`);
    assert.ok(await chapterHeading.isVisible(), `chapter ${href} has no visible heading`);
    assert.equal(await chapterHeading.innerText(), text, `table of contents entry for ${href}`);
  }
  if (supportEmail) {
    const support = await page.locator('.guide section#support').innerText();
    assert.ok(support.includes(supportEmail), `the guide's support chapter lacks ${supportEmail}`);
  }
}

// Checks the personal center of `account`. With `registered`, it also
// expects the notice shown right after registration.
export async function assertPersonalCenter(page, language, account, { registered = false, supportEmail } = {}) {
  assert.equal(pathOf(page), '/me');
  await assertPageLanguage(page, language, 'me_title', supportEmail);
  assert.equal(await page.locator('main h1').innerText(), ui(language, 'me_title'));
  assert.equal(await page.locator('#masked-id').innerText(), maskedIdNumber(account.idNumber));
  assert.equal(await page.locator('.facts dd').first().innerText(), ui(language, `id_type_${account.idType}`));
  assert.equal(await page.locator('#review-status').innerText(), ui(language, 'review_status_none'));
  assert.equal(await page.locator('#no-show-count').innerText(), '0');
  assert.equal(await page.locator('#switch-account').innerText(), ui(language, 'switch_account_button'));
  assert.equal(await page.locator('#logout').innerText(), ui(language, 'logout_button'));
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes(account.idNumber), 'the full ID number must not appear on the personal center');

  const notice = page.locator('main .notice');
  if (registered) {
    assert.equal(await notice.innerText(), ui(language, 'registered_notice'));
  } else {
    assert.equal(await notice.count(), 0, 'no registration notice on a later visit');
  }
}

export async function formError(page) {
  return page.locator('#form-error').innerText();
}
