// Personal information through the real server. Covers drafts and their
// format rules, normalisation, submitting for review and the review states,
// destination codes, the resident ID match and the test clock. Also covers
// sessions, message languages and the HTML form with its destination picker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, setClock, queryDatabase, countRows, assertApiError, catalog, runCli,
} from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const languages = ['zh-Hant', 'zh-Hans', 'en'];

// A complete, valid profile. Submitting it works for every ID type except a
// resident ID card, whose number must also match the birth date and gender.
const completeProfile = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-01-01',
  hk_mobile: '91234567',
  mainland_mobile: '13800138000',
  destination_code: '440904',
  consent: true,
};

// A registered traveller with a session. `fields` overrides the
// registration body, e.g. { id_type, id_number }.
async function newTraveller(language = 'en', fields = {}, target = server) {
  const client = new Client(target.url, language);
  const registered = await client.register(fields);
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  return { client, accountId: registered.json.account_id };
}

function saveProfile(client, fields) {
  return client.request('PUT', '/api/v1/me/profile', { json: fields });
}

function submitProfile(client) {
  return client.request('POST', '/api/v1/me/profile/submit');
}

// The profiles row of `accountId`, or undefined when none was stored.
function storedProfile(accountId, target = server) {
  return queryDatabase(target.dbPath, `SELECT * FROM profiles WHERE account_id = ${Number(accountId)}`)[0];
}

async function serverToday(target = server) {
  const response = await new Client(target.url).request('GET', '/api/v1/test/clock');
  assert.equal(response.status, 200, `clock: ${response.text}`);
  return response.json.now.slice(0, 10);
}

// Assert the profile error shape: the first error in "error" as everywhere
// in the API, and every error in "errors", in the order given.
function assertProfileErrors(response, status, expected, context = '') {
  const where = context ? ` (${context})` : '';
  assert.equal(response.status, status, `status${where}; body: ${response.text.slice(0, 400)}`);
  assert.ok(response.json, `body is JSON${where}`);
  assert.deepEqual(Object.keys(response.json).sort(), ['error', 'errors'], `top-level members${where}`);
  assert.equal(response.json.error.code, expected[0].code, `error.code${where}`);
  assert.equal(response.json.error.field, expected[0].field, `error.field${where}`);
  assert.equal(typeof response.json.error.message, 'string', `error.message${where}`);
  assert.deepEqual(response.json.errors.map(({ code, field }) => ({ code, field })), expected, `errors${where}`);
  for (const error of response.json.errors) {
    assert.equal(typeof error.message, 'string', `message of ${error.code}${where}`);
    assert.ok(error.message.length > 0, `message of ${error.code} is not empty${where}`);
  }
}

// A resident ID number (GB 11643): 6-digit region, birth date YYYYMMDD,
// 3-digit order number whose parity gives the gender (odd for men), and an
// ISO 7064 MOD 11-2 check character.
let residentOrder = 100;
function residentId(birthDate, gender) {
  residentOrder += 2;
  const order = gender === 'male' ? residentOrder + 1 : residentOrder;
  const body = `440304${birthDate.replaceAll('-', '')}${String(order % 1000).padStart(3, '0')}`;
  let sum = 0;
  for (let position = 0; position < 17; position += 1) {
    const weight = (2 ** (17 - position)) % 11;
    sum += weight * Number(body[position]);
  }
  const check = (12 - (sum % 11)) % 11;
  return body + (check === 10 ? 'X' : String(check));
}

// ---------------------------------------------------------------------------
// Drafts

test('review status is none before saving', async () => {
  const { client, accountId } = await newTraveller();
  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.review_status, 'none');

  const profile = await client.request('GET', '/api/v1/me/profile');
  assert.equal(profile.status, 200, profile.text);
  assert.equal(profile.json.review_status, 'none');
  assert.equal(storedProfile(accountId), undefined, 'no profile row yet');
});

test('name-only draft is stored', async () => {
  const { client, accountId } = await newTraveller();
  const saved = await saveProfile(client, { name: '陳大文' });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.json.review_status, 'draft');
  assert.equal(saved.json.name, '陳大文');
  assert.equal(saved.json.hk_mobile, '');
  assert.equal(saved.json.submitted_at, null);

  const me = await client.request('GET', '/api/v1/me');
  assert.equal(me.json.review_status, 'draft');
  const row = storedProfile(accountId);
  assert.equal(row.status, 'draft');
  assert.equal(row.name, '陳大文');
  assert.equal(row.gender, '');
  assert.equal(row.consent, 0);
});

test('partial save keeps unsent fields', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文', gender: 'male' })).status, 200);
  const second = await saveProfile(client, { hk_mobile: '91234567' });
  assert.equal(second.status, 200, second.text);
  assert.equal(second.json.name, '陳大文');
  assert.equal(second.json.gender, 'male');
  assert.equal(second.json.hk_mobile, '91234567');
  const row = storedProfile(accountId);
  assert.deepEqual([row.name, row.gender, row.hk_mobile], ['陳大文', 'male', '91234567']);
});

test('empty string clears a field', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文', hk_mobile: '91234567' })).status, 200);
  const cleared = await saveProfile(client, { hk_mobile: '' });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(storedProfile(accountId).hk_mobile, '');
  assert.equal(storedProfile(accountId).name, '陳大文');
});

test('empty object saves a draft', async () => {
  const { client, accountId } = await newTraveller();
  const saved = await saveProfile(client, {});
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.json.review_status, 'draft');
  assert.equal(storedProfile(accountId).status, 'draft');
});

