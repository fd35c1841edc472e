// Captchas: the image, single use, wrong answers and the two-minute expiry
// (moved with the test-mode clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, assertApiError, setClock, uniqueHomeReturnPermit,
} from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// Register with a captcha issued earlier. In test mode "0000" is accepted
// and any other answer is wrong, and "WRONG" cannot match a real
// four-character answer even by chance.
async function registerWithCaptcha(captchaId, answer = '0000') {
  const client = new Client(server.url);
  return client.register({ id_number: uniqueHomeReturnPermit(), captcha_id: captchaId, captcha_answer: answer });
}

// The server's clock has whole-second resolution. Starting a sequence just
// after a second boundary keeps it inside one second, so offsets set with
// setClock() hold exactly.
async function waitForStartOfSecond() {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

test('captcha image is a PNG data URL', async () => {
  const response = await new Client(server.url).request('GET', '/api/v1/captcha');
  assert.equal(response.status, 200, response.text);
  assert.equal(typeof response.json.id, 'string');
  assert.ok(response.json.id.length >= 16, `the id is long enough not to be guessed: ${response.json.id}`);

  const prefix = 'data:image/png;base64,';
  assert.ok(response.json.image.startsWith(prefix), `image starts with ${prefix}`);
  const png = Buffer.from(response.json.image.slice(prefix.length), 'base64');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR', 'the first chunk is IHDR');
  assert.ok(png.readUInt32BE(16) > 0, 'the image has a width');
  assert.ok(png.readUInt32BE(20) > 0, 'the image has a height');
});

test('captcha ids are unique per request', async () => {
  const client = new Client(server.url);
  const ids = new Set();
  for (let i = 0; i < 5; i += 1) ids.add(await client.captcha());
  assert.equal(ids.size, 5);
});

test('correct captcha answer is accepted', async () => {
  const captchaId = await new Client(server.url).captcha();
  const response = await registerWithCaptcha(captchaId);
  assert.equal(response.status, 201, response.text);
});

test('wrong captcha answer is captcha.wrong', async () => {
  const captchaId = await new Client(server.url).captcha();
  const response = await registerWithCaptcha(captchaId, 'WRONG');
  assertApiError(response, { status: 422, code: 'captcha.wrong', field: 'captcha_answer' });
});

test('wrong answer uses up the captcha', async () => {
  const captchaId = await new Client(server.url).captcha();
  await registerWithCaptcha(captchaId, 'WRONG');
  const response = await registerWithCaptcha(captchaId);
  assertApiError(response, { status: 422, code: 'captcha.expired', field: 'captcha_answer' },
    'a second try with the right answer');
});

test('reused captcha after a correct use is captcha.expired', async () => {
  const captchaId = await new Client(server.url).captcha();
  const first = await registerWithCaptcha(captchaId);
  assert.equal(first.status, 201, first.text);
  const second = await registerWithCaptcha(captchaId);
  assertApiError(second, { status: 422, code: 'captcha.expired', field: 'captcha_answer' });
});

test('captcha is not used up by an ID number typo', async () => {
  // Formats are checked before the captcha so that a typo does not cost
  // the user a new captcha.
  const captchaId = await new Client(server.url).captcha();
  const typo = await new Client(server.url).register({ id_number: 'H123', captcha_id: captchaId });
  assertApiError(typo, { status: 422, code: 'account.id_number_invalid', field: 'id_number' });
  const response = await registerWithCaptcha(captchaId);
  assert.equal(response.status, 201, response.text);
});

test('unknown captcha id is captcha.expired', async () => {
  for (const captchaId of ['no-such-captcha-0000', '', 'x'.repeat(65)]) {
    const response = await registerWithCaptcha(captchaId);
    assertApiError(response, { status: 422, code: 'captcha.expired', field: 'captcha_answer' },
      `captcha_id ${JSON.stringify(captchaId.slice(0, 20))}`);
  }
});

test('concurrent uses of one captcha let at most one through', async () => {
  const captchaId = await new Client(server.url).captcha();
  const responses = await Promise.all([1, 2, 3, 4].map(() => registerWithCaptcha(captchaId)));
  const statuses = responses.map((response) => response.status).sort();
  assert.deepEqual(statuses, [201, 422, 422, 422], `one success and three rejections: ${statuses}`);
});

test('captcha still works 119 seconds after issue', async () => {
  await waitForStartOfSecond();
  const issuedAt = await setClock(server.url, '2026-12-20T10:00:00+08:00');
  const captchaId = await new Client(server.url).captcha();
  await setClock(server.url, new Date(issuedAt.getTime() + 119000));
  const response = await registerWithCaptcha(captchaId);
  assert.equal(response.status, 201, response.text);
});

test('captcha expires 121 seconds after issue', async () => {
  const issuedAt = await setClock(server.url, '2026-12-21T10:00:00+08:00');
  const captchaId = await new Client(server.url).captcha();
  await setClock(server.url, new Date(issuedAt.getTime() + 121000));
  const response = await registerWithCaptcha(captchaId);
  assertApiError(response, { status: 422, code: 'captcha.expired', field: 'captcha_answer' });
});

test('captcha rate limit gives 429 with Retry-After', async () => {
  const limited = await startServer({ captcha_rate_per_minute: 3 });
  try {
    const client = new Client(limited.url);
    for (let i = 0; i < 3; i += 1) {
      const response = await client.request('GET', '/api/v1/captcha');
      assert.equal(response.status, 200, `captcha ${i + 1} of 3 is within the limit`);
    }
    const response = await client.request('GET', '/api/v1/captcha');
    assertApiError(response, { status: 429, code: 'request.rate_limited' });
    assert.match(response.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in whole seconds');
  } finally {
    await limited.stop();
  }
});
