// The administrative divisions API (GET /api/v1/divisions) that the
// destination picker reads: provinces, children of a division, names in the
// request's script, errors for unknown or malformed parents, and caching.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, assertApiError, rawRequest } from '../support/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// GET the divisions under `parent` (provinces when undefined) without a
// session, in `language` when given.
function divisions(parent, language, headers = {}) {
  const query = parent === undefined ? '' : `?parent=${encodeURIComponent(parent)}`;
  return new Client(server.url, language).request('GET', `/api/v1/divisions${query}`, { headers });
}

function byCode(list, code) {
  return list.find((division) => division.code === code);
}

test('divisions without parent are the 31 provinces', async () => {
  const response = await divisions(undefined, 'zh-Hans');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  assert.match(response.headers.get('content-type'), /^application\/json/);
  const provinces = response.json;
  assert.ok(Array.isArray(provinces), 'the body is a JSON array');
  assert.equal(provinces.length, 31, 'the mainland has 31 provincial divisions');

  const codes = provinces.map((province) => province.code);
  assert.deepEqual(codes, [...codes].sort(), 'provinces are in code order');
  assert.equal(new Set(codes).size, 31, 'codes are unique');
  for (const province of provinces) {
    assert.match(province.code, /^\d{2}0000$/, `${province.code} is a province code`);
    assert.equal(typeof province.name, 'string', province.code);
    assert.ok(province.name.length > 0, `${province.code} has a name`);
    assert.equal(province.level, 1, province.code);
    assert.equal(province.has_children, true, province.code);
    assert.equal(province.destination, false, `${province.code} is not a destination`);
  }
  for (const [code, name] of [['110000', '北京市'], ['440000', '广东省'], ['650000', '新疆维吾尔自治区']]) {
    assert.equal(byCode(provinces, code)?.name, name, code);
  }
  for (const code of ['710000', '810000', '820000']) {
    assert.equal(byCode(provinces, code), undefined, `${code} is not a mainland destination`);
  }
});

test('division names follow the request language', async () => {
  // Each row: language, Guangdong, Maoming's Dianbai district.
  const cases = [
    ['zh-Hant', '廣東省', '電白區'],
    ['zh-Hans', '广东省', '电白区'],
    ['en', '广东省', '电白区'],
  ];
  for (const [language, province, county] of cases) {
    const provinces = await divisions(undefined, language);
    assert.equal(provinces.status, 200, language);
    assert.equal(byCode(provinces.json, '440000')?.name, province, `440000 in ${language}`);
    const counties = await divisions('440900', language);
    assert.equal(byCode(counties.json, '440904')?.name, county, `440904 in ${language}`);
  }
});

test('Accept-Language chooses the script without a cookie', async () => {
  // Each row: Accept-Language, the expected name of 440000.
  const cases = [
    ['zh-Hant', '廣東省'],
    ['zh-HK,zh;q=0.9', '廣東省'],
    ['zh-TW', '廣東省'],
    ['zh-Hans', '广东省'],
    ['zh-CN,en;q=0.5', '广东省'],
    ['en-US', '广东省'],
  ];
  for (const [header, name] of cases) {
    const response = await divisions(undefined, undefined, { 'accept-language': header });
    assert.equal(response.status, 200, header);
    assert.equal(byCode(response.json, '440000')?.name, name, `Accept-Language: ${header}`);
  }
});

test('Guangdong has 21 prefecture-level cities', async () => {
  const response = await divisions('440000', 'zh-Hans');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  const cities = response.json;
  assert.equal(cities.length, 21);
  const codes = cities.map((city) => city.code);
  assert.deepEqual(codes, [...codes].sort(), 'cities are in code order');
  for (const city of cities) {
    assert.match(city.code, /^44\d{2}00$/, `${city.code} is a city of Guangdong`);
    assert.equal(city.level, 2, city.code);
  }
  assert.deepEqual(byCode(cities, '440300'),
    { code: '440300', name: '深圳市', level: 2, has_children: true, destination: false });
  assert.deepEqual(byCode(cities, '441900'),
    { code: '441900', name: '东莞市', level: 2, has_children: false, destination: true },
    'Dongguan has no counties, so the city itself is a destination');
  assert.equal(byCode(cities, '442000')?.destination, true, 'Zhongshan has no counties either');
});

test('Maoming lists Dianbai as a destination', async () => {
  const response = await divisions('440900', 'zh-Hant');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  assert.deepEqual(byCode(response.json, '440904'),
    { code: '440904', name: '電白區', level: 3, has_children: false, destination: true });
  for (const county of response.json) {
    assert.match(county.code, /^4409\d{2}$/, `${county.code} is in Maoming`);
    assert.equal(county.level, 3, county.code);
    assert.equal(county.destination, true, county.code);
  }
});