// Each row: the member, a value, the error code.
const invalidFieldCases = [
  ['name', '陳大文1', 'profile.name_invalid'],
  ['name', 'Chan_Tai', 'profile.name_invalid'],
  ['name', '·陳大文', 'profile.name_invalid'],
  ['name', '陳大文·', 'profile.name_invalid'],
  ['name', '陳\u200B大文', 'profile.name_invalid'],
  ['name', '\u24B6\u24B7', 'profile.name_invalid'],
  ['name', '陳'.repeat(51), 'profile.name_too_long'],
  ['name', 'A'.repeat(201), 'profile.name_too_long'],
  ['gender', 'Male', 'profile.gender_invalid'],
  ['gender', 'other', 'profile.gender_invalid'],
  ['gender', 'm', 'profile.gender_invalid'],
  ['birth_date', '1990-13-01', 'profile.birth_date_invalid'],
  ['birth_date', '1990-02-30', 'profile.birth_date_invalid'],
  ['birth_date', '1900-02-29', 'profile.birth_date_invalid'],
  ['birth_date', '19900101', 'profile.birth_date_invalid'],
  ['birth_date', '1990-1-1', 'profile.birth_date_invalid'],
  ['birth_date', '01/01/1990', 'profile.birth_date_invalid'],
  ['birth_date', '1899-12-31', 'profile.birth_date_too_early'],
  ['birth_date', '2999-01-01', 'profile.birth_date_in_future'],
  ['hk_mobile', '31234567', 'profile.hk_mobile_invalid'],
  ['hk_mobile', '9123456', 'profile.hk_mobile_invalid'],
  ['hk_mobile', '912345678', 'profile.hk_mobile_invalid'],
  ['hk_mobile', '9123456a', 'profile.hk_mobile_invalid'],
  ['hk_mobile', '+86 91234567', 'profile.hk_mobile_invalid'],
  ['mainland_mobile', '23800138000', 'profile.mainland_mobile_invalid'],
  ['mainland_mobile', '1380013800', 'profile.mainland_mobile_invalid'],
  ['mainland_mobile', '138001380001', 'profile.mainland_mobile_invalid'],
  ['mainland_mobile', '+852 13800138000', 'profile.mainland_mobile_invalid'],
  ['destination_code', 'abc', 'profile.destination_invalid'],
  ['destination_code', '44090', 'profile.destination_invalid'],
  ['destination_code', '4409041', 'profile.destination_invalid'],
  ['destination_code', '44-0904', 'profile.destination_invalid'],
];

test('invalid field gets its code', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  const before = storedProfile(accountId);

  for (const [field, value, code] of invalidFieldCases) {
    const context = `${field} = ${JSON.stringify(value).slice(0, 40)}`;
    const response = await saveProfile(client, { [field]: value });
    assertProfileErrors(response, 422, [{ code, field }], context);
    assert.deepEqual(storedProfile(accountId), before, `nothing stored (${context})`);
  }
});

test('invalid draft stores no field', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文', hk_mobile: '91234567' })).status, 200);
  const before = storedProfile(accountId);

  const response = await saveProfile(client, { name: '李小明', gender: 'female', hk_mobile: '123' });
  assertProfileErrors(response, 422, [{ code: 'profile.hk_mobile_invalid', field: 'hk_mobile' }]);
  assert.deepEqual(storedProfile(accountId), before, 'the row is unchanged, updated_at included');
});

test('invalid first draft creates no row', async () => {
  const { client, accountId } = await newTraveller();
  const response = await saveProfile(client, { name: '陳大文', birth_date: 'yesterday' });
  assertProfileErrors(response, 422, [{ code: 'profile.birth_date_invalid', field: 'birth_date' }]);
  assert.equal(storedProfile(accountId), undefined);
  assert.equal((await client.request('GET', '/api/v1/me')).json.review_status, 'none');
});

test('all invalid fields are listed in form order', async () => {
  const { client, accountId } = await newTraveller();
  // Members deliberately sent in reverse order: the errors follow the form.
  const response = await saveProfile(client, {
    destination_code: 'x', mainland_mobile: '2', hk_mobile: '1', birth_date: '1990-02-30', gender: 'x', name: '1',
  });
  assertProfileErrors(response, 422, [
    { code: 'profile.name_invalid', field: 'name' },
    { code: 'profile.gender_invalid', field: 'gender' },
    { code: 'profile.birth_date_invalid', field: 'birth_date' },
    { code: 'profile.hk_mobile_invalid', field: 'hk_mobile' },
    { code: 'profile.mainland_mobile_invalid', field: 'mainland_mobile' },
    { code: 'profile.destination_invalid', field: 'destination_code' },
  ]);
  assert.equal(storedProfile(accountId), undefined);
});

test('unknown destination listed with format errors', async () => {
  const { client, accountId } = await newTraveller();
  const response = await saveProfile(client, { hk_mobile: '123', destination_code: '999999' });
  assertProfileErrors(response, 422, [
    { code: 'profile.hk_mobile_invalid', field: 'hk_mobile' },
    { code: 'profile.destination_unknown', field: 'destination_code' },
  ]);
  assert.equal(storedProfile(accountId), undefined);
});

