// Shared helpers of the real-Chromium tests in this folder: start a demo server, launch
// Chromium, sign in, and run dependent steps. Not a test file itself (node --test only picks up
// *.test.mjs here).
//
// The server binary is $TRUSTLOOP_BIN (default target/debug/trustloop, relative to the
// repository root); Chromium is Debian's /usr/bin/chromium ($CHROMIUM_BIN overrides it).

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const bin = path.resolve(repoRoot, process.env.TRUSTLOOP_BIN || 'target/debug/trustloop');
export const chromiumBin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** The demo's sign-ins. */
export const ADMIN = { email: 'admin@demo.trustloop.test', password: 'demo-admin-2026' };
export const MAYA = { email: 'maya.okafor@demo.trustloop.test', password: 'demo-leader-2026' };
/** Elena Rossi, the chief executive: Maya's manager, who approves the raters nominated for her. */
export const MANAGER = { email: 'elena.rossi@demo.trustloop.test', password: 'demo-manager-2026' };
export const LEADER_NAME = 'Maya Okafor';
export const CAMPAIGN = 'Autumn trust 360';

/** The viewports every page is checked at: a phone and a desktop. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const shotsDir = path.join(repoRoot, 'target', 'screenshots');

function serverEnv() {
  const env = { ...process.env };
  delete env.TRUSTLOOP_BIN;
  return env;
}

/**
 * Starts `trustloop demo --port 0 --data-dir <tmp> --fresh` and waits until it has printed its
 * address and survey link and answers /healthz. Returns
 * `{ baseUrl, surveyUrl, log(), stop() }`; `stop()` ends the server and removes its data.
 */
