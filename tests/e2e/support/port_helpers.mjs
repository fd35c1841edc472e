// Setup for the port verification browser test: a family traveller with
// approved co-residents, staff login in the browser, and a Y4M video made
// from a slip's QR code for Chromium's fake camera.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Client, uniqueHomeReturnPermit } from '../../support/server.mjs';
import { approve, submitProfile } from './booking_helpers.mjs';
import { clickAndLoad, pathOf } from './pages.mjs';

// Registers a traveller through the API, submits the personal information
// and `coResidents` (request bodies without id_number, which is generated),
// and approves them all with one review decision. Returns
// { client, accountId, idNumber, coResidents } where each co-resident has
// its id_number.
export async function familyTraveller(server, reviewer, coResidents, language = 'zh-Hant') {
  const client = new Client(server.url, language);
  const idNumber = uniqueHomeReturnPermit();
  const registered = await client.register({ id_number: idNumber });
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  await submitProfile(client);

  const added = [];
  for (const fields of coResidents) {
    const body = {
      id_type: 'home_return_permit',
      id_number: uniqueHomeReturnPermit(),
      care_reason: '',
      care_note: '',
      ...fields,
    };
    const response = await client.request('POST', '/api/v1/me/co-residents', { json: body });
    assert.equal(response.status, 201, `add co-resident ${fields.name}: ${response.text}`);
    added.push(body);
  }
  await approve(reviewer, registered.json.account_id);

  const listed = await client.request('GET', '/api/v1/me/co-residents');
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.json.map((coResident) => coResident.status), coResidents.map(() => 'approved'),
    'one review decision approves the co-residents with the personal information');
  return { client, accountId: registered.json.account_id, idNumber, coResidents: added };
}

// Logs a staff account in on the back-office login page of `baseUrl`.
export async function logInStaff(page, baseUrl, { username, password }) {
  await page.goto(`${baseUrl}/admin/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await clickAndLoad(page, '#admin-login-submit');
  assert.equal(pathOf(page), '/admin', `staff ${username} is logged in`);
}

// The dark modules of the slip's server-rendered QR code: the <svg> has a
// viewBox of "0 0 N N" (quiet zone included) and one "M<x> <y>h1v1h-1z"
// square per dark module. Returns { size, dark(x, y) }.
export async function readQrModules(svgLocator) {
  const viewBox = await svgLocator.getAttribute('viewBox');
  const path = await svgLocator.locator('path').getAttribute('d');
  const size = Number(viewBox.split(' ')[2]);
  assert.ok(Number.isInteger(size) && size > 21, `QR viewBox "${viewBox}"`);
  const dark = new Set();
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) dark.add(Number(y) * size + Number(x));
  assert.ok(dark.size > 0, 'the QR code has dark modules');
  return { size, dark: (x, y) => dark.has(y * size + x) };
}

// Writes a Y4M file (YUV 4:2:0, the format Chromium's
// --use-file-for-fake-video-capture reads) of `frames` identical frames of
// `width` x `height` pixels showing the QR code of `modules` in the middle,
// black on white, `scale` pixels per module. Chromium loops the file.
export function writeQrVideo(file, modules, { width = 640, height = 480, scale = 7, frames = 2 } = {}) {
  const side = modules.size * scale;
  assert.ok(side <= width && side <= height, `a QR code of ${side} px does not fit ${width}x${height}`);
  // Video-range luma: 16 is black, 235 is white.
  const luma = Buffer.alloc(width * height, 235);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  for (let y = 0; y < side; y += 1) {
    for (let x = 0; x < side; x += 1) {
      if (modules.dark(Math.floor(x / scale), Math.floor(y / scale))) luma[(top + y) * width + left + x] = 16;
    }
  }
  // Neutral chroma: a grey-scale picture.
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let frame = 0; frame < frames; frame += 1) parts.push(Buffer.from('FRAME\n'), luma, chroma);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}