test('boundary values are accepted', async () => {
  const { client } = await newTraveller();
  const today = await serverToday();
  const cases = [
    ['name', '陳'.repeat(50)],
    ['name', 'José Ñúñez'],
    ['name', 'e\u0301mile'],
    ['name', '阿卜杜拉·穆罕默德'],
    ['name', '阿卜杜拉・穆罕默德'],
    ['name', 'Chan Tai Man'],
    ['gender', 'female'],
    ['birth_date', '1900-01-01'],
    ['birth_date', '2000-02-29'],
    ['birth_date', today],
    ['hk_mobile', '41234567'],
    ['hk_mobile', '99999999'],
    ['mainland_mobile', '10000000000'],
    ['mainland_mobile', '19999999999'],
  ];
  for (const [field, value] of cases) {
    const response = await saveProfile(client, { [field]: value });
    assert.equal(response.status, 200, `${field} = ${value}: ${response.text.slice(0, 300)}`);
    assert.equal(response.json[field], value, `${field} stored as sent`);
  }
});

// ---------------------------------------------------------------------------
// Normalisation

test('typed spellings are stored normalised', async () => {
  const { client, accountId } = await newTraveller();
  // Each row: the member, the value as typed, the stored value.
  const cases = [
    ['hk_mobile', '+85291234567', '91234567'],
    ['hk_mobile', '+852 9123 4567', '91234567'],
    ['hk_mobile', '852-9123-4567', '91234567'],
    ['hk_mobile', ' 9123 4567 ', '91234567'],
    ['hk_mobile', '９１２３４５６７', '91234567'],
    ['hk_mobile', '＋８５２\u3000９１２３\u00A0４５６７', '91234567'],
    ['hk_mobile', '85291234', '85291234'],
    ['mainland_mobile', '+86 138 0013 8000', '13800138000'],
    ['mainland_mobile', '8613800138000', '13800138000'],
    ['mainland_mobile', '138-0013-8000', '13800138000'],
    ['mainland_mobile', '１３８００１３８０００', '13800138000'],
    ['mainland_mobile', '18613800138', '18613800138'],
    ['name', '  陳　大文 ', '陳 大文'],
    ['name', 'Chan   Tai\tMan', 'Chan Tai Man'],
    ['name', 'Ｃｈａｎ Ｔａｉ Ｍａｎ', 'Chan Tai Man'],
    ['birth_date', '１９９０－０１－０１', '1990-01-01'],
    ['birth_date', ' 1990-01-01 ', '1990-01-01'],
    ['gender', ' male ', 'male'],
    ['destination_code', '４４０９０４', '440904'],
    ['destination_code', ' 440904 ', '440904'],
  ];
  for (const [field, typed, stored] of cases) {
    const context = `${field} typed as ${JSON.stringify(typed)}`;
    const response = await saveProfile(client, { [field]: typed });
    assert.equal(response.status, 200, `${context}: ${response.text.slice(0, 300)}`);
    assert.equal(response.json[field], stored, `response (${context})`);
    assert.equal(storedProfile(accountId)[field], stored, `database (${context})`);
  }
});

// ---------------------------------------------------------------------------
// Malformed requests

test('unknown members are 400 and store nothing', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文' })).status, 200);
  const before = storedProfile(accountId);
  for (const member of ['nickname', 'id_number', 'review_status', 'status', 'Name']) {
    const response = await saveProfile(client, { name: '李小明', [member]: 'x' });
    assertApiError(response, { status: 400, code: 'request.unknown_field', field: member }, member);
  }
  assert.deepEqual(storedProfile(accountId), before);
});

test('wrong member types are 400 and store nothing', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文' })).status, 200);
  const before = storedProfile(accountId);
  const cases = [
    ['name', 123],
    ['name', ['陳大文']],
    ['gender', true],
    ['birth_date', 19900101],
    ['hk_mobile', 91234567],
    ['mainland_mobile', { number: '13800138000' }],
    ['destination_code', 440904],
  ];
  for (const [field, value] of cases) {
    const response = await saveProfile(client, { name: '李小明', [field]: value });
    assertApiError(response, { status: 400, code: 'request.wrong_type', field }, `${field} = ${JSON.stringify(value)}`);
  }
  assert.deepEqual(storedProfile(accountId), before);
});

test('consent must be a JSON boolean', async () => {
  const { client, accountId } = await newTraveller();
  for (const value of ['true', 'on', 1, 0, [], {}]) {
    const response = await saveProfile(client, { consent: value });
    assertApiError(response, { status: 400, code: 'request.wrong_type', field: 'consent' }, JSON.stringify(value));
  }
  assert.equal(storedProfile(accountId), undefined, 'nothing stored');

  const accepted = await saveProfile(client, { consent: true });
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(accepted.json.consent, true);
  assert.equal(storedProfile(accountId).consent, 1);
  assert.ok(storedProfile(accountId).consent_at > 0, 'the time of consent is recorded');

  const withdrawn = await saveProfile(client, { consent: false });
  assert.equal(withdrawn.status, 200, withdrawn.text);
  assert.equal(withdrawn.json.consent, false);
  assert.equal(storedProfile(accountId).consent, 0);
  assert.equal(storedProfile(accountId).consent_at, 0);
});

test('null member keeps the stored value', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文', consent: true })).status, 200);
  const response = await saveProfile(client, { name: null, consent: null, gender: 'male' });
  assert.equal(response.status, 200, response.text);
  assert.equal(storedProfile(accountId).name, '陳大文');
  assert.equal(storedProfile(accountId).consent, 1);
  assert.equal(storedProfile(accountId).gender, 'male');
});