test('city without counties has no children', async () => {
  const response = await divisions('441900');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  assert.deepEqual(response.json, []);
});

test('county has no children', async () => {
  const response = await divisions('440904');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  assert.deepEqual(response.json, []);
});

test('municipality lists its district grouping', async () => {
  const beijing = await divisions('110000', 'zh-Hans');
  assert.equal(beijing.status, 200);
  assert.deepEqual(beijing.json.map((division) => division.code), ['110100']);
  assert.equal(beijing.json[0].destination, false, 'the grouping is not a destination');

  const districts = await divisions('110100', 'zh-Hans');
  assert.equal(districts.status, 200);
  assert.deepEqual(byCode(districts.json, '110101'),
    { code: '110101', name: '东城区', level: 3, has_children: false, destination: true });
});

test('unknown parent is 404 division.not_found', async () => {
  for (const parent of ['999999', '000000', '440999', '449900', '440905']) {
    const response = await divisions(parent);
    assertApiError(response, { status: 404, code: 'division.not_found', field: 'parent' }, parent);
  }
});

test('not-found message is in the request language', async () => {
  // Each row: language, a word the message must contain.
  const cases = [['zh-Hant', '行政區劃'], ['zh-Hans', '行政区划'], ['en', 'division']];
  for (const [language, word] of cases) {
    const response = await divisions('999999', language);
    assert.equal(response.status, 404, language);
    assert.ok(response.json.error.message.includes(word), `${language}: ${response.json.error.message}`);
  }
});

test('malformed parent is 404 or 400', async () => {
  const parents = [
    'abc', 'a'.repeat(100), '4'.repeat(100), '44000', '4400000', '440000 ', ' 440000', '44 0000', '-440000',
    '4.4e5', '０４４０００', '４４００００', '广东省', "440000' OR '1'='1", '../440000', '440000\u0000', '\u00ff',
    '%', '9'.repeat(10000),
  ];
  for (const parent of parents) {
    const response = await divisions(parent);
    const label = JSON.stringify(parent).slice(0, 40);
    assert.ok(response.status === 404 || response.status === 400, `${label}: status ${response.status}`);
    assert.ok(response.json?.error?.code, `${label}: a JSON error`);
  }

  // Broken or non-UTF-8 percent-escapes, sent raw because fetch would re-encode them.
  for (const query of ['parent=%FF', 'parent=%', 'parent=%zz', 'parent=44%0000']) {
    const response = await rawRequest(server.port,
      `GET /api/v1/divisions?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.ok(response.status === 404 || response.status === 400, `${query}: status ${response.status}`);
  }

  const health = await new Client(server.url).request('GET', '/healthz');
  assert.equal(health.status, 200, 'the server still answers');
});

test('divisions need no session', async () => {
  const response = await new Client(server.url).request('GET', '/api/v1/divisions?parent=440000');
  assert.equal(response.status, 200);
  assert.equal(response.headers.getSetCookie().filter((line) => line.startsWith('yz_session=')).length, 0,
    'no session is started');
});

test('lists are public and vary by language', async () => {
  for (const parent of [undefined, '440000', '441900']) {
    const response = await divisions(parent);
    assert.equal(response.status, 200);
    const cacheControl = response.headers.get('cache-control') ?? '';
    assert.match(cacheControl, /\bpublic\b/, `Cache-Control: ${cacheControl}`);
    assert.match(cacheControl, /\bmax-age=[1-9]\d*/, `Cache-Control: ${cacheControl}`);
    assert.doesNotMatch(cacheControl, /\b(no-store|private)\b/, `Cache-Control: ${cacheControl}`);
    // One URL has a name per script, so a shared cache must key on both
    // ways the language is chosen.
    const vary = (response.headers.get('vary') ?? '').toLowerCase();
    assert.ok(vary.includes('accept-language'), `Vary: ${vary}`);
    assert.ok(vary.includes('cookie'), `Vary: ${vary}`);
  }
});

test('division errors are not cached publicly', async () => {
  const response = await divisions('999999');
  assert.equal(response.status, 404);
  const cacheControl = response.headers.get('cache-control') ?? '';
  assert.doesNotMatch(cacheControl, /\bpublic\b/, `Cache-Control: ${cacheControl}`);
});

test('divisions accept only GET', async () => {
  const client = new Client(server.url);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const response = await client.request(method, '/api/v1/divisions', { json: {} });
    assertApiError(response, { status: 405, code: 'request.method_not_allowed' }, method);
  }
});
