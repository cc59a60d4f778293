// Small enhancements; every page works without them.
//
// - A link to a part of the page inside a closed <details> ("How these numbers are made") opens
//   it, in browsers that do not do so themselves.
// - The error summary of a form takes focus when the page loads (its autofocus attribute does
//   this too, where the browser honours it), and its links move focus to the field they name,
//   not only scroll to it.
// - A table wider than its box says so ("Scroll sideways …") while it is.
// - A people search (the campaign page's "Find people") shows who it finds as you type, from
//   the same page its form asks for without JavaScript.
'use strict';

(function () {
  function openAround(element) {
    for (let d = element && element.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
      d.open = true;
    }
  }

  function targetOf(hash) {
    if (!hash || hash.length < 2) return null;
    try {
      return document.getElementById(decodeURIComponent(hash.slice(1)));
    } catch (e) {
      return null;
    }
  }

  // The first field of a form part: the chosen radio, else the first input, select or textarea.
  function fieldIn(target) {
    if (target.matches('input, select, textarea')) return target;
    return target.querySelector('input:checked') || target.querySelector('input:not([type=hidden]), select, textarea');
  }

  document.addEventListener('click', function (event) {
    const link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link) return;
    const target = targetOf(link.getAttribute('href'));
    if (!target) return;
    openAround(target);
    if (link.closest('[data-error-summary]')) {
      const field = fieldIn(target);
      if (field) {
        // After the browser has moved to the fragment: focus the field, keep the question in view.
        setTimeout(function () {
          field.focus({ preventScroll: true });
          target.scrollIntoView({ block: 'start' });
        }, 0);
      }
    }
  });

  function markScrollable() {
    document.querySelectorAll('.table-wrap').forEach(function (wrap) {
      wrap.classList.toggle('is-scrollable', wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }

  function findAsYouType(input) {
    const results = document.getElementById(input.dataset.findResults);
    if (!results || !input.form) return;
    let timer = null;
    let asked = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        const text = input.value.trim();
        if (text.length < 2) return;
        const n = ++asked;
        const url = new URL(input.form.getAttribute('action'), location.href);
        url.hash = '';
        url.searchParams.set('find', text);
        fetch(url, { credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (!html || n !== asked) return;
            const found = new DOMParser().parseFromString(html, 'text/html').getElementById(results.id);
            if (found) results.replaceChildren(...Array.from(found.childNodes, function (node) { return document.importNode(node, true); }));
          })
          .catch(function () {});
      }, 250);
    });
  }

  function ready() {
    document.querySelectorAll('[data-find-results]').forEach(findAsYouType);
    openAround(targetOf(location.hash));
    const summary = document.querySelector('[data-error-summary]');
    if (summary && document.activeElement !== summary) summary.focus();
    markScrollable();
  }

  window.addEventListener('hashchange', function () { openAround(targetOf(location.hash)); });
  window.addEventListener('resize', markScrollable);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