export async function startDemo() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trustloop-browser-'));
  assert.ok(existsSync(bin), `server binary not found at ${bin} (build it, or set TRUSTLOOP_BIN)`);
  let log = '';
  const server = spawn(bin, ['demo', '--port', '0', '--data-dir', dataDir, '--fresh'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // TRUSTLOOP_BIN is this harness's setting, not the server's (which warns about it).
    env: { ...serverEnv(), RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  server.stderr.on('data', (d) => { log += d.toString(); });

  const kill = () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const pid = server.pid;
      setTimeout(() => {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }, 3000).unref();
    }
  };
  process.on('exit', kill);

  const stop = async () => {
    kill();
    if (server.exitCode === null && server.signalCode === null) {
      await new Promise((r) => { server.once('exit', r); setTimeout(r, 5000).unref(); });
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  let found;
  try {
    found = await new Promise((resolve, reject) => {
      let address;
      let link;
      const timer = setTimeout(
        () => reject(new Error(`the demo did not print its address and survey link within 60 s.\nstdout/stderr so far:\n${log}`)),
        60_000,
      );
      const lines = createInterface({ input: server.stdout });
      lines.on('line', (line) => {
        log += line + '\n';
        const a = line.match(/Trustloop demo is running at (http:\/\/\S+)/);
        if (a) address = a[1].replace(/\/$/, '');
        const s = line.match(/Answer a survey as a rater \(open campaign\):\s*(http:\/\/\S+\/s\/\S+)/);
        if (s) link = s[1];
        if (address && link) {
          clearTimeout(timer);
          resolve({ address, link });
        }
      });
      server.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the demo server exited early (code ${code}, signal ${signal}):\n${log}`));
      });
    });

    // Ready when /healthz answers 200: poll, no fixed sleep.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${found.address}/healthz`);
        if (r.status === 200) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`${found.address}/healthz never answered 200:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl: found.address, surveyUrl: found.link, log: () => log, stop };
}

/**
 * Starts a demo server and Chromium before the tests of the suite it is called in, and stops
 * both after them, printing the server's log when `broken()` names a failed step. Returns
 * `{ demo, browser }`, filled in once both have started.
 */
export function demoAndChromium(broken) {
  const running = { demo: null, browser: null };
  before(async () => {
    running.demo = await startDemo();
    running.browser = await launchChromium();
  });
  after(async () => {
    try {
      if (running.browser) await running.browser.close();
    } finally {
      if (running.demo) {
        await running.demo.stop();
        if (broken()) console.log(`server log:\n${running.demo.log()}`);
      }
    }
  });
  return running;
}

/** Launches headless Chromium. */
export function launchChromium() {
  return chromium.launch({
    executablePath: chromiumBin,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** A page in a fresh browser context (its own cookies). */
export async function newPage(browser, viewport) {
  const context = await browser.newContext({ viewport, locale: 'en-GB' });
  return context.newPage();
}

/** Signs `who` in through the sign-in form. */
export async function signIn(page, baseUrl, who) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/sign-in')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** The response to the next form POST that navigates the page. */
export const postResponse = (page) =>
  page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());

/**
 * Steps that depend on each other: `const { step, broken } = stepper();` then
 * `step(name, fn)`. Once a step fails the later ones are skipped; `broken()` names the first
 * failed step (or null).
 */
export function stepper() {
  let broken = null;
  const step = (name, fn) => {
    it(name, { timeout: 180_000 }, async (t) => {
      if (broken) {
        t.skip(`skipped: earlier step failed (${broken})`);
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        broken = name;
        throw e;
      }
    });
  };
  return { step, broken: () => broken };
}

/** A full-page screenshot in target/screenshots/`name` (at `viewport`, when given). */
export async function shot(page, name, viewport) {
  mkdirSync(shotsDir, { recursive: true });
  if (viewport) await page.setViewportSize(viewport);
  const file = path.join(shotsDir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Runs axe-core on the page; prints every violation; fails on any (minor ones included). */
export async function checkAxe(page, label) {
  // Injected through the DevTools protocol, so the page's own Content-Security-Policy
  // (script-src 'self') stays in force for everything the page itself runs.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
  const describeV = (v) =>
    `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element(s))\n` +
    v.nodes.slice(0, 8).map((n) => `      at ${n.target}\n        ${(n.summary || '').replace(/\n/g, '\n        ')}`).join('\n') +
    (v.nodes.length > 8 ? `\n      … and ${v.nodes.length - 8} more` : '');
  if (result.length) {
    console.log(`axe on ${label} (${page.url()}): ${result.length} violation(s)\n${result.map(describeV).join('\n')}`);
  } else {
    console.log(`axe on ${label}: no violations`);
  }
  assert.equal(
    result.length,
    0,
    `axe found ${result.length} accessibility violation(s) on ${label}:\n${result.map(describeV).join('\n')}`,
  );
}

/** axe at desktop and phone width (some rules only fire on a narrow screen), with a
 * screenshot at each under `name`-desktop.png and `name`-phone.png. */
export async function checkAxeAtBothWidths(page, label, name) {
  const failures = [];
  for (const [width, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    if (name) await shot(page, `${name}-${width}.png`);
    try {
      await checkAxe(page, `${label} (${width}, ${viewport.width}px)`);
    } catch (e) {
      failures.push(e.message);
    }
  }
  assert.equal(failures.length, 0, failures.join('\n'));
}

export async function noHorizontalOverflow(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client + 1, `${label}: the page scrolls sideways (content ${scroll}px wide in a ${client}px viewport)`);
}

/**
 * Registers the hooks of a describe block that runs against its own demo server and Chromium:
 * started before its tests, stopped after them (with the server's log printed when `broken()`
 * names a failed step). Returns a holder whose `demo`, `baseUrl` and `browser` are set once
 * the hooks ran.
 */
export function withDemoAndChromium(before, after, broken) {
  const held = { demo: null, baseUrl: null, browser: null };
  before(async () => {
    held.demo = await startDemo();
    held.baseUrl = held.demo.baseUrl;
    held.browser = await launchChromium();
  });
  after(async () => {
    try {
      if (held.browser) await held.browser.close();
    } finally {
      if (held.demo) {
        await held.demo.stop();
        if (broken()) console.log(`server log:\n${held.demo.log()}`);
      }
    }
  });
  return held;
}
