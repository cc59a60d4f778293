// Cross-site scripting, checked in real Chromium: markup typed into every text field a user can
// fill is shown as text and never runs.
//
// Run from the repository root:   node --test tests/browser/
// (server binary $TRUSTLOOP_BIN, default target/debug/trustloop; Chromium $CHROMIUM_BIN,
// default /usr/bin/chromium — see helpers.mjs.)
//
// Payloads go in through the real forms: a people CSV upload (names, teams, attribute columns
// and values, emails), a refused upload (its problems quote the bad cells), a campaign name (also
// refused once, so it is echoed back), a leader and raters nominated for a campaign by an admin
// and by a leader (one nomination refused once, so it is echoed back), survey comments (also
// echoed back by a refused survey), an API token name, the sign-in email and the people search
// box. Then every page that shows them is visited: the people list and search, the import
// results, campaigns, the campaign page, the manager's approvals (one refused once), new links
// (and their CSV), the survey, the leader's home page, the audit log, the account page, and the
// leader's report after the campaign closes.
//
// On each page the test proves that no script ran and nothing was injected:
// - no dialog opened (alert/confirm/prompt fail the test),
// - the sentinel `window.__xss` that every payload tries to set is still undefined,
// - the page reported no script Content-Security-Policy violation (an inline handler or script
//   that made it into the DOM would be refused by CSP and reported; we want none to get there),
// - the DOM has no element the payloads would create (script, img, iframe, object, embed, svg
//   with an on* attribute), no on* attribute anywhere and no javascript: URL; the one script
//   allowed is the page's own `<script src="/static/app.js" defer>` in the head,
// - and each payload is visible on the page as text.
// It also checks the security headers, and that the CSP allows no inline script.

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ADMIN, MAYA, MANAGER, LEADER_NAME, startDemo, launchChromium, stepper, newPage, signIn,
  postResponse,
} from './helpers.mjs';

const DESKTOP = { width: 1280, height: 800 };

// ---------------------------------------------------------------- payloads

// Every payload tries to set window.__xss or open a dialog if it ever runs.
const SCRIPT = '<script>window.__xss=1</script>';
const IMG = '"><img src=x onerror="window.__xss=1;alert(1)">';
const SVG = '<svg/onload=alert(1)>';
const JS_URL = 'javascript:window.__xss=1//';
const ATTR = "' autofocus onfocus='window.__xss=1";
const TEXTAREA = '</textarea><img src=x onerror=alert(1)>';
const TEMPLATE = '{{7*7}} ${7*7} <%= 7*7 %>';
const FORMULA = '=HYPERLINK("http://evil.example","x")';

const run = `${process.pid}`;
const PEOPLE = {
  ada: {
    name: `Ada ${SCRIPT} Xss`,
    email: `ada.xss.${run}@xss.example`,
    team: `Team ${IMG}`,
    location: SVG,
    func: JS_URL,
  },
  bo: {
    name: `${IMG} Bo`,
    // Email::parse allows quotes ' and =: an attribute breakout attempt.
    email: `'onfocus='window.__xss=1'autofocus='${run}@xss.example`,
    team: TEMPLATE,
    location: ATTR,
    func: FORMULA,
  },
  cy: {
    name: FORMULA,
    email: `javascript:alert(${run})//@xss.example`,
    team: `Team ${IMG}`,
    location: '',
    func: SCRIPT,
  },
};
// An attribute column whose name is markup; stored lowercased with spaces as underscores.
const ATTR_COLUMN = '<b onmouseover=alert(1)>Function</b>';
const ATTR_COLUMN_SHOWN = '<b_onmouseover=alert(1)>function</b>';