test('malformed bodies are 400 or 415', async () => {
  const { client, accountId } = await newTraveller();
  const json = { 'content-type': 'application/json' };
  const cases = [
    ['{"name":', json, 400, 'request.malformed_json'],
    ['', json, 400, 'request.malformed_json'],
    ['[]', json, 400, 'request.expected_object'],
    ['"陳大文"', json, 400, 'request.expected_object'],
    [Buffer.from('{"name":"\xff"}', 'latin1'), json, 400, 'request.invalid_utf8'],
    ['{"name":"陳大文"}', { 'content-type': 'text/plain' }, 415, 'request.expected_json'],
    ['name=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'request.expected_json'],
  ];
  for (const [body, headers, status, code] of cases) {
    const response = await client.request('PUT', '/api/v1/me/profile', { body, headers });
    assertApiError(response, { status, code }, `${headers['content-type']} ${String(body).slice(0, 20)}`);
  }
  assert.equal(storedProfile(accountId), undefined, 'nothing stored');
});

test('submit body must be empty', async () => {
  const { client } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  const extra = await client.request('POST', '/api/v1/me/profile/submit', { json: { consent: true } });
  assertApiError(extra, { status: 400, code: 'request.unknown_field', field: 'consent' });
  assert.equal((await client.request('GET', '/api/v1/me')).json.review_status, 'draft');

  const empty = await client.request('POST', '/api/v1/me/profile/submit', { json: {} });
  assert.equal(empty.status, 200, empty.text);
  assert.equal(empty.json.review_status, 'pending');
});

// ---------------------------------------------------------------------------
// Submitting

test('submit without a profile lists every missing field', async () => {
  const { client, accountId } = await newTraveller();
  const response = await submitProfile(client);
  assertProfileErrors(response, 422, [
    { code: 'profile.name_missing', field: 'name' },
    { code: 'profile.gender_missing', field: 'gender' },
    { code: 'profile.birth_date_missing', field: 'birth_date' },
    { code: 'profile.mobile_missing', field: 'hk_mobile' },
    { code: 'profile.destination_missing', field: 'destination_code' },
    { code: 'profile.consent_required', field: 'consent' },
  ]);
  assert.equal(storedProfile(accountId), undefined, 'no row was created');
});

test('submit of a partial draft lists each missing field', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { name: '陳大文', hk_mobile: '91234567' })).status, 200);
  const before = storedProfile(accountId);
  const response = await submitProfile(client);
  assertProfileErrors(response, 422, [
    { code: 'profile.gender_missing', field: 'gender' },
    { code: 'profile.birth_date_missing', field: 'birth_date' },
    { code: 'profile.destination_missing', field: 'destination_code' },
    { code: 'profile.consent_required', field: 'consent' },
  ]);
  assert.deepEqual(storedProfile(accountId), before, 'the draft is unchanged');
});

test('submit requires consent', async () => {
  const { client } = await newTraveller();
  assert.equal((await saveProfile(client, { ...completeProfile, consent: false })).status, 200);
  assertProfileErrors(await submitProfile(client), 422, [{ code: 'profile.consent_required', field: 'consent' }]);
});

test('either mobile number alone satisfies the mobile rule', async () => {
  for (const missing of ['hk_mobile', 'mainland_mobile']) {
    const { client } = await newTraveller();
    assert.equal((await saveProfile(client, { ...completeProfile, [missing]: '' })).status, 200);
    const response = await submitProfile(client);
    assert.equal(response.status, 200, `without ${missing}: ${response.text}`);
    assert.equal(response.json.review_status, 'pending');
  }
});

test('complete profile submits as pending', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  const clock = new Client(server.url);
  const before = Date.parse((await clock.request('GET', '/api/v1/test/clock')).json.now);
  const response = await submitProfile(client);
  const after = Date.parse((await clock.request('GET', '/api/v1/test/clock')).json.now);

  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.review_status, 'pending');
  assert.match(response.json.submitted_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$/);
  const submittedAt = Date.parse(response.json.submitted_at);
  // The clock reads whole seconds, so allow one second either side.
  assert.ok(submittedAt >= before - 1000, `submitted_at ${response.json.submitted_at} is not before the request`);
  assert.ok(submittedAt <= after + 1000, `submitted_at ${response.json.submitted_at} is not after the response`);
  for (const [field, value] of Object.entries(completeProfile)) {
    assert.equal(response.json[field], value, `${field} in the response`);
  }

  assert.equal((await client.request('GET', '/api/v1/me')).json.review_status, 'pending');
  const row = storedProfile(accountId);
  assert.equal(row.status, 'pending');
  assert.equal(row.submitted_at, Math.floor(submittedAt / 1000));
});

test('submitting a pending profile again is 409', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  assert.equal((await submitProfile(client)).status, 200);
  const before = storedProfile(accountId);

  const again = await submitProfile(client);
  assertProfileErrors(again, 409, [{ code: 'profile.already_pending', field: null }]);
  assert.deepEqual(storedProfile(accountId), before, 'submitted_at is not moved');
});

test('changing a pending profile returns it to draft', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  assert.equal((await submitProfile(client)).status, 200);

  const changed = await saveProfile(client, { hk_mobile: '61234567' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.review_status, 'draft');
  assert.equal(changed.json.submitted_at, null);
  assert.equal(storedProfile(accountId).status, 'draft');
  assert.equal((await client.request('GET', '/api/v1/me')).json.review_status, 'draft');

  const resubmitted = await submitProfile(client);
  assert.equal(resubmitted.status, 200, resubmitted.text);
  assert.equal(resubmitted.json.review_status, 'pending');
});

