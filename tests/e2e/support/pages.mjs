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
    default: throw new Error(`uniqueIdNumber: unsupported ID type "${idType}"; use newResidentAccount`);
  }
}

export function newAccount(idType = 'home_return_permit') {
  return { idType, idNumber: uniqueIdNumber(idType), password: defaultPassword };
}

// Weights of the first 17 digits of a resident ID number (GB 11643), and
// the check character for each remainder of the weighted sum modulo 11
// (ISO 7064 MOD 11-2).
const residentIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const residentIdCheckCharacters = '10X98765432';

export function residentIdCheckCharacter(first17) {
  const sum = [...first17].reduce((total, digit, index) => total + Number(digit) * residentIdWeights[index], 0);
  return residentIdCheckCharacters[sum % 11];
}

let residentIdSequence = 0;

// A resident ID card account whose number encodes `birthDate`
// (YYYY-MM-DD) and `gender`: the 17th digit is odd for men and even for
// women. The area code 440904 is 电白区, Guangdong. Up to 500 numbers per
// birth date and gender are unique within one process.
export function newResidentAccount({ birthDate = '1988-02-29', gender = 'male' } = {}) {
  residentIdSequence += 1;
  const order = ((residentIdSequence % 500) * 2 + (gender === 'male' ? 1 : 0)) % 1000;
  const first17 = `440904${birthDate.replaceAll('-', '')}${String(order).padStart(3, '0')}`;
  assert.match(first17, /^\d{17}$/, `birth date "${birthDate}" is not YYYY-MM-DD`);
  return {
    idType: 'resident_id',
    idNumber: `${first17}${residentIdCheckCharacter(first17)}`,
    password: defaultPassword,
    birthDate,
    gender,
  };
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

// The definition list of a page as [term, description] pairs.
async function readFacts(page, selector = 'main .facts') {
  return page.locator(selector).first().evaluate((list) => [...list.querySelectorAll('dt')].map(
    (term) => [term.textContent.trim(), term.nextElementSibling?.textContent.trim() ?? null]));
}

async function assertFact(page, language, labelKey, expected, selector) {
  const facts = await readFacts(page, selector);
  const label = ui(language, labelKey);
  const found = facts.find(([term]) => term === label);
  assert.ok(found, `no "${label}" row in ${JSON.stringify(facts)}`);
  assert.equal(found[1], expected, `the "${label}" row`);
}

// Checks the notice under the heading: the ui text `noticeKey`, or none.
async function assertNotice(page, language, noticeKey) {
  const notice = page.locator('main .notice');
  if (noticeKey) {
    assert.equal(await notice.innerText(), ui(language, noticeKey));
  } else {
    assert.equal(await notice.count(), 0, `unexpected notice on ${page.url()}`);
  }
}

// Checks the personal center of `account`. `notice` is the ui key of the
// expected notice (none when omitted), `status` the review status code and
// `name` the name stored with the personal information.
// NOTE: without `name` this accepts an empty #profile-name row, because the
// server renders one before any name is stored. The test "name row only
// after a name is stored" expects no row then.
export async function assertPersonalCenter(page, language, account, {
  notice, name, status = 'none', supportEmail,
} = {}) {
  assert.equal(pathOf(page), '/me');
  await assertPageLanguage(page, language, 'me_title', supportEmail);
  assert.equal(await page.locator('main h1').innerText(), ui(language, 'me_title'));
  assert.equal(await page.locator('#masked-id').innerText(), maskedIdNumber(account.idNumber));
  await assertFact(page, language, 'id_type_label', ui(language, `id_type_${account.idType}`));
  if (name !== undefined) {
    assert.equal(await page.locator('#profile-name').innerText(), name);
    await assertFact(page, language, 'name_label', name);
  } else if (await page.locator('#profile-name').count() > 0) {
    assert.equal(await page.locator('#profile-name').innerText(), '', 'no name before one is stored');
  }
  assert.equal(await page.locator('#review-status').innerText(), ui(language, `review_status_${status}`));
  assert.equal(await page.locator('#review-status').getAttribute('data-status'), status);
  assert.equal(await page.locator('#no-show-count').innerText(), '0');
  assert.equal(await page.locator('#profile-link').innerText(), ui(language, 'edit_profile_link'));
  assert.equal(await page.locator('#profile-link').getAttribute('href'), '/me/profile');
  assert.equal(await page.locator('#switch-account').innerText(), ui(language, 'switch_account_button'));
  assert.equal(await page.locator('#logout').innerText(), ui(language, 'logout_button'));
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes(account.idNumber), 'the full ID number must not appear on the personal center');
  await assertNotice(page, language, notice);
}

// Follows the form's link back to the personal center.
export async function openPersonalCenter(page) {
  await clickAndLoad(page, 'main a[href="/me"]');
}

// The marks of the required fields of the personal-information form, one
// per field: its label, or the legend of its group of controls.
export const requiredMarkContainers = [
  'label[for="name"]',
  'fieldset.choices > legend',
  'label[for="birth_date"]',
  'label[for="hk_mobile"]',
  'label[for="mainland_mobile"]',
  'fieldset#destination > legend',
  'label.consent',
];

