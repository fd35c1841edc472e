// Launches Debian's Chromium through playwright-core and opens browser
// contexts that record everything a page should never do: CSP violations,
// console errors, uncaught exceptions, failed subresources and requests to
// any origin other than the test server.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const artifactsDir = process.env.YIZHAN_ARTIFACTS || join(repoRoot, 'test-artifacts');

// Chromium's own background traffic (updates, sync, QUIC probes) is turned
// off, so every request during a test comes from the pages under test.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// Fail a step after 10 s instead of Playwright's 30 s: every page here is
// served from loopback and renders in well under a second.
const actionTimeoutMs = 10000;

// `extraArgs` are further Chromium switches, such as the fake camera's.
export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...chromiumArgs, ...extraArgs] });
}

// Chromium logs this line for every document returned with a 4xx status,
// which is how the server rejects a form. It counts as a problem only for
// subresources.
const failedLoadPattern = /^Failed to load resource: the server responded with a status of \d+/;

// Opens a new context with one page, both watched for problems. The locale
// defaults to zh-HK because the server picks the page language from
// Accept-Language, and Chromium's own default (en-US) would hide the
// site's Traditional Chinese default.
// Returns { context, page, problems(), assertNoProblems(), close() }.
export async function openSession(browser, baseUrl, contextOptions = {}) {
  const context = await browser.newContext({ locale: 'zh-HK', ...contextOptions });
  context.setDefaultTimeout(actionTimeoutMs);
  context.setDefaultNavigationTimeout(actionTimeoutMs);

  const origin = new URL(baseUrl).origin;
  const problems = [];
  const consoleErrors = [];
  const documentUrls = new Set();

  // Keeps every request on the loopback test server, even if a redirect
  // guard under test fails and sends the browser elsewhere.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request to another origin blocked: ${url}`);
    return route.abort('blockedbyclient');
  });

  // Chromium logs CSP violations to the console even with JavaScript
  // disabled, and the console listener below catches them. The DOM event
  // adds the directive and the blocked URI where scripts run.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });

  context.on('response', (response) => {
    const url = response.url();
    if (response.request().isNavigationRequest()) {
      documentUrls.add(url);
    } else if (response.status() >= 400) {
      problems.push(`subresource answered ${response.status()}: ${url}`);
    }
  });
  context.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown error';
    // A navigation started while a stylesheet is still loading aborts it.
    if (reason === 'net::ERR_ABORTED') return;
    problems.push(`request failed (${reason}): ${request.url()}`);
  });
  context.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || /Content Security Policy/i.test(text)) {
      consoleErrors.push({ text, url: message.location().url || '' });
    }
  });
  context.on('weberror', (webError) => {
    problems.push(`uncaught exception: ${webError.error().message}`);
  });

  const page = await context.newPage();

  // Console lines are filtered when read, because the "failed to load"
  // line for a document can arrive before its response event.
  function currentProblems() {
    const fromConsole = consoleErrors
      .filter(({ text, url }) => {
        if (!failedLoadPattern.test(text) || !url) return true;
        return !documentUrls.has(url);
      })
      .map(({ text, url }) => `console error: ${text}${url ? ` (${url})` : ''}`);
    return [...problems, ...fromConsole];
  }

  return {
    context,
    page,
    problems: currentProblems,
    assertNoProblems() {
      assert.deepEqual(currentProblems(), [], 'the pages logged CSP violations, errors or failed requests');
    },
    close: () => context.close(),
  };
}

// Writes a full-page PNG to <artifacts>/<name>.png; `name` may contain
// folders. Returns the file path.
export async function screenshot(page, name) {
  const path = join(artifactsDir, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}