test('saving identical values keeps the pending status', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  const submitted = await submitProfile(client);
  assert.equal(submitted.status, 200);
  const before = storedProfile(accountId);

  for (const fields of [completeProfile, {}, { name: completeProfile.name }, { hk_mobile: '+852 9123 4567' }]) {
    const response = await saveProfile(client, fields);
    assert.equal(response.status, 200, `${JSON.stringify(fields)}: ${response.text}`);
    assert.equal(response.json.review_status, 'pending', JSON.stringify(fields));
    assert.equal(response.json.submitted_at, submitted.json.submitted_at, JSON.stringify(fields));
  }
  assert.deepEqual(storedProfile(accountId), before, 'the row is untouched');
});

// Approve or reject through the staff API with a reviewer made by the CLI.
let reviewerCount = 0;
async function reviewerClient() {
  reviewerCount += 1;
  const username = `profilereviewer${reviewerCount}`;
  const added = runCli(['staff', 'add', '--db', server.dbPath, '--username', username, '--role', 'reviewer',
    '--password-stdin'], 'Review2026pass\n');
  assert.equal(added.status, 0, `staff add: ${added.stderr}`);
  const client = new Client(server.url, 'en');
  const login = await client.request('POST', '/api/v1/staff/session',
    { json: { username, password: 'Review2026pass' } });
  assert.equal(login.status, 200, `staff login: ${login.text}`);
  return client;
}

test('approved profile goes back to draft when changed', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  assert.equal((await submitProfile(client)).status, 200);
  const reviewer = await reviewerClient();
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision: 'approve' } });
  assert.equal(decision.status, 200, decision.text);
  assert.equal((await client.request('GET', '/api/v1/me')).json.review_status, 'approved');

  const unchanged = await saveProfile(client, completeProfile);
  assert.equal(unchanged.json.review_status, 'approved', 'identical values keep the approval');
  assertProfileErrors(await submitProfile(client), 409, [{ code: 'profile.already_approved', field: null }]);

  const changed = await saveProfile(client, { destination_code: '441900' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.review_status, 'draft');
  const resubmitted = await submitProfile(client);
  assert.equal(resubmitted.json.review_status, 'pending', 'the change goes to review again');
});

test('rejected profile can be corrected and resubmitted', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  assert.equal((await submitProfile(client)).status, 200);
  const reviewer = await reviewerClient();
  const decision = await reviewer.request('POST', `/api/v1/staff/reviews/${accountId}`,
    { json: { decision: 'reject', reason: 'mobile_invalid' } });
  assert.equal(decision.status, 200, decision.text);

  const rejected = await client.request('GET', '/api/v1/me/profile');
  assert.equal(rejected.json.review_status, 'rejected');
  assert.equal(rejected.json.reject_reason, 'mobile_invalid');

  const corrected = await saveProfile(client, { hk_mobile: '51234567' });
  assert.equal(corrected.json.review_status, 'draft');
  assert.equal(corrected.json.reject_reason, 'mobile_invalid', 'the reason stays visible until the next decision');
  const resubmitted = await submitProfile(client);
  assert.equal(resubmitted.status, 200, resubmitted.text);
  assert.equal(resubmitted.json.review_status, 'pending');
});

// ---------------------------------------------------------------------------
// Destination codes

test('county-level destinations are accepted', async () => {
  const { client, accountId } = await newTraveller();
  // Each row: code, zh-Hans full name, zh-Hant full name.
  const cases = [
    ['440904', '广东省 茂名市 电白区', '廣東省 茂名市 電白區'],
    ['441900', '广东省 东莞市', '廣東省 東莞市'],
    ['442000', '广东省 中山市', '廣東省 中山市'],
    ['110101', '北京市 东城区', '北京市 東城區'],
    ['429004', '湖北省 仙桃市', '湖北省 仙桃市'],
  ];
  for (const [code, hans, hant] of cases) {
    const response = await saveProfile(client, { destination_code: code });
    assert.equal(response.status, 200, `${code}: ${response.text}`);
    assert.equal(response.json.destination_code, code);
    assert.equal(response.json.destination_name, hans, `${code} named in zh-Hans for en`);
    assert.equal(storedProfile(accountId).destination_code, code);

    const hantClient = new Client(server.url, 'zh-Hant');
    hantClient.cookies.set('yz_session', client.cookies.get('yz_session'));
    const hantProfile = await hantClient.request('GET', '/api/v1/me/profile');
    assert.equal(hantProfile.json.destination_name, hant, `${code} named in zh-Hant`);
  }
});

test('non-county destinations are rejected', async () => {
  const { client, accountId } = await newTraveller();
  assert.equal((await saveProfile(client, { destination_code: '440904' })).status, 200);
  const before = storedProfile(accountId);
  for (const code of ['440000', '440100', '110000', '110100', '999999', '000000', '440999']) {
    const response = await saveProfile(client, { destination_code: code });
    assertProfileErrors(response, 422, [{ code: 'profile.destination_unknown', field: 'destination_code' }], code);
  }
  assert.deepEqual(storedProfile(accountId), before);
});

// ---------------------------------------------------------------------------
// Resident ID cards

test('resident ID draft may mismatch', async () => {
  const { client, accountId } = await newTraveller('en',
    { id_type: 'resident_id', id_number: residentId('1985-06-15', 'male') });
  const response = await saveProfile(client, { ...completeProfile, gender: 'female', birth_date: '1991-02-03' });
  assert.equal(response.status, 200, response.text);
  assert.equal(storedProfile(accountId).gender, 'female');
  assert.equal(storedProfile(accountId).birth_date, '1991-02-03');
});

