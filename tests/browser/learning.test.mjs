// Real-Chromium test of the learning module: the demo leader, on a phone-sized screen and with
// the keyboard only, opens a lesson from her list, marks it read, writes a private reflection,
// takes the knowledge check (not passed), reads every option's explanation, retakes it and
// passes. Every learning page passes axe-core at 1280 and 390 px, and a lesson prints without
// the navigation and forms.
//
// Run from the repository root:   node --test tests/browser/
// (see helpers.mjs for the server binary and Chromium it uses).

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ADMIN, MAYA, PHONE, DESKTOP, repoRoot, demoAndChromium, stepper, newPage as newPageIn, signIn as signInAt,
  shot, checkAxeAtBothWidths, noHorizontalOverflow,
} from './helpers.mjs';

const LESSON = 'consistency';
const REFLECTION = `A promise I let slip: the roadmap review (browser test ${process.pid}).`;

/** The position of the correct option of each question of a built-in lesson, read from its
 * file (the test knows the answers the way a careful reader would). */
function correctOptions(file) {
  const text = readFileSync(path.join(repoRoot, 'crates/domain/lessons/en', file), 'utf8');
  const front = text.split(/^\+\+\+$/m)[1];
  return front.split(/^\[\[questions\]\]$/m).slice(1).map((question) => {
    const options = question.split(/^\s*\[\[questions\.options\]\]\s*$/m).slice(1);
    return options.findIndex((o) => /^\s*correct\s*=\s*true\s*$/m.test(o));
  });
}

/** Presses Tab until the focused element matches `selector` (at most `limit` times). */
async function tabTo(page, selector, limit = 120) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Answers the check with the keyboard: into each question's group with Tab, Space on its
 * first option, then ArrowDown to the option wanted; then Enter on the submit button. */
async function answerCheck(page, picks) {
  for (let n = 0; n < picks.length; n += 1) {
    await tabTo(page, `fieldset.question:nth-of-type(${n + 1}) input[type=radio]`);
    await page.keyboard.press('Space');
    for (let k = 0; k < picks[n]; k += 1) await page.keyboard.press('ArrowDown');
  }
  await tabTo(page, 'form[action$="/check"] button[type=submit]');
  await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
  await page.getByTestId('check-result').waitFor();
}

const { step, broken } = stepper();

