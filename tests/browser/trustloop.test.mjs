// Real-Chromium end-to-end test of Trustloop's rater survey and trust report.
//
// Run from the repository root:   node --test tests/browser/
// The server binary is $TRUSTLOOP_BIN (default target/debug/trustloop, relative
// to the repository root); Chromium is Debian's /usr/bin/chromium ($CHROMIUM_BIN
// overrides it). Screenshots go to target/screenshots/.
//
// The steps share one demo server and depend on each other (the answered survey
// feeds the report), so once a step fails the later ones are skipped. The segment view
// test reads the demo's closed campaign only, so it runs whatever the steps did.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, MAYA, LEADER_NAME, CAMPAIGN, startDemo, launchChromium, stepper,
  newPage as newPageIn, signIn as signInAt, postResponse,
  PHONE, DESKTOP, shot, checkAxe, checkAxeAtBothWidths, noHorizontalOverflow,
} from './helpers.mjs';

const MEMBER = { email: 'tomas.varga@demo.trustloop.test', password: 'demo-member-2026' };
const COMMENT = `Keeps her promises about one-to-ones (browser test ${process.pid}-${Date.now()}).`;
const ELEMENT_SCORES = ['trust_index', 'relationships', 'judgement', 'consistency'];

let demo; // the demo server: { baseUrl, surveyUrl, log(), stop() }
let baseUrl;
let surveyUrl;
let browser;
const { step, broken } = stepper();

// ---------------------------------------------------------------- helpers

const newPage = (viewport) => newPageIn(browser, viewport);
const signIn = (page, who) => signInAt(page, baseUrl, who);

/** The contrast ratio of two CSS colours given as rgb()/rgba() strings (WCAG 2.1). */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// ---------------------------------------------------------------- the run