test('resident ID submit requires a match', async () => {
  const { client, accountId } = await newTraveller('en',
    { id_type: 'resident_id', id_number: residentId('1985-06-15', 'male') });
  assert.equal((await saveProfile(client, { ...completeProfile, gender: 'female', birth_date: '1991-02-03' })).status,
    200);
  assertProfileErrors(await submitProfile(client), 422, [
    { code: 'profile.gender_mismatch', field: 'gender' },
    { code: 'profile.birth_date_mismatch', field: 'birth_date' },
  ]);

  assert.equal((await saveProfile(client, { gender: 'male' })).status, 200);
  assertProfileErrors(await submitProfile(client), 422, [
    { code: 'profile.birth_date_mismatch', field: 'birth_date' },
  ]);
  assert.equal(storedProfile(accountId).status, 'draft');

  assert.equal((await saveProfile(client, { birth_date: '1985-06-15' })).status, 200);
  const submitted = await submitProfile(client);
  assert.equal(submitted.status, 200, submitted.text);
  assert.equal(submitted.json.review_status, 'pending');
});

test('female resident ID matches female', async () => {
  const { client } = await newTraveller('en',
    { id_type: 'resident_id', id_number: residentId('2000-02-29', 'female') });
  assert.equal((await saveProfile(client, { ...completeProfile, gender: 'male', birth_date: '2000-02-29' })).status,
    200);
  assertProfileErrors(await submitProfile(client), 422, [{ code: 'profile.gender_mismatch', field: 'gender' }]);

  assert.equal((await saveProfile(client, { gender: 'female' })).status, 200);
  const submitted = await submitProfile(client);
  assert.equal(submitted.status, 200, submitted.text);
});

test('other ID types skip the match', async () => {
  for (const [idType, idNumber] of [['hk_macau_permit', 'CA7654321'], ['passport', 'E76543210']]) {
    const { client } = await newTraveller('en', { id_type: idType, id_number: idNumber });
    assert.equal((await saveProfile(client, { ...completeProfile, gender: 'female', birth_date: '1977-07-07' })).status,
      200);
    const submitted = await submitProfile(client);
    assert.equal(submitted.status, 200, `${idType}: ${submitted.text}`);
  }
});

// ---------------------------------------------------------------------------
// The server's clock

test('birth date may not be after the server date', async () => {
  // A server of its own, because the test moves the clock.
  const own = await startServer();
  try {
    // 00:00:30 on 2 June in UTC+8 is still 1 June in UTC, so the later
    // save passes only if the server takes the date in its configured zone.
    await setClock(own.url, '2026-06-01T23:58:00+08:00');
    const { client, accountId } = await newTraveller('en', {}, own);

    const early = await saveProfile(client, { birth_date: '2026-06-02' });
    assertProfileErrors(early, 422, [{ code: 'profile.birth_date_in_future', field: 'birth_date' }]);
    assert.equal(storedProfile(accountId, own), undefined);
    const today = await saveProfile(client, { birth_date: '2026-06-01' });
    assert.equal(today.status, 200, `the server's today is allowed: ${today.text}`);

    await setClock(own.url, '2026-06-02T00:00:30+08:00');
    const after = await saveProfile(client, { birth_date: '2026-06-02' });
    assert.equal(after.status, 200, `valid once the server date is 2026-06-02: ${after.text}`);
    assert.equal(storedProfile(accountId, own).birth_date, '2026-06-02');
    const tomorrow = await saveProfile(client, { birth_date: '2026-06-03' });
    assertProfileErrors(tomorrow, 422, [{ code: 'profile.birth_date_in_future', field: 'birth_date' }]);
  } finally {
    await own.stop();
  }
});

// ---------------------------------------------------------------------------
// Sessions

const profileApiRoutes = [
  ['GET', '/api/v1/me', undefined],
  ['GET', '/api/v1/me/profile', undefined],
  ['PUT', '/api/v1/me/profile', { name: '陳大文' }],
  ['POST', '/api/v1/me/profile/submit', undefined],
];

test('profile API routes are 401 without a session', async () => {
  const profilesBefore = countRows(server.dbPath, 'profiles');
  for (const [method, path, json] of profileApiRoutes) {
    const response = await new Client(server.url).request(method, path, { json });
    assertApiError(response, { status: 401, code: 'auth.required' }, `${method} ${path}`);
  }
  assert.equal(countRows(server.dbPath, 'profiles'), profilesBefore, 'nothing stored');
});

test('forged or ended session is 401', async () => {
  const forged = new Client(server.url);
  forged.cookies.set('yz_session', 'A'.repeat(43));

  // A logged-out browser that keeps sending its old session cookie.
  const { client: ended } = await newTraveller();
  const oldToken = ended.cookies.get('yz_session');
  const logout = await ended.request('DELETE', '/api/v1/session');
  assert.equal(logout.status, 204);
  ended.cookies.set('yz_session', oldToken);

  for (const [label, client] of [['forged', forged], ['ended', ended]]) {
    for (const [method, path, json] of profileApiRoutes) {
      const response = await client.request(method, path, { json });
      assertApiError(response, { status: 401, code: 'auth.required' }, `${label}: ${method} ${path}`);
    }
  }
});

test('profile page redirects to login without a session', async () => {
  const client = new Client(server.url);
  const page = await client.request('GET', '/me/profile');
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/login');

  // A browser that has the CSRF cookie but no session.
  await client.request('GET', '/login');
  const posted = await client.request('POST', '/me/profile',
    { form: { csrf: client.cookies.get('yz_csrf'), action: 'save', name: '陳大文' } });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), '/login');
});