// Checks every required field carries a red "*". Red means the red channel
// is at least 128 and more than twice each of the other two.
export async function assertRequiredMarks(page) {
  for (const container of requiredMarkContainers) {
    const mark = page.locator(`#profile-form ${container} .required`);
    assert.equal(await mark.count(), 1, `${container} has no required mark`);
    assert.equal((await mark.innerText()).trim(), '*', `required mark of ${container}`);
    assert.ok(await mark.isVisible(), `required mark of ${container} is hidden`);
    const color = await mark.evaluate((element) => getComputedStyle(element).color);
    const [red, green, blue] = color.match(/\d+/g).map(Number);
    assert.ok(red >= 128, `required mark of ${container} is ${color}, too dark for red`);
    assert.ok(red > 2 * green, `required mark of ${container} is ${color}, too green for red`);
    assert.ok(red > 2 * blue, `required mark of ${container} is ${color}, too blue for red`);
  }
  assert.equal(await page.locator('#profile-form .required').count(), requiredMarkContainers.length,
    'only the required fields carry a mark');
}

// Checks the personal-information form of `account` in `language`:
// layout, labels, buttons, the masked ID and the review status. `notice`
// is the ui key of the expected notice (none when omitted); `status` is the
// review status code, or null to leave the status unchecked.
export async function assertProfileForm(page, language, account, { notice, status = 'none', supportEmail } = {}) {
  assert.equal(pathOf(page), '/me/profile');
  await assertPageLanguage(page, language, 'profile_title', supportEmail);
  assert.equal(await page.locator('main h1').innerText(), ui(language, 'profile_title'));
  await assertNotice(page, language, notice);
  if (status !== null) {
    assert.equal(await page.locator('#profile-status').innerText(), ui(language, `review_status_${status}`));
  }
  await assertFact(page, language, 'id_type_label', ui(language, `id_type_${account.idType}`), '#profile-form .facts');
  await assertFact(page, language, 'id_number_label', maskedIdNumber(account.idNumber), '#profile-form .facts');
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes(account.idNumber), 'the full ID number must not appear on the form');

  await assertLabel(page, 'name', language, 'field_name');
  await assertLabel(page, 'birth_date', language, 'field_birth_date');
  await assertLabel(page, 'hk_mobile', language, 'field_hk_mobile');
  await assertLabel(page, 'mainland_mobile', language, 'field_mainland_mobile');
  await assertLabel(page, 'province', language, 'province_label');
  await assertLabel(page, 'city', language, 'city_label');
  await assertLabel(page, 'county', language, 'county_label');
  const genderLegend = await page.locator('fieldset.choices > legend').innerText();
  assert.ok(genderLegend.startsWith(ui(language, 'field_gender')), `gender legend "${genderLegend}"`);
  const destinationLegend = await page.locator('fieldset#destination > legend').innerText();
  assert.ok(destinationLegend.startsWith(ui(language, 'field_destination_code')),
    `destination legend "${destinationLegend}"`);
  assert.equal((await page.locator('label:has(#gender-male)').innerText()).trim(), ui(language, 'gender_male'));
  assert.equal((await page.locator('label:has(#gender-female)').innerText()).trim(), ui(language, 'gender_female'));
  assert.equal(await page.locator('#province option').first().innerText(), ui(language, 'choose_option'));
  assert.equal(await page.locator('label.consent span').first().innerText(), ui(language, 'consent_declaration'));
  assert.equal(await page.locator('#profile-save').innerText(), ui(language, 'save_progress_button'));
  assert.equal(await page.locator('#profile-submit').innerText(), ui(language, 'done_button'));
  assert.equal(await page.locator('main a[href="/me"]').innerText(), ui(language, 'back_to_me'));
  await assertRequiredMarks(page);
}

// Fills the fields of the personal-information form that need no
// destination picker. A field left undefined is not touched; `gender` is
// "male" or "female".
export async function fillProfile(page, { name, gender, birthDate, hkMobile, mainlandMobile, consent }) {
  if (name !== undefined) await page.fill('#name', name);
  if (gender !== undefined) await page.check(`#gender-${gender}`);
  if (birthDate !== undefined) await page.fill('#birth_date', birthDate);
  if (hkMobile !== undefined) await page.fill('#hk_mobile', hkMobile);
  if (mainlandMobile !== undefined) await page.fill('#mainland_mobile', mainlandMobile);
  if (consent !== undefined) await page.setChecked('#consent', consent);
}

// The current values of the personal-information form; `gender` is ""
// when neither radio button is checked.
export async function readProfileForm(page) {
  return page.locator('#profile-form').evaluate((form) => ({
    name: form.elements.name.value,
    gender: form.querySelector('input[name="gender"]:checked')?.value ?? '',
    birthDate: form.elements.birth_date.value,
    hkMobile: form.elements.hk_mobile.value,
    mainlandMobile: form.elements.mainland_mobile.value,
    province: form.elements.province.value,
    city: form.elements.city.value,
    county: form.elements.county.value,
    consent: form.elements.consent.checked,
  }));
}

// The options of a destination select after its "choose" placeholder, as
// { value, label }.
export async function divisionOptions(page, select) {
  return page.locator(`${select} option`).evaluateAll((options) => options
    .filter((option) => option.value !== '')
    .map((option) => ({ value: option.value, label: option.textContent.trim() })));
}

// Clicks `selector` and returns the response of the document the browser
// ended on, after any redirects.
export async function clickAndLoadResponse(page, selector) {
  const responses = [];
  const onResponse = (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) responses.push(response);
  };
  page.on('response', onResponse);
  try {
    await clickAndLoad(page, selector);
  } finally {
    page.off('response', onResponse);
  }
  assert.ok(responses.length > 0, `clicking ${selector} loaded no document`);
  return responses.at(-1);
}

// The messages listed in the form's error box, in page order.
export async function formErrors(page) {
  return page.locator('#form-error li').allInnerTexts();
}

export async function formError(page) {
  return page.locator('#form-error').innerText();
}