const CAMPAIGN_NAME = `Q4 ${SCRIPT} ${IMG}`.slice(0, 120);
// The demo's Autumn campaign is open, so its rater lists are locked: Maya's markup raters are
// nominated for a new draft.
const WINTER = 'Winter trust 360';
const RATER = { name: `Rae ${SVG} ${ATTR}`, email: `rae'onmouseover='alert(1)'${run}@xss.example` };
const MAYA_RATERS = [
  { name: FORMULA, email: `formula.${run}@xss.example` },
  { name: `Sam ${SCRIPT}`, email: `sam.${run}@xss.example` },
  { name: `${IMG} Kit`, email: `kit.${run}@xss.example` },
];
const COMMENTS = (i) => ({
  continue: `${SCRIPT} keep going ${i}`,
  start: `${TEXTAREA} start ${i}`,
  stop: `${FORMULA} <a href="javascript:alert(1)">stop</a> ${i}`,
});
const TOKEN_NAME = `tool ${SCRIPT} ${IMG}`.slice(0, 100);
const SIGN_IN_EMAIL = `"><script>window.__xss=1</script>@x.org`;

function csvCell(text) {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function peopleCsv() {
  const rows = [['name', 'email', 'manager_email', 'team', 'location', ATTR_COLUMN]];
  rows.push([PEOPLE.ada.name, PEOPLE.ada.email, MAYA.email, PEOPLE.ada.team, PEOPLE.ada.location, PEOPLE.ada.func]);
  for (const p of [PEOPLE.bo, PEOPLE.cy]) {
    rows.push([p.name, p.email, PEOPLE.ada.email, p.team, p.location, p.func]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------- checks

let demo;
let browser;
const { step, broken } = stepper();

/** A page whose dialogs and CSP violations are recorded. */
async function watchedPage() {
  const page = await newPage(browser, DESKTOP);
  page.dialogs = [];
  page.on('dialog', async (d) => {
    page.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  // Runs through the DevTools protocol, so the page's own CSP still governs the page's scripts.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push({ directive: e.effectiveDirective, sample: e.sample, uri: e.blockedURI });
    });
  });
  return page;
}

/**
 * Proves that nothing the users typed ran or became markup on `page`, and that each of `texts`
 * is visible as text.
 */
async function assertInert(page, label, texts = []) {
  assert.deepEqual(page.dialogs, [], `${label}: a dialog opened`);
  assert.equal(await page.evaluate(() => window.__xss), undefined, `${label}: a payload set window.__xss`);
  const violations = await page.evaluate(() => window.__cspViolations || []);
  const scriptViolations = violations.filter((v) => /^script-src/.test(v.directive));
  assert.deepEqual(scriptViolations, [], `${label}: inline script reached the page and was blocked by CSP`);
  if (violations.length) console.log(`${label}: CSP violations (not script): ${JSON.stringify(violations)}`);

  const injected = await page.evaluate(() => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      // The one script the server itself serves on every page (its src, nothing inline).
      const own = tag === 'script' && el.parentElement === document.head && el.getAttribute('src') === '/static/app.js' &&
        el.attributes.length === 2 && el.hasAttribute('defer') && el.textContent === '';
      if (['script', 'img', 'iframe', 'object', 'embed', 'base', 'frame'].includes(tag) && !own) {
        found.push(`<${tag}> ${el.outerHTML.slice(0, 80)}`);
      }
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) found.push(`<${tag} ${a.name}="${a.value.slice(0, 40)}">`);
        if (/^\s*javascript:/i.test(a.value) && ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)) {
          found.push(`<${tag} ${a.name}="${a.value.slice(0, 40)}">`);
        }
      }
    }
    return found;
  });
  assert.deepEqual(injected, [], `${label}: markup from user input became part of the page`);

  // Collapsed sections (rater lists) are opened so their text can be seen.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  for (const text of texts) {
    const shown = page.getByText(text, { exact: false });
    assert.ok((await shown.count()) > 0, `${label}: ${JSON.stringify(text)} is not shown as text`);
    assert.ok(await shown.first().isVisible(), `${label}: ${JSON.stringify(text)} is not visible`);
  }
}