// ---------------------------------------------------------------------------
// Languages

test('messages name the field per language', async () => {
  const invalid = { name: '1', gender: 'x', birth_date: 'x', hk_mobile: '1', mainland_mobile: '2', destination_code: 'x' };
  for (const language of languages) {
    const { client } = await newTraveller(language);
    const texts = catalog(language);
    const response = await saveProfile(client, invalid);
    assert.equal(response.status, 422, `${language}: ${response.text}`);
    assert.equal(response.json.errors.length, 6, language);
    for (const error of response.json.errors) {
      assert.equal(error.message, texts.errors[error.code], `${language} ${error.code}`);
      const label = texts.ui[`field_${error.field}`];
      assert.ok(label, `${language} has a label for ${error.field}`);
      assert.ok(error.message.toLowerCase().includes(label.toLowerCase()),
        `${language} ${error.code}: "${error.message}" names the field as "${label}"`);
    }
    assert.equal(response.json.error.message, response.json.errors[0].message, language);
  }
});

test('submit messages are in the request language', async () => {
  for (const language of languages) {
    const { client } = await newTraveller(language);
    const texts = catalog(language);
    const response = await submitProfile(client);
    assert.equal(response.status, 422, `${language}: ${response.text}`);
    for (const error of response.json.errors) {
      assert.equal(error.message, texts.errors[error.code], `${language} ${error.code}`);
    }
  }
});

test('wrong type message names the field', async () => {
  for (const language of languages) {
    const { client } = await newTraveller(language);
    const label = catalog(language).ui.field_hk_mobile;
    const response = await saveProfile(client, { hk_mobile: 91234567 });
    assertApiError(response, { status: 400, code: 'request.wrong_type', field: 'hk_mobile' }, language);
    assert.equal(response.json.error.message,
      catalog(language).errors['request.wrong_type'].replace('{field}', label), language);
  }
});

test('Accept-Language sets the message language', async () => {
  const { client } = await newTraveller('en');
  client.cookies.delete('lang');
  for (const [header, language] of [['zh-Hant', 'zh-Hant'], ['zh-HK,zh;q=0.9', 'zh-Hant'], ['zh-CN', 'zh-Hans'],
    ['en-GB,en;q=0.8', 'en']]) {
    const response = await client.request('PUT', '/api/v1/me/profile',
      { json: { hk_mobile: '1' }, headers: { 'accept-language': header } });
    assert.equal(response.status, 422, header);
    assert.equal(response.json.error.message, catalog(language).errors['profile.hk_mobile_invalid'], header);
  }
});

// ---------------------------------------------------------------------------
// The HTML form