describe('Trustloop in real Chromium', { timeout: 600_000 }, () => {
  before(async () => {
    demo = await startDemo();
    baseUrl = demo.baseUrl;
    surveyUrl = demo.surveyUrl;
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

  let phone; // the rater's phone page, shared by the survey steps
  let itemCodes = [];

  step('survey: the printed link is for Maya Okafor, with screenshots and an axe check', async () => {
    // Desktop view first (a GET does not use up the link).
    const desk = await newPage(DESKTOP);
    const r = await desk.goto(surveyUrl);
    assert.equal(r.status(), 200);
    await shot(desk, 'survey-desktop.png');
    await checkAxe(desk, 'the survey page (desktop, 1280px)');
    await desk.context().close();

    phone = await newPage(PHONE);
    const resp = await phone.goto(surveyUrl);
    assert.equal(resp.status(), 200);
    await assert.doesNotReject(
      phone.getByRole('heading', { level: 1, name: `How do you see ${LEADER_NAME}?` }).waitFor({ timeout: 5000 }),
      'the survey heading should name Maya Okafor: the demo must print a link for one of her raters',
    );
    itemCodes = await phone.$$eval('fieldset.item', (fs) => fs.map((f) => f.id.replace(/^q-/, '')));
    assert.ok(itemCodes.length >= 12, `expected the whole instrument, found ${itemCodes.length} items`);
    for (const code of itemCodes) {
      assert.equal(await phone.locator(`input[type=radio][name="item_${code}"]`).count(), 6, `item ${code} has 1..5 and can't say`);
    }
    await shot(phone, 'survey-phone.png');
    await noHorizontalOverflow(phone, 'survey on a phone');
    await checkAxe(phone, 'the survey page');
  });

  step('survey: sending nothing shows an error summary and marks every missing item', async () => {
    const posted = postResponse(phone);
    await phone.getByRole('button', { name: 'Send my answers' }).click();
    const resp = await posted;
    assert.equal(resp.status(), 422, 'an incomplete survey is answered with 422');
    await phone.waitForLoadState('domcontentloaded');

    const summary = phone.getByRole('alert');
    await summary.waitFor();
    const heading = (await summary.getByRole('heading').textContent()).trim();
    assert.match(heading, new RegExp(`^${itemCodes.length}\\b`), `summary heading counts the ${itemCodes.length} missing answers: "${heading}"`);
    const targets = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(targets, itemCodes.map((c) => `#q-${c}`), 'the summary links to every missing item, in order');

    for (const code of itemCodes) {
      const fs = phone.locator(`fieldset#q-${code}`);
      await assert.doesNotReject(fs.locator('.field-error').waitFor({ timeout: 2000 }), `item ${code} shows its own error message`);
      const describedBy = await fs.getAttribute('aria-describedby');
      assert.ok(describedBy, `item ${code}'s fieldset points at its error with aria-describedby`);
      assert.equal(await phone.locator(`#${describedBy}`).count(), 1);
    }
    // Focus starts on the summary (WCAG 3.3.1, 2.4.3), so it is read out and in view on a phone.
    assert.equal(
      await phone.evaluate(() => document.activeElement?.hasAttribute('data-error-summary')),
      true,
      `focus is on the error summary after sending, not on ${await phone.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`,
    );
    assert.ok(await summary.isVisible(), 'the summary is on screen');
    const top = await summary.evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(top > -2 && top < PHONE.height / 2, `the summary is at the top of the phone's viewport (top ${top}px)`);
    // A link in the summary takes you to the item, and focus to its answers.
    await summary.locator('a').nth(2).click();
    assert.equal(new URL(phone.url()).hash, `#q-${itemCodes[2]}`);
    await phone.waitForFunction(
      (code) => document.activeElement?.closest('fieldset')?.id === `q-${code}`,
      itemCodes[2],
      { timeout: 2000 },
    );
    assert.equal(
      await phone.evaluate(() => document.activeElement.getAttribute('type')),
      'radio',
      'focus is on the first answer of the item the link names',
    );

    await shot(phone, 'survey-errors-phone.png');
    await checkAxe(phone, 'the survey page showing errors');
  });

  step('survey: answered with the keyboard and the mouse, sent once, then the link is used up', async () => {
    const [first, second, ...rest] = itemCodes;

    // Keyboard: focus the first radio of the first item, Space to choose, arrows to move.
    await phone.locator(`input[name="item_${first}"][value="1"]`).focus();
    await phone.keyboard.press('Space');
    await phone.keyboard.press('ArrowRight');
    await phone.keyboard.press('ArrowRight');
    await phone.keyboard.press('ArrowRight');
    assert.equal(await phone.locator(`input[name="item_${first}"]:checked`).getAttribute('value'), '4', 'Space then 3 × ArrowRight chooses 4');
    // Tab moves to the next question's radio group; Space chooses, ArrowDown moves on.
    await phone.keyboard.press('Tab');
    assert.equal(await phone.evaluate(() => document.activeElement.name), `item_${second}`, 'Tab goes to the next question');
    await phone.keyboard.press('Space');
    await phone.keyboard.press('ArrowDown');
    await phone.keyboard.press('ArrowDown');
    assert.equal(await phone.locator(`input[name="item_${second}"]:checked`).getAttribute('value'), '3', 'Space then 2 × ArrowDown chooses 3');
    const outline = await phone.evaluate(() => getComputedStyle(document.activeElement.closest('label')).outlineStyle);
    assert.notEqual(outline, 'none', 'the keyboard-focused choice has a visible focus outline');

    // Mouse (tap) for the rest, one of them "Can't say".
    const picks = ['5', '4', '4', '5', '3', '4', '5', '4', '2', '4', '5', '4', '4', '5', '4'];
    for (const [i, code] of rest.entries()) {
      const value = i === 3 ? 'cant_say' : picks[i % picks.length];
      await phone
        .locator(`fieldset#q-${code} label.choice`, { has: phone.locator(`input[value="${value}"]`) })
        .click();
      assert.equal(await phone.locator(`input[name="item_${code}"]:checked`).getAttribute('value'), value);
    }
    assert.equal(await phone.locator('fieldset.item input[type=radio]:checked').count(), itemCodes.length);

    await phone.getByLabel('What should this person continue doing?').fill(COMMENT);

    const posted = postResponse(phone);
    await phone.getByRole('button', { name: 'Send my answers' }).click();
    const resp = await posted;
    assert.ok([200, 303].includes(resp.status()), `sending answers: HTTP ${resp.status()}`);
    await phone.waitForURL((u) => u.pathname === '/thanks');
    assert.match(await phone.title(), /^Thank you/);
    await phone.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    await shot(phone, 'thanks-phone.png');

    // Nobody, not even whoever holds the link, can tell from its page that it was used.
    const again = await phone.goto(surveyUrl);
    assert.equal(again.status(), 200, 'a used link opens like an unused one');
    assert.equal(await phone.locator('form.survey').count(), 1, 'the same survey form');
    assert.ok(
      (await phone.locator('form.survey').textContent()).includes('Trustloop shows nobody whether a link has been used'),
      'the survey says so',
    );
    await phone.context().close();
  });

  step('admin closes the Autumn campaign and releases the reports', async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, ADMIN);
    await page.goto(`${baseUrl}/admin`);
    await Promise.all([
      page.waitForURL(/\/admin\/campaigns\/\d+$/),
      page.getByRole('link', { name: CAMPAIGN }).first().click(),
    ]);
    const h1 = page.getByRole('heading', { level: 1 });
    assert.match(await h1.textContent(), /Open/);
    // Every progress bar is named by its rater group (WCAG 4.1.2) and says its count in text.
    const bars = page.getByRole('progressbar');
    const total = await bars.count();
    assert.ok(total >= 3, `progress bars per rater group (${total})`);
    const named = page.getByRole('progressbar', { name: /^(Self|Manager|Peers|Direct reports|Others)$/ });
    assert.equal(await named.count(), total, 'each progress bar has its group as its accessible name');
    const described = await page.locator('progress').evaluateAll((ps) =>
      ps.every((p) => /^\d+ of \d+$/.test(document.getElementById(p.getAttribute('aria-describedby'))?.textContent.trim() ?? '')));
    assert.ok(described, 'each progress bar is described by its count in text');
    await checkAxeAtBothWidths(page, 'the open campaign page', 'campaign');
    await page.setViewportSize(DESKTOP);
    // Closing goes through a page that says what it releases, and asks again.
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('link', { name: 'Close and release reports…' }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: /and release its reports\?/ }).waitFor();
    await checkAxeAtBothWidths(page, 'the page that confirms closing', 'close');
    await page.setViewportSize(DESKTOP);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: /^Close and release \d+ report/ }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: /Closed/ }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Close and release reports…' }).count(), 0);

    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/admin')),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    const after = await page.goto(`${baseUrl}/admin`);
    assert.ok(new URL(page.url()).pathname.startsWith('/sign-in') || after.status() >= 400, 'signed out: /admin is no longer open');
    await page.context().close();
  });

  step("Maya reads her Autumn trust report: scores, the rater's comment, axe, screenshots", async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, MAYA);
    await page.goto(`${baseUrl}/me`);
    const card = page.locator('section.card', { has: page.getByRole('heading', { level: 2, name: new RegExp(CAMPAIGN) }) });
    await Promise.all([
      page.waitForURL(/\/me\/campaigns\/\d+\/report$/),
      card.getByRole('link', { name: 'Read your trust report' }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: `Trust report for ${LEADER_NAME}` }).waitFor();
    assert.match(await page.content(), new RegExp(CAMPAIGN));

    for (const slug of ELEMENT_SCORES) {
      const el = page.getByTestId(`score-${slug}`);
      assert.equal(await el.count(), 1, `score-${slug} is on the report`);
      const text = (await el.textContent()).trim();
      assert.match(text, /^\d{1,3}$/, `score-${slug} is a whole number, got "${text}"`);
      const n = Number(text);
      assert.ok(n >= 0 && n <= 100, `score-${slug} is within 0–100, got ${n}`);
    }

    // The demo organisation is seeded: enough of Maya's raters comment on this question for
    // its comments to be shown, so the rater's comment must be among them (a report that
    // withheld them here would be a defect, not a pass).
    const comments = page.locator('section[aria-labelledby="comments"]');
    const all = (await comments.locator('ul.comments li').allTextContents()).map((s) => s.trim());
    assert.ok(all.length >= 3, `comments are shown (${all.length})`);
    assert.ok(all.includes(COMMENT), `the rater's comment is shown among ${all.length} comments`);

    // The statistics are folded away, one click from a figure: the reliability word opens them.
    const how = page.locator('details#how');
    assert.equal(await how.evaluate((d) => d.open), false, 'How these numbers are made starts folded');
    await page.locator('a.rel').first().click();
    assert.equal(await how.evaluate((d) => d.open), true, 'a figure\'s link opens How these numbers are made');
    assert.ok(await page.locator('#how-reliability').isVisible(), 'and shows what the word means');
    await how.evaluate((d) => { d.open = false; });

    // The focus ring stands out at least 3:1 against the card and the page (WCAG 1.4.11).
    await page.locator('a.rel').first().focus();
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
    for (const background of ['rgb(255, 255, 255)', 'rgb(244, 246, 250)']) {
      const ratio = contrast(ring, background);
      assert.ok(ratio >= 3, `focus ring ${ring} against ${background}: ${ratio.toFixed(2)}:1`);
    }

    const headers = (await page.locator('table.items thead th').allTextContents()).map((h) => h.trim());
    assert.ok(headers.length >= 3, `the statements table has column headers: ${headers}`);
    await shot(page, 'report-desktop.png');
    await shot(page, 'report-phone.png', PHONE);
    await noHorizontalOverflow(page, 'report on a phone');
    // At phone width the statements table keeps its column headers for assistive technology.
    for (const name of headers) {
      assert.equal(await page.getByRole('columnheader', { name, exact: true }).count(), 1, `column header ${name} on a phone`);
    }
    // The answer counts are text on the page, not only in an aria-label.
    const counts = await page.locator('table.items .counts').first().textContent();
    assert.match(counts, /\d+ (Strongly disagree|Disagree|Neither agree nor disagree|Agree|Strongly agree)/, `counts as text: ${counts}`);
    // axe at both widths: some rules (scrollable regions, reflow) only fire on a narrow screen.
    const failures = [];
    for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      await page.setViewportSize(viewport);
      try {
        await checkAxe(page, `the trust report (${label}, ${viewport.width}px)`);
      } catch (e) {
        failures.push(e.message);
      }
    }
    assert.equal(failures.length, 0, failures.join('\n'));
    await page.context().close();
  });

  it('admin compares trust by location with the keyboard on a phone, and reads a refusal beside the form', { timeout: 180_000 }, async () => {
    const page = await newPage(PHONE);
    await signIn(page, ADMIN);
    await page.goto(`${baseUrl}/admin/campaigns`);
    await Promise.all([
      page.waitForURL(/\/admin\/campaigns\/\d+$/),
      page.getByRole('link', { name: 'Spring trust 360' }).first().click(),
    ]);
    await Promise.all([
      page.waitForURL(/\/segments$/),
      page.getByRole('link', { name: 'Trust by segment' }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: 'Trust by segment' }).waitFor();
    await noHorizontalOverflow(page, 'segment form on a phone');

    // Keyboard only: focus "Compare by", pick "location" by typing, then Tab to Show and press Enter.
    const by = page.getByLabel('Compare by');
    await by.focus();
    await page.keyboard.type('location');
    assert.equal(await by.inputValue(), 'location', 'typing picks the option');
    let tabs = 0;
    while (!(await page.evaluate(() => document.activeElement?.textContent?.trim() === 'Show')) && tabs < 20) {
      await page.keyboard.press('Tab');
      tabs += 1;
    }
    await Promise.all([page.waitForURL(/by=location/), page.keyboard.press('Enter')]);
    const table = page.getByRole('group', { name: 'Table: trust by segment' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.startsWith('All selected')), `a total row: ${rows.join(' | ')}`);
    assert.ok(rows.some((r) => r.startsWith('location:')), `rows by location: ${rows.join(' | ')}`);
    await noHorizontalOverflow(page, 'segment view on a phone');
    await shot(page, 'segments-phone.png');
    await shot(page, 'segments-desktop.png', DESKTOP);
    const failures = [];
    for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      await page.setViewportSize(viewport);
      try {
        await checkAxe(page, `trust by segment (${label}, ${viewport.width}px)`);
      } catch (e) {
        failures.push(e.message);
      }
    }
    assert.equal(failures.length, 0, failures.join('\n'));

    // A filter nobody matches is refused in words beside the form, not on an error page.
    await page.setViewportSize(PHONE);
    const url = new URL(page.url());
    await page.goto(`${url.origin}${url.pathname}?f=location:Atlantis`);
    const alert = page.getByRole('alert');
    assert.match(await alert.textContent(), /Nobody in the organisation/);
    assert.equal(await page.getByRole('button', { name: 'Show' }).count(), 1, 'the form is still there');
    await noHorizontalOverflow(page, 'segment refusal on a phone');
    await checkAxe(page, 'trust by segment with a refusal (phone)');
    await page.context().close();
  });
  // After the segment view, which must be decided against no earlier view of the campaign.
  it('the admin pages pass axe at desktop and phone width: heatmap, quality, people, audit', { timeout: 180_000 }, async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, ADMIN);
    const campaignPath = async (name) => {
      await page.goto(`${baseUrl}/admin/campaigns`);
      await Promise.all([
        page.waitForURL(/\/admin\/campaigns\/\d+$/),
        page.getByRole('link', { name }).first().click(),
      ]);
      return new URL(page.url()).pathname;
    };

    await page.goto(`${baseUrl}${await campaignPath('Spring trust 360')}/teams`);
    await page.getByRole('heading', { level: 1, name: 'Trust by team' }).waitFor();
    // The colour key, and every shown cell's value in text.
    const legend = await page.locator('ul.heat-legend li').allTextContents();
    assert.deepEqual(legend.map((t) => t.trim()).slice(0, 5), ['0–19', '20–39', '40–59', '60–79', '80–100'], 'a legend of the five bands');
    const cells = await page.locator('table.heatmap td[class^="heat"]:not(.heat-none)').allTextContents();
    assert.ok(cells.length > 0 && cells.every((c) => /^\d{1,3}$/.test(c.trim())), `each coloured cell shows its value: ${cells.slice(0, 8)}`);
    await checkAxeAtBothWidths(page, 'trust by team', 'teams');
    await noHorizontalOverflow(page, 'trust by team on a phone');

    await page.setViewportSize(DESKTOP);
    await page.goto(`${baseUrl}${await campaignPath('Spring trust 360')}/quality`);
    await page.getByRole('heading', { level: 1, name: 'Measurement quality' }).waitFor();
    const meaning = (await page.getByTestId('/elements/0/shown/meaning').textContent()).trim();
    assert.match(meaning, /^Answers to the \w+ relationships statements hang together/, meaning);
    await checkAxeAtBothWidths(page, 'measurement quality', 'quality');
    await noHorizontalOverflow(page, 'measurement quality on a phone');

    for (const [path, label, name] of [['/admin/people', 'the people list', 'people'], ['/admin/audit', 'the audit log', 'audit']]) {
      await page.setViewportSize(DESKTOP);
      await page.goto(`${baseUrl}${path}`);
      await checkAxeAtBothWidths(page, label, name);
      await noHorizontalOverflow(page, `${label} on a phone`);
      // A table wider than a phone scrolls in a focusable region that says so.
      const region = page.locator('.table-wrap').first();
      assert.equal(await region.getAttribute('tabindex'), '0', `${label}: the scrolling table can take focus`);
      if (await region.evaluate((r) => r.scrollWidth > r.clientWidth)) {
        assert.ok(await region.evaluate((r) => r.classList.contains('is-scrollable')), `${label}: a wide table says it scrolls`);
      }
    }
    await page.context().close();
  });

  step('pulse: the demo member answers this week\'s team pulse on a 390 px phone with the keyboard, once', async () => {
    const page = await newPage(PHONE);
    await signIn(page, MEMBER);
    await page.goto(`${baseUrl}/me`);
    await page.getByRole('heading', { level: 2, name: 'Your team pulse' }).waitFor();
    await page.getByRole('link', { name: 'Answer this round' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your team pulse' }).waitFor();
    await shot(page, 'pulse-answer-phone.png');
    await noHorizontalOverflow(page, 'the pulse form on a phone');
    await checkAxe(page, 'the pulse form (phone, 390px)');
    const fieldsets = page.locator('fieldset.item');
    const count = await fieldsets.count();
    assert.ok(count >= 3 && count <= 6, `3 to 6 statements, found ${count}`);
    for (let i = 0; i < count; i += 1) {
      // Keyboard only: focus the scale's "4" and select it with the space bar.
      const four = fieldsets.nth(i).locator('input[type=radio][value="4"]');
      await four.focus();
      await page.keyboard.press('Space');
      assert.ok(await four.isChecked(), `statement ${i + 1} answered from the keyboard`);
    }
    const posted = postResponse(page);
    await page.getByRole('button', { name: 'Send my answer' }).focus();
    await page.keyboard.press('Enter');
    assert.equal((await posted).status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    await page.goto(`${baseUrl}/me`);
    assert.match(await page.locator('#my-pulse').locator('..').textContent(), /answered, thank you/);
    await page.context().close();
  });

  step('pulse: the leader follows the alert to the trend chart with its band, table, change and lessons', async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, MAYA);
    await page.goto(`${baseUrl}/me`);
    const alert = page.locator('section.alert-card');
    await alert.getByRole('heading', { level: 2 }).waitFor();
    const lessons = await alert.locator('a[href^="/learn/"]').count();
    assert.ok(lessons >= 1, 'the alert links the lesson of each element that fell');
    await alert.locator('a[href^="/pulse/"]').first().click();
    await page.getByRole('heading', { level: 2, name: 'Trust Index, round by round' }).waitFor();
    assert.equal(await page.locator('svg[role="img"] polygon.band').count(), 1, 'the interval band');
    assert.ok(await page.locator('svg[role="img"] circle.dot').count() >= 40, 'a dot per shown round');
    const rows = await page.locator('table').first().locator('tbody tr').count();
    assert.ok(rows >= 52, `a table row per round, for screen readers: ${rows}`);
    await page.getByRole('heading', { level: 3, name: 'Since the previous round' }).waitFor();
    assert.match(await page.locator('main').textContent(), /a real fall/);
    await page.getByLabel('Compare the latest round with round').selectOption('1');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('heading', { level: 3, name: 'Since the baseline' }).waitFor();
    assert.match(await page.locator('main').textContent(), /Did trust hold through the change\?/);
    await checkAxeAtBothWidths(page, 'the team trend', 'pulse-trend');
    await noHorizontalOverflow(page, 'the team trend on a phone');
    await page.context().close();
  });

  step('pulse: the pulse home and the organisation over time pass axe at both widths', async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, ADMIN);
    await page.goto(`${baseUrl}/pulse`);
    await page.getByRole('heading', { level: 1, name: 'Team trust pulse' }).waitFor();
    await checkAxeAtBothWidths(page, 'the pulse home', 'pulse-home');
    await noHorizontalOverflow(page, 'the pulse home on a phone');
    await page.setViewportSize(DESKTOP);
    await page.getByRole('link', { name: 'Organisation over time' }).first().click();
    await page.getByRole('heading', { level: 2, name: 'Up the reporting lines' }).waitFor();
    await checkAxeAtBothWidths(page, 'the organisation over time', 'pulse-org');
    await noHorizontalOverflow(page, 'the organisation over time on a phone');
    await page.context().close();
  });

});