/** Checks the security headers of a response. */
function assertSecurityHeaders(response, label) {
  const h = response.headers();
  const csp = h['content-security-policy'];
  assert.ok(csp, `${label}: no Content-Security-Policy header`);
  assert.ok(!/unsafe-inline/.test(csp), `${label}: CSP allows 'unsafe-inline': ${csp}`);
  assert.ok(!/unsafe-eval/.test(csp), `${label}: CSP allows 'unsafe-eval': ${csp}`);
  const scriptSrc = (csp.match(/script-src ([^;]*)/) || [])[1] || (csp.match(/default-src ([^;]*)/) || [])[1];
  assert.equal(scriptSrc && scriptSrc.trim(), "'self'", `${label}: scripts should come only from the server itself: ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${label}: ${csp}`);
  assert.match(csp, /object-src 'none'/, `${label}: ${csp}`);
  assert.match(csp, /base-uri 'none'/, `${label}: ${csp}`);
  assert.equal(h['x-content-type-options'], 'nosniff', `${label}: X-Content-Type-Options`);
  assert.equal(h['x-frame-options'], 'DENY', `${label}: X-Frame-Options`);
  assert.equal(h['referrer-policy'], 'no-referrer', `${label}: Referrer-Policy`);
}

/** Runs `act` (which sends a form) and waits until the page it leads to has loaded; returns
 * the response to the POST. */
async function postAndLoad(page, act) {
  const loaded = page.waitForEvent('load');
  const posted = postResponse(page);
  await act();
  const response = await posted;
  await loaded;
  return response;
}

/** Submits a page's form without the browser's own validation (an attacker skips it too). */
async function submitUnvalidated(page, formSelector, buttonName) {
  await page.evaluate((sel) => { document.querySelector(sel).noValidate = true; }, formSelector);
  return postAndLoad(page, () => page.locator(formSelector).getByRole('button', { name: buttonName }).click());
}

/** How Rust's `{:?}` shows text inside an error message: in quotes, inner quotes escaped. */
const debugQuoted = (text) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Answers every item of the survey on `page` and fills the comments; does not send. */
async function answerSurvey(page, comments) {
  const codes = await page.$$eval('fieldset.item', (fs) => fs.map((f) => f.id.replace(/^q-/, '')));
  assert.ok(codes.length >= 12, `the survey has its items (${codes.length})`);
  for (const [i, code] of codes.entries()) {
    const value = ['4', '5', '3', 'cant_say'][i % 4];
    await page.locator(`fieldset#q-${code} label.choice`, { has: page.locator(`input[value="${value}"]`) }).click();
  }
  for (const [code, text] of Object.entries(comments)) {
    await page.locator(`textarea[name="comment_${code}"]`).fill(text);
  }
}

// ---------------------------------------------------------------- the run