// Decode the entities the templates write into attribute values and text.
function unescapeHtml(text) {
  return text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

// The options of the select named `name` as [{ value, label, selected }].
function selectOptions(html, name) {
  const select = new RegExp(`<select[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) return undefined;
  return [...select[1].matchAll(/<option value="([^"]*)"([^>]*)>([^<]*)<\/option>/g)].map((match) => ({
    value: match[1], label: unescapeHtml(match[3]), selected: /\bselected\b/.test(match[2]),
  }));
}

function inputValue(html, name) {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html);
  if (!tag) return undefined;
  const value = /\bvalue="([^"]*)"/.exec(tag[0]);
  return value ? unescapeHtml(value[1]) : '';
}

async function openProfileForm(client) {
  const page = await client.request('GET', '/me/profile');
  assert.equal(page.status, 200, `GET /me/profile: ${page.status}`);
  const csrf = inputValue(page.text, 'csrf');
  assert.ok(csrf, 'the form carries a csrf token');
  return { page, csrf };
}

const completeForm = {
  name: '陳大文',
  gender: 'male',
  birth_date: '1990-01-01',
  hk_mobile: '9123 4567',
  mainland_mobile: '',
  province: '440000',
  city: '440900',
  county: '440904',
  consent: 'on',
};

test('form save then submit redirects', async () => {
  const { client, accountId } = await newTraveller('zh-Hant');
  const { csrf } = await openProfileForm(client);

  const saved = await client.request('POST', '/me/profile', { form: { csrf, ...completeForm, action: 'save' } });
  assert.equal(saved.status, 303, saved.text.slice(0, 300));
  assert.equal(saved.headers.get('location'), '/me/profile?saved=1');
  const draft = storedProfile(accountId);
  assert.equal(draft.status, 'draft');
  assert.equal(draft.hk_mobile, '91234567', 'the form value is normalised too');
  assert.equal(draft.destination_code, '440904');
  assert.equal(draft.consent, 1);

  const reopened = await client.request('GET', '/me/profile?saved=1');
  assert.equal(inputValue(reopened.text, 'name'), '陳大文');
  assert.deepEqual(selectOptions(reopened.text, 'county').find((option) => option.selected),
    { value: '440904', label: '電白區', selected: true }, 'the stored destination fills the picker');
  assert.ok(reopened.text.includes(catalog('zh-Hant').ui.profile_saved_notice), 'the saved notice is shown');

  const submitted = await client.request('POST', '/me/profile', { form: { csrf, ...completeForm, action: 'submit' } });
  assert.equal(submitted.status, 303, submitted.text.slice(0, 300));
  assert.equal(submitted.headers.get('location'), '/me?submitted=1');
  assert.equal(storedProfile(accountId).status, 'pending');
  assert.equal((await client.request('GET', '/me?submitted=1')).status, 200);
});

test('form accepts a city without counties', async () => {
  const { client, accountId } = await newTraveller('en');
  const { csrf } = await openProfileForm(client);
  const saved = await client.request('POST', '/me/profile',
    { form: { csrf, ...completeForm, city: '441900', county: '', action: 'save' } });
  assert.equal(saved.status, 303, saved.text.slice(0, 300));
  assert.equal(storedProfile(accountId).destination_code, '441900');
});

test('picker step shows the cities and stores nothing', async () => {
  const { client, accountId } = await newTraveller('zh-Hant');
  const { csrf } = await openProfileForm(client);
  const response = await client.request('POST', '/me/profile', {
    form: { csrf, ...completeForm, city: '', county: '', action: 'refresh' },
  });
  assert.equal(response.status, 200, response.text.slice(0, 300));
  const cities = selectOptions(response.text, 'city').filter((option) => option.value !== '');
  assert.equal(cities.length, 21, 'Guangdong has 21 prefecture-level cities');
  assert.ok(cities.some((option) => option.value === '440100' && option.label === '廣州市'), '廣州市 in zh-Hant');
  assert.ok(cities.some((option) => option.value === '441900' && option.label === '東莞市'), '東莞市 in zh-Hant');
  assert.deepEqual(selectOptions(response.text, 'province').find((option) => option.selected)?.value, '440000');
  assert.equal(inputValue(response.text, 'name'), '陳大文', 'the typed name is kept');
  assert.equal(inputValue(response.text, 'hk_mobile'), '9123 4567', 'the typed number is kept as typed');
  assert.equal(storedProfile(accountId), undefined, 'no profile row was created');
});

test('picker step shows the counties', async () => {
  const { client, accountId } = await newTraveller('zh-Hans');
  assert.equal((await saveProfile(client, { name: '陈大文' })).status, 200);
  const before = storedProfile(accountId);
  const { csrf } = await openProfileForm(client);
  const response = await client.request('POST', '/me/profile', {
    form: { csrf, ...completeForm, name: '李小明', county: '', action: 'refresh' },
  });
  assert.equal(response.status, 200);
  const counties = selectOptions(response.text, 'county');
  assert.ok(counties.some((option) => option.value === '440904' && option.label === '电白区'), '电白区 in zh-Hans');
  assert.equal(inputValue(response.text, 'name'), '李小明');
  assert.deepEqual(storedProfile(accountId), before, 'the stored draft is unchanged');
});

test('picker step follows a changed province', async () => {
  const { client } = await newTraveller('en');
  const { csrf } = await openProfileForm(client);
  // Without JavaScript the old city and county are still selected when the
  // traveller picks another province and requests the next level.
  const response = await client.request('POST', '/me/profile', {
    form: { csrf, ...completeForm, province: '110000', city: '440900', county: '440904', action: 'refresh' },
  });
  assert.equal(response.status, 200);
  assert.equal(selectOptions(response.text, 'province').find((option) => option.selected)?.value, '110000',
    'the province just chosen stays selected');
  const cities = selectOptions(response.text, 'city');
  assert.deepEqual(cities.filter((option) => option.value !== '').map((option) => option.value), ['110100'],
    "Beijing's cities are offered");
  assert.equal(cities.find((option) => option.selected), undefined, 'no city is selected');
  assert.deepEqual(selectOptions(response.text, 'county').filter((option) => option.value !== ''), [],
    'no counties are offered');
});

test('form post without csrf is 403', async () => {
  const { client, accountId } = await newTraveller('en');
  await openProfileForm(client);
  const response = await client.request('POST', '/me/profile', { form: { ...completeForm, action: 'save' } });
  assert.equal(response.status, 403);
  assert.equal(storedProfile(accountId), undefined);
});

test('form submit with missing fields shows every error', async () => {
  const { client } = await newTraveller('en');
  const { csrf } = await openProfileForm(client);
  const response = await client.request('POST', '/me/profile', {
    form: { csrf, name: '陳大文', hk_mobile: '', mainland_mobile: '', action: 'submit' },
  });
  assert.equal(response.status, 422);
  const messages = catalog('en').errors;
  for (const code of ['profile.gender_missing', 'profile.birth_date_missing', 'profile.mobile_missing',
    'profile.destination_missing', 'profile.consent_required']) {
    assert.ok(unescapeHtml(response.text).includes(messages[code]), `the page lists ${code}`);
  }
  assert.match(response.text, /<input id="birth_date"[^>]*aria-invalid="true"/, 'the birth date input is marked');
  assert.equal(inputValue(response.text, 'name'), '陳大文', 'the typed name is kept');
});

test('failed form submit changes nothing', async () => {
  const { client, accountId } = await newTraveller('en');
  assert.equal((await saveProfile(client, completeProfile)).status, 200);
  assert.equal((await submitProfile(client)).status, 200);
  const before = storedProfile(accountId);

  const { csrf } = await openProfileForm(client);
  // The traveller unticks the declaration by mistake and presses "Done".
  const { consent, ...withoutConsent } = completeForm;
  assert.equal(consent, 'on');
  const response = await client.request('POST', '/me/profile', {
    form: { csrf, ...withoutConsent, hk_mobile: '91234567', mainland_mobile: '13800138000', action: 'submit' },
  });
  assert.equal(response.status, 422);
  assert.deepEqual(storedProfile(accountId), before, 'the pending profile is still pending and unchanged');
});