describe('The learning module in real Chromium', { timeout: 600_000 }, () => {
  const running = demoAndChromium(broken);
  const newPage = (viewport) => newPageIn(running.browser, viewport);
  const signIn = (page, who) => signInAt(page, running.demo.baseUrl, who);
  const url = (path) => `${running.demo.baseUrl}${path}`;

  let phone; // Maya's phone, shared by the steps

  step('Maya finds her lessons with her progress and latest scores; the list passes axe', async () => {
    phone = await newPage(PHONE);
    await signIn(phone, MAYA);
    await phone.goto(url('/learn'));
    const progress = (await phone.getByTestId('learning-progress').textContent()).replace(/\s+/g, ' ');
    assert.match(progress, /You have read 2 of 7 lessons and passed 1 of 7 checks/, progress);
    const score = (await phone.getByTestId('score-consistency').textContent()).trim();
    assert.match(score, /^\d{1,3}$/, `her latest consistency score: ${score}`);
    await checkAxeAtBothWidths(phone, 'the learner page', 'learn');
    await phone.setViewportSize(PHONE);
    await noHorizontalOverflow(phone, 'the learner page on a phone');
  });

  step('on a phone, with the keyboard only: open the lesson and mark it read', async () => {
    await phone.goto(url('/learn'));
    await tabTo(phone, `a[href="/learn/${LESSON}"]`);
    await Promise.all([phone.waitForURL(`**/learn/${LESSON}`), phone.keyboard.press('Enter')]);
    await phone.getByRole('heading', { level: 1 }).waitFor();
    await noHorizontalOverflow(phone, 'the lesson on a phone');
    const practice = phone.locator('#practice');
    assert.ok((await practice.getAttribute('data-practice-title')).length > 0, 'the practice carries its plan hook');
    assert.equal(await practice.locator('button').count(), 0, 'no button for a plan that does not exist yet');
    await tabTo(phone, 'form[action$="/read"] button');
    await Promise.all([phone.waitForURL(`**/learn/${LESSON}#progress`), phone.keyboard.press('Enter')]);
    await phone.getByTestId('lesson-read').waitFor();
  });

  step('a reflection, written and saved with the keyboard, says plainly it is private', async () => {
    const note = await phone.locator('#private-note').textContent();
    assert.match(note, /private to you/);
    await tabTo(phone, 'textarea[name="r-r1"]');
    await phone.keyboard.type(REFLECTION);
    await tabTo(phone, 'form[action$="/reflections"] button');
    await Promise.all([phone.waitForURL(/saved=1/), phone.keyboard.press('Enter')]);
    assert.equal(await phone.locator('textarea[name="r-r1"]').inputValue(), REFLECTION);
    await phone.getByRole('status').filter({ hasText: 'Your answers are saved.' }).waitFor();
  });

  step('the check, answered badly, explains every option; a retake passes', async () => {
    const correct = correctOptions('04-consistency.md');
    assert.ok(correct.length >= 3 && correct.every((c) => c >= 0), `one correct option each: ${correct}`);
    // Every answer wrong: the option after the correct one.
    const options = await phone.locator('fieldset.question').evaluateAll((fs) => fs.map((f) => f.querySelectorAll('input').length));
    await answerCheck(phone, correct.map((c, n) => (c + 1) % options[n]));
    const result = (await phone.getByTestId('check-result').textContent()).replace(/\s+/g, ' ');
    assert.match(result, /You answered 0 of \d right \(0%\)/, result);
    const explanations = await phone.locator('.explained li .explanation').count();
    assert.equal(explanations, options.reduce((a, b) => a + b, 0), 'an explanation for every option');
    await checkAxeAtBothWidths(phone, 'a lesson with a failed check', 'lesson-check');
    await phone.setViewportSize(PHONE);
    await noHorizontalOverflow(phone, 'the check result on a phone');

    await tabTo(phone, 'a[href$="#check"]');
    await Promise.all([phone.waitForURL(`**/learn/${LESSON}#check`), phone.keyboard.press('Enter')]);
    await answerCheck(phone, correct);
    const passed = (await phone.getByTestId('check-result').textContent()).replace(/\s+/g, ' ');
    assert.match(passed, /You answered (\d) of \1 right \(100%\)\. You passed\./, passed);
    await shot(phone, 'lesson-passed-phone.png');
  });

  step('the lesson page passes axe, and prints without navigation or forms', async () => {
    await phone.goto(url(`/learn/${LESSON}`));
    await checkAxeAtBothWidths(phone, 'the lesson page', 'lesson');
    await phone.emulateMedia({ media: 'print' });
    const shown = (selector) => phone.locator(selector).first().evaluate((e) => getComputedStyle(e).display !== 'none');
    assert.equal(await shown('header.top'), false, 'no site navigation on paper');
    assert.equal(await shown('form[action$="/check"]'), false, 'no check form on paper');
    assert.equal(await shown('.lesson-nav'), false, 'no lesson navigation on paper');
    assert.equal(await shown('.lesson-body'), true, 'the text prints');
    assert.equal(await shown('#practice'), true, 'the practice prints');
    await shot(phone, 'lesson-print.png');
    await phone.emulateMedia({ media: 'screen' });
    await phone.context().close();
  });

  step('the admin sees learning by team, never a reflection; the page passes axe', async () => {
    const page = await newPage(DESKTOP);
    await signIn(page, ADMIN);
    await page.goto(url('/admin/learning'));
    await page.getByRole('heading', { level: 1, name: 'Learning by team' }).waitFor();
    assert.ok(await page.locator('tbody tr').count() > 0, 'teams with enough learners are shown');
    assert.equal((await page.content()).includes(REFLECTION), false);
    await checkAxeAtBothWidths(page, 'learning by team', 'admin-learning');
    await page.setViewportSize(PHONE);
    await noHorizontalOverflow(page, 'learning by team on a phone');
    await page.context().close();
  });
});