describe('XSS payloads in every text field stay inert in real Chromium', { timeout: 600_000 }, () => {
  let admin; // the admin's page, signed in
  let baseUrl;
  let xssCampaignUrl;
  let winterUrl;
  let mayaDirectLink;
  let xssSurveyUrl;
  const mayaLinks = [];

  before(async () => {
    demo = await startDemo();
    baseUrl = demo.baseUrl;
    browser = await launchChromium();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      if (demo) {
        await demo.stop();
        if (broken()) console.log(`server log:\n${demo.log()}`);
      }
    }
  });

  step('security headers: a CSP without inline script on every kind of page', async () => {
    const page = await watchedPage();
    for (const [label, url] of [
      ['sign-in page', '/sign-in'],
      ['survey page', new URL(demo.surveyUrl).pathname],
      ['unknown page', '/no-such-page'],
      ['privacy page', '/privacy'],
      ['API error', '/api/v1/campaigns'],
    ]) {
      const r = await page.goto(`${baseUrl}${url}`);
      assertSecurityHeaders(r, label);
    }
    await signIn(page, baseUrl, ADMIN);
    const r = await page.goto(`${baseUrl}/admin`);
    assertSecurityHeaders(r, 'admin overview');
    await page.context().close();
  });

  step('sign-in: a markup email and next address are echoed back as text', async () => {
    const page = await watchedPage();
    await page.goto(`${baseUrl}/sign-in?next=${encodeURIComponent(`/admin?"><script>window.__xss=1</script>`)}`);
    await assertInert(page, 'sign-in page with a markup next');
    await page.getByLabel('Email').fill(SIGN_IN_EMAIL);
    await page.getByLabel('Password').fill('not the password');
    const r = await submitUnvalidated(page, 'form[action="/sign-in"]', 'Sign in');
    assert.equal(r.status(), 401);
    await assertInert(page, 'refused sign-in');
    assert.equal(await page.getByLabel('Email').inputValue(), SIGN_IN_EMAIL, 'the typed email is kept, as a value');
    await page.context().close();
  });

  step('admin imports people whose names, teams, attributes and emails are markup', async () => {
    admin = await watchedPage();
    await signIn(admin, baseUrl, ADMIN);

    // First a refused file: its problems quote the bad cells.
    await admin.goto(`${baseUrl}/admin/people/import`);
    const bad = `name,email,manager_email,team\r\n${csvCell(`Zed ${SCRIPT}`)},${csvCell(`${IMG}@x`)},,T\r\n,nobody@xss.example,${csvCell(SVG)},T\r\n`;
    await admin.locator('input[type=file]').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await Promise.all([
      admin.waitForURL(/\/admin\/imports\/\d+$/),
      admin.getByRole('button', { name: 'Import' }).click(),
    ]);
    await admin.getByRole('heading', { level: 1, name: 'Import refused' }).waitFor({ timeout: 30_000 });
    await assertInert(admin, 'refused import', [debugQuoted(`${IMG}@x`), debugQuoted(SVG)]);

    await admin.goto(`${baseUrl}/admin/people/import`);
    await admin.locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(peopleCsv()) });
    await Promise.all([
      admin.waitForURL(/\/admin\/imports\/\d+$/),
      admin.getByRole('button', { name: 'Import' }).click(),
    ]);
    await admin.getByRole('heading', { level: 1, name: 'Import finished' }).waitFor({ timeout: 30_000 });
    await assertInert(admin, 'finished import', ['Imported 3 people']);
  });

  step('people list and search show the markup as text', async () => {
    await admin.goto(`${baseUrl}/admin/people?q=${encodeURIComponent('xss.example')}`);
    const expected = [
      PEOPLE.ada.name, PEOPLE.bo.name, PEOPLE.cy.name,
      PEOPLE.ada.email, PEOPLE.bo.email.toLowerCase(), PEOPLE.cy.email,
      PEOPLE.ada.team, PEOPLE.bo.team,
      `location: ${SVG}`, `location: ${ATTR}`,
      `${ATTR_COLUMN_SHOWN}: ${JS_URL}`, `${ATTR_COLUMN_SHOWN}: ${FORMULA}`, `${ATTR_COLUMN_SHOWN}: ${SCRIPT}`,
    ];
    await assertInert(admin, 'people list', expected);

    // The search box echoes what was searched for, in the input and the pager links.
    for (const q of [IMG, SCRIPT, ATTR, JS_URL]) {
      await admin.goto(`${baseUrl}/admin/people?q=${encodeURIComponent(q)}`);
      await assertInert(admin, `people search for ${q}`);
      assert.equal(await admin.locator('input#q').inputValue(), q, 'the search text is kept as a value');
    }
  });

  step('a campaign with a markup name, a markup leader and a markup rater', async () => {
    await admin.goto(`${baseUrl}/admin/campaigns`);
    // Refused first (bad deadline): the form echoes the name and the error quotes the deadline.
    await admin.locator('#name').fill(CAMPAIGN_NAME);
    await admin.evaluate((v) => { const d = document.querySelector('#deadline'); d.type = 'text'; d.value = v; }, `2020-01-01 ${SCRIPT}`);
    let r = await submitUnvalidated(admin, 'form[action="/admin/campaigns"]', 'Create campaign');
    assert.equal(r.status(), 422);
    await assertInert(admin, 'refused campaign form', [SCRIPT]);
    assert.equal(await admin.locator('#name').inputValue(), CAMPAIGN_NAME);

    await admin.goto(`${baseUrl}/admin/campaigns`);
    await admin.locator('#name').fill(CAMPAIGN_NAME);
    r = await submitUnvalidated(admin, 'form[action="/admin/campaigns"]', 'Create campaign');
    assert.ok(/\/admin\/campaigns\/\d+$/.test(admin.url()), `created: ${admin.url()} (HTTP ${r.status()})`);
    xssCampaignUrl = admin.url();
    await assertInert(admin, 'new campaign page', [CAMPAIGN_NAME]);

    await admin.locator('#leader-email').fill(PEOPLE.ada.email);
    await submitUnvalidated(admin, `form[action$="/leaders"]`, 'Add leaders');
    await assertInert(admin, 'campaign page with a markup leader', [CAMPAIGN_NAME, PEOPLE.ada.name, PEOPLE.bo.name, PEOPLE.cy.name]);

    await admin.locator('#r-name').fill(RATER.name);
    await admin.locator('#r-email').fill(RATER.email);
    r = await submitUnvalidated(admin, `form[action$="/raters"]`, 'Nominate rater');
    assert.ok(r.status() < 400, `nominating the rater: HTTP ${r.status()}`);
    await assertInert(admin, 'campaign page with a markup rater', [RATER.name, RATER.email.toLowerCase()]);

    for (const page of ['/admin', '/admin/campaigns']) {
      await admin.goto(`${baseUrl}${page}`);
      await assertInert(admin, page, [CAMPAIGN_NAME]);
    }
  });

  step("Maya, Ada's manager, approves the markup rater on her approvals page", async () => {
    const page = await watchedPage();
    await signIn(page, baseUrl, MAYA);
    await page.goto(`${baseUrl}/me/approvals`);
    await assertInert(page, 'approvals with a markup rater', [RATER.name, RATER.email.toLowerCase(), `For ${PEOPLE.ada.name}`]);
    const card = () => page.locator('section.card', { hasText: RATER.email.toLowerCase() });
    // Refused once: the rater is not in the directory and the box is not ticked.
    const refused = await postAndLoad(page, () => card().getByRole('button', { name: /^Approve/ }).click());
    assert.equal(refused.status(), 422);
    await assertInert(page, 'refused approval', [RATER.name, 'tick the box']);
    await card().getByRole('checkbox').check();
    const approved = await postAndLoad(page, () => card().getByRole('button', { name: /^Approve/ }).click());
    assert.ok(approved.status() < 400, `approving: HTTP ${approved.status()}`);
    assert.equal(await page.locator('section.card', { hasText: RATER.email.toLowerCase() }).count(), 0, 'no longer awaiting');
    await page.context().close();
  });

  step('opened, with new links: the links page and the survey show the markup as text', async () => {
    await admin.goto(xssCampaignUrl);
    await postAndLoad(admin, () => admin.getByRole('button', { name: 'Open the campaign' }).click());
    await admin.getByRole('heading', { level: 1, name: /Open/ }).waitFor();
    await postAndLoad(admin, () => admin.getByRole('button', { name: 'Create and show new links' }).click());
    await admin.getByRole('heading', { level: 1, name: /New survey links/ }).waitFor();
    // The admin nominated the markup rater, so its link is left out for another admin to send.
    await assertInert(admin, 'links page', [CAMPAIGN_NAME, PEOPLE.ada.name, PEOPLE.bo.name, '1 link(s) left out']);
    assert.equal(await admin.locator('tr', { hasText: RATER.email.toLowerCase() }).count(), 0, 'no link for a rater this admin chose');
    const row = admin.locator('tr', { hasText: 'Direct reports' }).first();
    xssSurveyUrl = await row.locator('a.survey-link').getAttribute('href');
    assert.match(xssSurveyUrl, /\/s\/[0-9a-f]{64}$/);

    const rater = await watchedPage();
    const r = await rater.goto(xssSurveyUrl);
    assertSecurityHeaders(r, 'survey');
    await assertInert(rater, 'survey about a markup leader', [`How do you see ${PEOPLE.ada.name}?`, CAMPAIGN_NAME]);

    // Sent incomplete with markup comments: the form comes back with the comments in it.
    const comments = COMMENTS('echo');
    for (const [code, text] of Object.entries(comments)) {
      await rater.locator(`textarea[name="comment_${code}"]`).fill(text);
    }
    const sent = await postAndLoad(rater, () => rater.getByRole('button', { name: 'Send my answers' }).click());
    assert.equal(sent.status(), 422);
    await assertInert(rater, 'survey returned with errors');
    for (const [code, text] of Object.entries(comments)) {
      assert.equal(await rater.locator(`textarea[name="comment_${code}"]`).inputValue(), text, `comment ${code} comes back as typed`);
    }
    await rater.context().close();
  });

  step('Maya nominates raters with markup names for a new campaign; Elena, her manager, approves them', async () => {
    await admin.goto(`${baseUrl}/admin/campaigns`);
    await admin.locator('#name').fill(WINTER);
    await submitUnvalidated(admin, 'form[action="/admin/campaigns"]', 'Create campaign');
    assert.ok(/\/admin\/campaigns\/\d+$/.test(admin.url()), `created: ${admin.url()}`);
    winterUrl = admin.url();
    await admin.locator('#leader-email').fill(MAYA.email);
    await submitUnvalidated(admin, `form[action$="/leaders"]`, 'Add leaders');

    const maya = await watchedPage();
    await signIn(maya, baseUrl, MAYA);
    await maya.goto(`${baseUrl}/me`);
    const form = 'form[action$="/raters"]';
    const openForm = () => maya.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    // Refused once (not an email): the form comes back with the markup name in it.
    await openForm();
    await maya.locator(`${form} input[name=name]`).fill(MAYA_RATERS[1].name);
    await maya.locator(`${form} input[name=email]`).fill(`not an email ${SCRIPT}`);
    const refused = await submitUnvalidated(maya, form, 'Nominate');
    assert.equal(refused.status(), 422);
    await assertInert(maya, 'refused nomination');
    assert.equal(await maya.locator(`${form} input[name=name]`).inputValue(), MAYA_RATERS[1].name, 'the name is kept, as a value');
    for (const rater of MAYA_RATERS) {
      await openForm();
      await maya.locator(`${form} input[name=name]`).fill(rater.name);
      await maya.locator(`${form} input[name=email]`).fill(rater.email);
      const r = await submitUnvalidated(maya, form, 'Nominate');
      assert.ok(r.status() < 400, `nominating ${rater.name}: HTTP ${r.status()}`);
    }
    await assertInert(maya, "Maya's page with her nominations", MAYA_RATERS.map((r) => r.name));
    await maya.context().close();

    const elena = await watchedPage();
    await signIn(elena, baseUrl, MANAGER);
    await elena.goto(`${baseUrl}/me/approvals`);
    await assertInert(elena, "Elena's approvals", MAYA_RATERS.map((r) => r.name));
    for (const rater of MAYA_RATERS) {
      const card = elena.locator('section.card', { hasText: rater.email });
      await card.getByRole('checkbox').check();
      const r = await postAndLoad(elena, () => card.getByRole('button', { name: /^Approve/ }).click());
      assert.ok(r.status() < 400, `approving ${rater.name}: HTTP ${r.status()}`);
    }
    assert.equal(await elena.getByRole('button', { name: /^Approve/ }).count(), 0, 'nothing left to approve');
    await elena.context().close();
  });

  step("opened, the new campaign's links as CSV are defused, and every one is the admin's to send", async () => {
    await admin.goto(winterUrl);
    await postAndLoad(admin, () => admin.getByRole('button', { name: 'Open the campaign' }).click());
    await admin.getByRole('heading', { level: 1, name: /Open/ }).waitFor();
    await assertInert(admin, 'Winter campaign page', MAYA_RATERS.map((r) => r.name));

    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Create new links as CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'leader,rater_name,rater_email,group,link');
    assert.ok(!/left out/.test(csv), `the admin chose none of these raters:\n${csv}`);
    const formulaLine = lines.find((l) => l.includes('HYPERLINK'));
    assert.ok(formulaLine.includes(`"'=HYPERLINK(""http://evil.example"",""x"")"`), `a formula is defused with a leading quote: ${formulaLine}`);
    for (const line of lines.slice(1)) {
      const cells = line.match(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g).map((c) => c.replace(/^,/, ''));
      for (const cell of cells) {
        assert.ok(!/^["]?[=+\-@\t\r]/.test(cell), `a CSV cell starts like a formula: ${cell}`);
      }
    }
    const linkOf = (line) => line.match(/,(http:\/\/[^,\s]+\/s\/[0-9a-f]{64})$/)[1];
    for (const rater of MAYA_RATERS) {
      const theirs = lines.filter((l) => l.includes(rater.email));
      assert.equal(theirs.length, 1, `one new link for ${rater.email}:\n${csv}`);
      mayaLinks.push(linkOf(theirs[0]));
    }
    mayaDirectLink = linkOf(lines.find((l) => l.includes(',Direct reports,')));
  });

  step('Maya\'s raters answer with markup comments', async () => {
    const links = [...mayaLinks, mayaDirectLink];
    for (const [i, link] of links.entries()) {
      const page = await watchedPage();
      const r = await page.goto(link);
      assert.equal(r.status(), 200, `survey ${i}`);
      await assertInert(page, `survey ${i} for Maya`, [`How do you see ${LEADER_NAME}?`]);
      await answerSurvey(page, COMMENTS(i));
      const resp = await postAndLoad(page, () => page.getByRole('button', { name: 'Send my answers' }).click());
      assert.ok([200, 303].includes(resp.status()), `sending survey ${i}: HTTP ${resp.status()}`);
      assert.equal(new URL(page.url()).pathname, '/thanks', `survey ${i} was accepted`);
      await page.context().close();
    }
  });

  step("Maya's home page lists her markup-named raters as text", async () => {
    const page = await watchedPage();
    await signIn(page, baseUrl, MAYA);
    await page.goto(`${baseUrl}/me`);
    await assertInert(page, "Maya's home page", MAYA_RATERS.map((r) => r.name));
    await page.context().close();
  });

  step('an API token with a markup name; the audit log shows markup actors as text', async () => {
    await admin.goto(`${baseUrl}/account`);
    await admin.locator('#token-name').fill(TOKEN_NAME);
    await admin.locator('input[name=scope]').first().check();
    const r = await submitUnvalidated(admin, 'form[action="/account/tokens"]', 'Create token');
    assert.equal(r.status(), 200);
    await assertInert(admin, 'account page with a markup token name', [TOKEN_NAME]);

    await admin.goto(`${baseUrl}/admin/audit`);
    await assertInert(admin, 'audit log', [SIGN_IN_EMAIL]);
  });

  step('admin closes the new campaign; Maya reads her report with the comments as text', async () => {
    await admin.goto(winterUrl);
    await Promise.all([
      admin.waitForLoadState('load'),
      admin.getByRole('link', { name: 'Close and release reports…' }).click(),
    ]);
    await postAndLoad(admin, () => admin.getByRole('button', { name: /^Close and release \d+ report/ }).click());
    await admin.getByRole('heading', { level: 1, name: /Closed/ }).waitFor();
    await assertInert(admin, 'closed Winter campaign page', MAYA_RATERS.map((r) => r.name));

    const page = await watchedPage();
    await signIn(page, baseUrl, MAYA);
    await page.goto(`${baseUrl}/me`);
    const card = page.locator('section.card', { has: page.getByRole('heading', { level: 2, name: new RegExp(WINTER) }) });
    await Promise.all([
      page.waitForURL(/\/me\/campaigns\/\d+\/report$/),
      card.getByRole('link', { name: 'Read your trust report' }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: `Trust report for ${LEADER_NAME}` }).waitFor();
    const withheld = await page.locator('section[aria-labelledby="comments"] p.muted').allTextContents();
    assert.equal(
      await page.locator('ul.comments li').count() > 0, true,
      `the comments are shown (${withheld.join(' ').trim()})`,
    );
    // The three new peers' comments are shown. The one direct report's answers may be left out
    // when that group is too small to show (the report says so); the page is checked for
    // injected markup either way.
    const texts = MAYA_RATERS.flatMap((_, i) => Object.values(COMMENTS(i)));
    await assertInert(page, "Maya's report", texts);
    const directReport = Object.values(COMMENTS(MAYA_RATERS.length))[0];
    if (await page.getByText(directReport).count() === 0) {
      const notes = (await page.locator('p.note').allTextContents()).join(' ');
      assert.match(notes, /left out|not shown|too few|fewer/i, `the direct report's comment is missing without a note: ${notes}`);
      console.log(`the direct report's comment is left out: ${notes}`);
    }
    await page.context().close();
  });
});
