/*
 * The « Register » picker: search sessions (JSON list, debounced), add them to the
 * « Selected training sessions » panel, post their ids with OK.
 * Plain JavaScript, no build step; loaded with `defer`.
 */
(function () {
  "use strict";

  const PLUS =
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<path d="M8 3.25v9.5M3.25 8h9.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
  const CHECK =
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<path d="m3.5 8.5 3 3 6-7" fill="none" stroke="currentColor" stroke-width="2" ' +
    'stroke-linecap="round" stroke-linejoin="round"/></svg>';
  const CROSS =
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<path d="m4.5 4.5 7 7m0-7-7 7" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
  const DEBOUNCE_MS = 250;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
  }

  function start(root) {
    const $ = (id) => document.getElementById(id);
    const strings = JSON.parse($("cursus-picker-strings").textContent);
    const sessionsUrl = root.dataset.sessionsUrl;
    const search = $("cursus-picker-q");
    const course = $("cursus-picker-course");
    const upcoming = $("cursus-picker-upcoming");
    const status = $("cursus-picker-status");
    const results = $("cursus-picker-results");
    const pages = $("cursus-picker-pages");
    const previous = $("cursus-picker-previous");
    const next = $("cursus-picker-next");
    const pageLabel = $("cursus-picker-page");
    const form = $("cursus-picker-form");
    const selectedList = $("cursus-picker-selected");
    const selectedTitle = $("cursus-picker-selected-title");
    const count = $("cursus-picker-count");
    const empty = $("cursus-picker-empty");
    const hint = $("cursus-picker-hint");
    const announce = $("cursus-picker-announce");
    const ok = $("cursus-picker-ok");

    const selected = new Map(); // id → item, in the order picked
    const state = { page: 1, data: null };
    let controller = null;
    let timer = null;
    let submitting = false;

    // --- the list -----------------------------------------------------------------------

    function load() {
      if (controller) controller.abort();
      controller = new AbortController();
      const params = new URLSearchParams({
        q: search.value.trim(),
        course: course.value,
        upcoming: upcoming.checked ? "1" : "0",
        page: String(state.page),
      });
      results.setAttribute("aria-busy", "true");
      status.textContent = strings.loading;
      fetch(sessionsUrl + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then((data) => {
          state.data = data;
          state.page = data.page;
          renderResults();
        })
        .catch((error) => {
          if (error.name === "AbortError") return;
          results.removeAttribute("aria-busy");
          results.replaceChildren();
          pages.hidden = true;
          status.replaceChildren(element("span", "cursus-picker-error", strings.failed + " "));
          const retry = element("button", "button", strings.retry);
          retry.type = "button";
          retry.addEventListener("click", load);
          status.appendChild(retry);
        });
    }

    function reload() {
      state.page = 1;
      load();
    }

    function describe(item, prefix) {
      // The session's details, shared by the list and the panel.
      const body = element("div", "cursus-picker-body");
      const title = element("div", "cursus-picker-name");
      const name = element("span", "cursus-picker-session-name", item.name);
      name.id = prefix + "-name-" + item.id;
      title.append(name, " ", element("span", "cursus-picker-code", item.code));
      body.appendChild(title);
      body.appendChild(element("div", "cursus-picker-course", item.course));
      const meta = element("div", "cursus-picker-meta");
      meta.appendChild(element("span", "cursus-picker-dates", item.dates));
      if (item.place) meta.appendChild(element("span", "cursus-picker-place", item.place));
      let seatsTone = "";
      if (item.full) seatsTone = item.waiting_list ? " cursus-tone-warning" : " cursus-tone-error";
      meta.appendChild(element("span", "cursus-picker-seats" + seatsTone, item.seats_label));
      body.appendChild(meta);
      if (item.badges.length) {
        const badges = element("div", "cursus-picker-badges");
        item.badges.forEach((badge) => {
          badges.appendChild(element("span", "cursus-tone cursus-tone-" + badge.tone, badge.label));
        });
        body.appendChild(badges);
      }
      return body;
    }

    function setAddButton(button, item) {
      const inSelection = selected.has(item.id);
      button.classList.toggle("is-selected", inSelection);
      if (!item.pickable) {
        button.disabled = true;
        button.innerHTML = item.already ? CHECK : PLUS;
        button.title = item.unavailable;
        return;
      }
      button.innerHTML = inSelection ? CHECK : PLUS;
      button.setAttribute("aria-disabled", inSelection ? "true" : "false");
      button.title = inSelection ? strings.inSelection : strings.add;
      button.closest("li").classList.toggle("is-selected", inSelection);
    }

    function renderResults() {
      const data = state.data;
      results.removeAttribute("aria-busy");
      results.replaceChildren();
      status.textContent = data.items.length ? data.total_label : strings.noMatch;
      data.items.forEach((item) => {
        const row = element("li", "cursus-picker-row" + (item.pickable ? "" : " is-unavailable"));
        row.dataset.id = String(item.id);
        row.appendChild(describe(item, "cursus-picker-result"));
        const add = element("button", "cursus-picker-add");
        add.type = "button";
        add.setAttribute("aria-label", strings.add);
        add.setAttribute("aria-describedby", "cursus-picker-result-name-" + item.id);
        add.addEventListener("click", () => pick(item, add));
        row.appendChild(add);
        results.appendChild(row);
        setAddButton(add, item);
      });
      pages.hidden = data.num_pages <= 1;
      previous.disabled = !data.has_previous;
      next.disabled = !data.has_next;
      pageLabel.textContent = data.page_label;
    }

    function refreshRow(id) {
      const row = results.querySelector('li[data-id="' + id + '"]');
      if (!row || !state.data) return;
      const item = state.data.items.find((candidate) => candidate.id === id);
      if (item) setAddButton(row.querySelector(".cursus-picker-add"), item);
    }

    // --- the selection ------------------------------------------------------------------

    function pick(item, button) {
      if (!item.pickable || selected.has(item.id)) return;
      selected.set(item.id, item);
      renderSelection();
      if (button) setAddButton(button, item);
      hint.textContent = "";
      announce.textContent = format(strings.added, { name: item.name });
    }

    function unpick(id) {
      const ids = Array.from(selected.keys());
      const index = ids.indexOf(id);
      const item = selected.get(id);
      selected.delete(id);
      renderSelection();
      refreshRow(id);
      announce.textContent = format(strings.removed, { name: item.name });
      // Keep the keyboard where it was: the next remove button, else the previous, else the title.
      const buttons = selectedList.querySelectorAll(".cursus-picker-remove");
      const target = buttons[Math.min(index, buttons.length - 1)];
      (target || selectedTitle).focus();
    }

    function renderSelection() {
      selectedList.replaceChildren();
      selected.forEach((item) => {
        const row = element("li", "cursus-picker-row");
        row.appendChild(describe(item, "cursus-picker-selected"));
        const input = element("input");
        input.type = "hidden";
        input.name = "session";
        input.value = String(item.id);
        row.appendChild(input);
        const remove = element("button", "cursus-picker-remove");
        remove.type = "button";
        remove.innerHTML = CROSS;
        remove.title = strings.remove;
        remove.setAttribute("aria-label", strings.remove);
        remove.setAttribute("aria-describedby", "cursus-picker-selected-name-" + item.id);
        remove.addEventListener("click", () => unpick(item.id));
        row.appendChild(remove);
        selectedList.appendChild(row);
      });
      empty.hidden = selected.size > 0;
      count.textContent = selected.size ? "(" + selected.size + ")" : "";
    }

    // --- events -------------------------------------------------------------------------

    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(reload, DEBOUNCE_MS);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        reload();
      }
    });
    course.addEventListener("change", reload);
    upcoming.addEventListener("change", reload);
    previous.addEventListener("click", () => {
      state.page -= 1;
      load();
    });
    next.addEventListener("click", () => {
      state.page += 1;
      load();
    });

    form.addEventListener("submit", (event) => {
      if (submitting) {
        event.preventDefault();
        return;
      }
      if (!selected.size) {
        event.preventDefault();
        hint.textContent = strings.pickOne;
        search.focus();
        return;
      }
      submitting = true;
      ok.disabled = true; // one click, one registration
      ok.value = strings.submitting;
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        submitting = false;
        ok.disabled = false;
        ok.value = ok.defaultValue;
      }
    });

    JSON.parse($("cursus-picker-initial").textContent).forEach((item) => selected.set(item.id, item));
    renderSelection();
    load();
  }

  function ready() {
    const root = document.querySelector("[data-cursus-picker]");
    if (root) start(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
