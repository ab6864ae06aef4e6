// OpenQualify console: sign-in, fragments fetched with the bearer token, the learners table, CSV downloads, the
// sandbox actions and its request journal. No library and no build step. The token lives in this tab's
// sessionStorage and leaves the page only as the Authorization header of same-origin requests: never in a URL, a
// cookie or a form field. Fragments are asked for the viewport's width (charts are laid out for it on the server).
(() => {
  "use strict";

  const TOKEN_KEY = "openqualify.console.token";
  const JOURNAL_EVERY_MS = 3000;
  const FILTER_DELAY_MS = 250;
  const RESIZE_DELAY_MS = 400;
  const VIEWPORT_HEADER = "Console-Viewport-Width";
  const view = document.getElementById("view");
  const main = document.getElementById("main");
  let pending = 0;
  let journalTimer = null;
  let laidOutFor = window.innerWidth;  // the width the shown fragments were laid out for

  const token = () => sessionStorage.getItem(TOKEN_KEY);
  const $ = (selector, root = document) => root.querySelector(selector);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  function fragmentUrl(location) {
    const rest = location.pathname.replace(/\/+$/, "").slice("/console".length);
    return "/console/f" + (rest === "" ? "/overview" : rest) + location.search;
  }

  function send(url, options = {}) {
    const headers = { Authorization: "Bearer " + token(), ...(options.headers || {}) };
    return fetch(url, { ...options, headers, cache: "no-store", credentials: "omit" });
  }

  function fragment(url) {  // a console fragment, laid out for this viewport
    return send(url, { headers: { Accept: "text/html", [VIEWPORT_HEADER]: String(window.innerWidth) } });
  }

  async function errorBody(response) {
    try {
      const body = await response.json();
      if (body && body.name) return body;
    } catch (_) { /* not JSON */ }
    return { name: "Error", details: `${response.status} ${response.statusText}` };
  }

  // --- sign-in ----------------------------------------------------------------------------------------------------

  function showSignIn(message) {
    view.replaceChildren();
    $(".nav").hidden = true;
    $(".session").hidden = true;
    $("#search").hidden = true;
    $("#sign-in").hidden = false;
    const error = $("#sign-in-error");
    error.hidden = !message;
    error.textContent = message || "";
    main.setAttribute("aria-busy", "false");
    document.body.dataset.ready = "true";
    $("#token").focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stopJournal();
    showSignIn(message);
  }

  function showConsole() {
    $("#sign-in").hidden = true;
    $(".nav").hidden = false;
    $(".session").hidden = false;
    $("#search").hidden = false;
    if (document.body.dataset.consolePage === "search") {
      $("#search-q").value = new URLSearchParams(window.location.search).get("q") || "";
    }
    const page = document.body.dataset.consolePage;
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === page) link.setAttribute("aria-current", "page");
    }
  }

  $("#sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#token");
    const value = input.value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    input.value = "";
    showConsole();
    await load(view, fragmentUrl(window.location));
  });

  $("#sign-out").addEventListener("click", () => signOut(""));

  // --- fragments --------------------------------------------------------------------------------------------------

  function busy(started) {
    if (started) {
      pending += 1;
      document.body.dataset.ready = "false";
      main.setAttribute("aria-busy", "true");
      return;
    }
    pending -= 1;
    if (pending === 0) {
      main.setAttribute("aria-busy", "false");
      window.consoleReadyAt = performance.now();
      document.body.dataset.ready = "true";
    }
  }

  function showError(target, status, body) {
    const title = status === 404 ? "Not found" : status === 0 ? "The server could not be reached" : "Something went wrong";
    const panel = el("div", { class: "error-panel", role: "alert", "data-status": String(status) },
      el("h2", {}, title),
      el("p", {}, el("code", {}, body.name), " ", body.details || ""),
      el("p", {}, el("a", { href: "/console" }, "Back to the overview")));
    target.replaceChildren(panel);
  }

  async function load(target, url) {
    busy(true);
    try {
      laidOutFor = window.innerWidth;
      const response = await fragment(url);
      if (response.status === 401 || response.status === 403) {
        const body = await errorBody(response);
        signOut(`The token was not accepted (${body.name}: ${body.details})`);
        return false;
      }
      if (!response.ok) {
        showError(target, response.status, await errorBody(response));
        return false;
      }
      target.innerHTML = await response.text();
      hydrate(target);
      return true;
    } catch (error) {
      showError(target, 0, { name: "NetworkError", details: String(error.message || error) });
      return false;
    } finally {
      busy(false);
    }
  }

  function hydrate(root) {
    const org = root.querySelector("[data-org]");
    if (org) $("#session-org").textContent = org.dataset.org;
    for (const section of root.querySelectorAll("[data-src]")) load(section, section.dataset.src);
    if (root.querySelector("#journal-list")) startJournal();
  }

  // A page laid out for another width (a phone turned, a window resized) is fetched again for the new one.
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const width = window.innerWidth;
      if (!token() || Math.abs(width - laidOutFor) < Math.max(40, laidOutFor * 0.08)) return;
      load(view, fragmentUrl(window.location));
    }, RESIZE_DELAY_MS);
  });

  // --- CSV downloads: the fragment's table, fetched with the token, saved under the server's file name ------------

  function fileName(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (encoded) return decodeURIComponent(encoded[1]);
    const plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function downloadCsv(button) {
    button.disabled = true;
    try {
      const response = await send(button.dataset.csv, { headers: { Accept: "text/csv" } });
      if (!response.ok) {
        const error = await errorBody(response);
        throw new Error(`${error.name}: ${error.details}`);
      }
      save(await response.blob(), fileName(response, "table.csv"));
      button.dataset.state = "done";
    } catch (error) {
      button.dataset.state = "failed";
      button.title = "The download failed: " + (error.message || error);
    } finally {
      button.disabled = false;
    }
  }

  // --- the learners table -----------------------------------------------------------------------------------------

  let filterTimer = null;

  function updateTable(changes, focusSelector) {
    const box = $("#learners-table");
    if (!box) return;
    const params = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === "" || value === null || value === undefined) params.delete(key);
      else params.set(key, value);
    }
    if (!("page" in changes)) params.delete("page");
    const query = params.toString() ? "?" + params.toString() : "";
    window.history.replaceState(null, "", window.location.pathname + query + "#learners");
    load(box, box.dataset.tableSrc + query).then(() => {
      const target = focusSelector && box.querySelector(focusSelector);
      if (target && !target.disabled) target.focus();
    });
  }

  function syncControls(params) {
    const filter = $("[data-table-filter]");
    if (filter) filter.value = params.get("q") || "";
    for (const select of document.querySelectorAll("[data-table-param]")) {
      const value = params.get(select.dataset.tableParam);
      select.value = value === null ? (select.dataset.tableParam === "size" ? "50" : "") : value;
    }
  }

  document.addEventListener("input", (event) => {
    if (event.target.closest("#journal-filter")) {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(pollJournal, FILTER_DELAY_MS);
      return;
    }
    if (!event.target.matches("[data-table-filter]")) return;
    clearTimeout(filterTimer);
    const value = event.target.value.trim();
    filterTimer = setTimeout(() => updateTable({ q: value }), FILTER_DELAY_MS);
  });

  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-table-param]");
    if (select) updateTable({ [select.dataset.tableParam]: select.value });
    if (event.target.closest("#journal-filter")) pollJournal();
    const file = event.target.closest("[data-sandbox-import]");
    if (file && file.files.length) importFile(file);
    const target = event.target.closest("[data-fault-target-choice]");
    if (target) showFaultTarget(target.form, target.value);
    const filter = event.target.closest("[data-load-form]");
    if (filter) {  // after a pause: a select's type-ahead changes it once per key
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => loadFiltered(filter), FILTER_DELAY_MS);
    }
  });

  document.addEventListener("submit", (event) => {
    if (event.target.matches("[data-table-form]")) {
      event.preventDefault();
      clearTimeout(filterTimer);
      updateTable({ q: $("[data-table-filter]").value.trim() });
    } else if (event.target.matches("[data-sandbox-form]")) {
      event.preventDefault();
      setClock();
    } else if (event.target.matches("#journal-filter")) {
      event.preventDefault();
      pollJournal();
    } else if (event.target.matches("[data-load-form]")) {
      event.preventDefault();
      loadFiltered(event.target);
    } else if (event.target.matches("[data-hub-settings]")) {
      event.preventDefault();
      saveHub(event.target);
    } else if (event.target.matches("[data-fault-form]")) {
      event.preventDefault();
      addFault(event.target);
    }
  });

  document.addEventListener("click", (event) => {
    const csv = event.target.closest("[data-csv]");
    if (csv) {
      event.preventDefault();
      downloadCsv(csv);
      return;
    }
    const entry = event.target.closest("[data-journal-entry]");
    if (entry) {
      showEntry(entry.dataset.journalEntry);
      return;
    }
    if (event.target.closest("[data-journal-close]")) {
      closeEntry();
      return;
    }
    if (event.target.closest("#journal-pause")) {
      pauseJournal(event.target.closest("#journal-pause"));
      return;
    }
    const sort = event.target.closest("[data-sort]");
    if (sort) {
      updateTable({ sort: sort.dataset.sort, dir: sort.dataset.dir }, `[data-sort="${sort.dataset.sort}"]`);
      return;
    }
    const page = event.target.closest("[data-page]");
    if (page) {
      updateTable({ page: page.dataset.page }, `[data-page="${page.dataset.page}"]`);
      return;
    }
    const link = event.target.closest("[data-table-links] a");
    if (link) {  // a bar of the completion chart: filter the table to that band without reloading the page
      event.preventDefault();
      const params = new URL(link.getAttribute("href"), window.location.href).searchParams;
      const current = new URLSearchParams(window.location.search);
      current.set("band", params.get("band"));
      syncControls(current);
      updateTable({ band: params.get("band") });
      $("#learners").scrollIntoView({ behavior: "smooth", block: "start" });
      return;
    }
    const action = event.target.closest("[data-action]");
    if (action && actions[action.dataset.action]) {
      runAction(action);
      return;
    }
    for (const [selector, handle] of clicks) {
      const target = event.target.closest(selector);
      if (target) {
        handle(target);
        return;
      }
    }
  });

  // --- sandbox actions (the control plane's own operations) -----------------------------------------------------

  async function call(method, url, body) {
    const options = { method };
    if (body !== undefined) {
      options.body = typeof body === "string" ? body : JSON.stringify(body);
      options.headers = { "Content-Type": "application/json" };
    }
    const response = await send(url, options);
    if (!response.ok) {
      const error = await errorBody(response);
      throw new Error(`${error.name}: ${error.details}`);
    }
    return response.status === 204 ? null : response.json();
  }

  function say(message, tone) {
    const status = $("#sandbox-status");
    if (!status) return;
    status.hidden = false;
    status.className = "notice" + (tone ? " notice-" + tone : "");
    status.textContent = message;
  }

  const clockText = (clock) => `Clock: ${clock.now.replace("T", " ").replace(/\.\d+Z$/, " UTC")}${clock.frozen ? " (frozen)" : ""}`;

  const actions = {
    advance: async (button) => clockText(await call("POST", "/_sandbox/clock/advance",
      { [button.dataset.unit]: Number(button.dataset.amount) })),
    freeze: async () => {
      const clock = await call("GET", "/_sandbox/clock");
      return clockText(await call("PUT", "/_sandbox/clock", { now: clock.now, frozen: true }));
    },
    unfreeze: async () => {
      const clock = await call("GET", "/_sandbox/clock");
      return clockText(await call("PUT", "/_sandbox/clock", { now: clock.now, frozen: false }));
    },
    realtime: async () => clockText(await call("PUT", "/_sandbox/clock", { now: null })),
    demo: async () => {
      const counts = await call("POST", "/_sandbox/demo");
      const rows = Object.values(counts.tables || {}).reduce((sum, n) => sum + (Number(n) || 0), 0);
      return `Demo data loaded (${rows.toLocaleString()} rows).`;
    },
    reset: async () => {
      await call("POST", "/_sandbox/reset");
      return "All data deleted.";
    },
    export: async () => {
      const response = await send("/_sandbox/export");
      if (!response.ok) {
        const error = await errorBody(response);
        throw new Error(`${error.name}: ${error.details}`);
      }
      save(await response.blob(), `openqualify-export-${new Date().toISOString().slice(0, 10)}.json`);
      return "Export downloaded.";
    },
  };

  async function perform(work, button) {
    if (button) button.disabled = true;
    say("Working…");
    try {
      const message = await work();
      await load(view, fragmentUrl(window.location));
      say(message, "ok");
    } catch (error) {
      say(error.message, "bad");
      if (button) button.disabled = false;
    }
  }

  function runAction(button) {
    perform(() => actions[button.dataset.action](button), button);
  }

  function setClock() {
    const at = $("#clock-at").value.trim().replace(" ", "T");
    const frozen = $("#clock-frozen").checked;
    if (!at) return;
    // ISO 8601 in UTC: a date alone is its midnight; no zone means UTC (the field says so).
    const full = /^\d{4}-\d{2}-\d{2}$/.test(at) ? at + "T00:00:00" : at;
    const now = /(Z|[+-]\d{2}:?\d{2})$/i.test(full) ? full : full + "Z";
    perform(async () => clockText(await call("PUT", "/_sandbox/clock", { now, frozen })));
  }

  function importFile(input) {
    const file = input.files[0];
    perform(async () => {
      const counts = await call("POST", "/_sandbox/import", await file.text());
      const rows = Object.values((counts && counts.tables) || {}).reduce((sum, n) => sum + (Number(n) || 0), 0);
      return `Imported ${file.name} (${rows.toLocaleString()} rows).`;
    });
  }

  // --- the request journal: a server-rendered list, refreshed while shown; one entry opened below it --------------

  let journalPaused = false;

  function journalQuery() {
    const form = $("#journal-filter");
    const params = new URLSearchParams();
    if (form) {
      for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    }
    const query = params.toString();
    return query ? "?" + query : "";
  }

  async function pollJournal() {
    const list = $("#journal-list");
    if (!list) return stopJournal();
    try {
      const response = await fragment(list.dataset.journalSrc + journalQuery());
      if (response.status === 401 || response.status === 403) return signOut("The token is no longer accepted.");
      if (!response.ok) return;
      list.innerHTML = await response.text();
      const open = $("#journal-detail [data-entry]");
      if (open) {
        const row = list.querySelector(`tr[data-entry="${open.dataset.entry}"]`);
        if (row) row.setAttribute("aria-current", "true");
      }
    } catch (_) { /* the next poll tries again */ }
  }

  async function showEntry(id) {
    const detail = $("#journal-detail");
    const list = $("#journal-list");
    if (!detail || !list) return;
    for (const row of list.querySelectorAll("tr[aria-current]")) row.removeAttribute("aria-current");
    const row = list.querySelector(`tr[data-entry="${id}"]`);
    if (row) row.setAttribute("aria-current", "true");
    detail.hidden = false;
    if (await load(detail, `${list.dataset.journalSrc}/${encodeURIComponent(id)}`)) {
      detail.scrollIntoView({ behavior: "smooth", block: "start" });
      detail.focus({ preventScroll: true });
    }
  }

  function closeEntry() {
    const detail = $("#journal-detail");
    if (!detail) return;
    const id = ($("[data-entry]", detail) || {}).dataset?.entry;
    detail.hidden = true;
    detail.replaceChildren();
    for (const row of document.querySelectorAll("#journal-list tr[aria-current]")) row.removeAttribute("aria-current");
    const button = id && $(`#journal-list [data-journal-entry="${id}"]`);
    if (button) button.focus();
  }

  function pauseJournal(button) {
    journalPaused = !journalPaused;
    button.setAttribute("aria-pressed", String(journalPaused));
    button.textContent = journalPaused ? "Resume" : "Pause";
    const live = $("#journal-live");
    if (live) live.textContent = journalPaused ? "paused" : "live";
    if (!journalPaused) pollJournal();
  }

  function startJournal() {
    stopJournal();
    journalPaused = false;
    pollJournal();
    journalTimer = setInterval(() => { if (!document.hidden && !journalPaused) pollJournal(); }, JOURNAL_EVERY_MS);
  }

  function stopJournal() {
    if (journalTimer !== null) clearInterval(journalTimer);
    journalTimer = null;
  }

  // --- sections that reload themselves: filters, pagers, refresh buttons ------------------------------------------

  function loadSection(section, url) {
    if (!section) return Promise.resolve(false);
    section.dataset.src = url;  // a later refresh keeps this filter and page
    return load(section, url);
  }

  async function loadFiltered(form) {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    const query = params.toString();
    const section = form.closest("[data-src]");
    const focused = form.contains(document.activeElement) ? document.activeElement.name : "";
    await loadSection(section, form.dataset.loadForm + (query ? "?" + query : ""));
    const again = focused && section.querySelector(`[data-load-form] [name="${CSS.escape(focused)}"]`);
    if (again) again.focus();  // the reloaded filter keeps the keyboard where it was
  }

  // A section reloaded in place keeps the events' JSON and the deliveries' attempts that were open.
  const openKey = (details) => {
    const item = details.closest("[data-delivery], [data-event]");
    return item ? `${item.dataset.delivery || item.dataset.event} ${details.className}` : null;
  };

  async function reloadSection(selector) {
    const section = $(selector);
    if (!section) return false;
    const open = new Set([...section.querySelectorAll("details[open]")].map(openKey).filter(Boolean));
    const loaded = await load(section, section.dataset.src);
    for (const details of section.querySelectorAll("details")) if (open.has(openKey(details))) details.open = true;
    return loaded;
  }

  function tell(id, message, tone) {
    const status = document.getElementById(id);
    if (!status) return;
    status.hidden = false;
    status.className = "notice" + (tone ? " notice-" + tone : "");
    status.textContent = message;
  }

  async function attempt(statusId, work, button) {  // the API's error shown as `name: details`, nothing reloaded
    if (button) button.disabled = true;
    tell(statusId, "Working…");
    try {
      const message = await work();
      if (message) tell(statusId, message, "ok");
      return true;
    } catch (error) {
      tell(statusId, error.message, "bad");
      return false;
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  }

  // --- the Event hub: settings through PUT /event-hub/settings, the secret, test events, redelivery ---------------

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function headersOf(text, where) {
    const headers = {};
    for (const [index, line] of text.split(/\r?\n/).entries()) {
      if (!line.trim()) continue;
      const colon = line.indexOf(":");
      if (colon < 1) throw new Error(`${where}: header line ${index + 1} should be "Name: value"`);
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    return headers;
  }

  function endpointsOf(box, where) {
    return [...box.querySelectorAll(":scope > ol > [data-endpoint]")].map((row, index) => ({
      url: $("[data-field=url]", row).value.trim(),
      enabled: $("[data-field=enabled]", row).checked,
      headers: headersOf($("[data-field=headers]", row).value, `${where}, endpoint ${index + 1}`),
    }));
  }

  function hubDocument(form) {
    const events = {};
    for (const item of form.querySelectorAll("[data-event-type]")) {
      const type = item.dataset.eventType;
      events[type] = {
        enabled: $("[data-field=enabled]", item).checked,
        anonymous: $("[data-field=anonymous]", item).checked,
        endpoints: endpointsOf($("[data-endpoints]", item), type),
      };
    }
    return {
      enabled: $("#hub-enabled", form).checked,
      defaultEndpoints: endpointsOf($("[data-endpoints=default]", form), "Default endpoints"),
      events,
    };
  }

  function markInvalid(form, details) {  // the field a validation error names (`data.defaultEndpoints[0].url`)
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    const found = /(defaultEndpoints|events\.([\w.]+?)\.endpoints)\[(\d+)\]\.(url|headers)/.exec(details || "");
    if (!found) return;
    const box = found[2] ? $(`[data-endpoints="${CSS.escape(found[2])}"]`, form) : $("[data-endpoints=default]", form);
    const row = box && box.querySelectorAll(":scope > ol > [data-endpoint]")[Number(found[3])];
    const field = row && $(`[data-field=${found[4]}]`, row);
    if (!field) return;
    field.setAttribute("aria-invalid", "true");
    const details_ = field.closest("details");
    if (details_) details_.open = true;
    field.focus();
  }

  async function saveHub(form) {
    const button = $("#hub-save", form);
    let failed = "";
    const saved = await attempt("hub-status", async () => {
      try {
        await call("PUT", "/event-hub/settings", hubDocument(form));
      } catch (error) {
        failed = error.message;
        throw error;
      }
      return "";
    }, button);
    if (!saved) {
      markInvalid(form, failed);
      return;
    }
    await load(view, fragmentUrl(window.location));
    tell("hub-status", "Settings saved.", "ok");
  }

  function countEndpoints(box) {
    const rows = box.querySelectorAll(":scope > ol > [data-endpoint]").length;
    const none = $(".endpoint-none", box);
    if (none) none.hidden = rows > 0;
    const count = box.closest("details") && $("[data-endpoint-count]", box.closest("details"));
    if (count) count.textContent = String(rows);
  }

  function addEndpoint(button) {
    const box = button.closest("[data-endpoints]");
    const row = $("#endpoint-template").content.firstElementChild.cloneNode(true);
    $("ol", box).append(row);
    countEndpoints(box);
    $("[data-field=url]", row).focus();
  }

  function removeEndpoint(button) {
    const box = button.closest("[data-endpoints]");
    button.closest("[data-endpoint]").remove();
    countEndpoints(box);
    $("[data-endpoint-add]", box).focus();
  }

  async function revealSecret(button) {
    const value = $("#hub-secret-value");
    if (button.getAttribute("aria-pressed") === "true") {
      value.textContent = value.dataset.masked;
      button.setAttribute("aria-pressed", "false");
      button.textContent = "Reveal";
      return;
    }
    await attempt("hub-status", async () => {
      const settings = await call("GET", "/event-hub/settings");
      value.textContent = settings.signingSecret || "";
      button.setAttribute("aria-pressed", "true");
      button.textContent = "Hide";
      return "";
    }, button);
    $("#hub-status").hidden = !$("#hub-status").classList.contains("notice-bad");
  }

  // The secret card alone is updated (the settings form above may hold edits not saved yet).
  const masked = (secret) => secret.replace(/^([^_]*_).*(.{4})$/, "$1••••••••$2");

  async function rotateSecret(button) {
    let answer = null;
    const rotated = await attempt("hub-status", async () => {
      answer = await call("POST", "/event-hub/signing-secret/rotate");
      return "";
    }, button);
    if (!rotated) return;
    const value = $("#hub-secret-value");
    value.dataset.masked = masked(answer.signingSecret);
    value.textContent = value.dataset.masked;
    const reveal = $("#hub-secret-reveal");
    if (reveal) {
      reveal.hidden = false;
      reveal.setAttribute("aria-pressed", "false");
      reveal.textContent = "Reveal";
    }
    const until = (answer.previousSigningSecretExpiresAt || "").replace("T", " ").replace(/\.\d+Z$/, " UTC");
    let previous = $("#hub-secret-previous");
    if (!previous) {
      previous = el("p", { class: "muted small", id: "hub-secret-previous" });
      value.closest("p").after(previous);
    }
    previous.textContent = `The previous secret signs too (a second signature) until ${until}.`;
    tell("hub-status", `New signing secret. The previous one also signs until ${until}.`, "ok");
  }

  const DELIVERY_POLLS = 10;
  const DELIVERY_POLL_MS = 1000;
  let deliveryPoll = null;

  function followDeliveries() {  // reload the deliveries while some are still to be made (bounded)
    clearTimeout(deliveryPoll);
    let left = DELIVERY_POLLS;
    const step = async () => {
      await reloadSection("#hub-deliveries");
      left -= 1;
      if (left > 0 && document.querySelector("#hub-deliveries [data-status=pending], #hub-deliveries [data-status=retrying]")) {
        deliveryPoll = setTimeout(step, DELIVERY_POLL_MS);
      }
    };
    deliveryPoll = setTimeout(step, DELIVERY_POLL_MS / 2);
  }

  async function sendTest(button) {
    const type = button.dataset.hubTest;
    let answer = null;
    const sent = await attempt("hub-status", async () => {
      answer = await call("POST", "/event-hub/test", { type });
      return `Test ${type} event ${answer.event.id} sent to ${plural(answer.deliveries.length, "endpoint")}.`;
    }, button);
    if (!sent) return;
    await Promise.all([reloadSection("#hub-events"), reloadSection("#hub-deliveries")]);
    followDeliveries();
  }

  async function redeliver(button) {
    const id = button.dataset.hubRedeliver;
    const done = await attempt("hub-status", async () => {
      const answer = await call("POST", `/event-hub/events/${encodeURIComponent(id)}/redeliver`);
      return `${id} will be delivered again to ${plural(answer.deliveries.length, "endpoint")}.`;
    }, button);
    if (!done) return;
    await reloadSection("#hub-deliveries");
    followDeliveries();
  }

  // --- the sandbox's fault rules: /_sandbox/faults with the signed-in token --------------------------------------

  // The form's target (requests or deliveries) shows that target's fieldset and disables the other's, so that its
  // fields are neither sent nor reached by Tab.
  function showFaultTarget(form, target) {
    for (const choice of form.querySelectorAll("[data-fault-target-choice]")) choice.checked = choice.value === target;
    for (const fields of form.querySelectorAll("[data-fault-target]")) {
      const shown = fields.dataset.faultTarget === target;
      fields.hidden = !shown;
      fields.disabled = !shown;
    }
  }

  function faultRule(form) {
    const data = new FormData(form);  // without the fields of the other target (disabled)
    const value = (name) => String(data.get(name) || "").trim();
    const number = (name) => {
      const text = value(name);
      if (text === "") return undefined;
      const parsed = Number(text);
      return Number.isFinite(parsed) ? parsed : text;  // not a number: the API says what it expected
    };
    const rule = value("target") === "deliveries"
      ? { target: "deliveries", match: { eventType: value("eventType") || "*", url: value("url") || "*" } }
      : { match: { method: value("method") || "*", path: value("path") || "*" } };
    for (const name of ["status", "retryAfter", "latencyMs", "reorderWindowMs", "dropFirst", "probability", "seed",
      "times", "every"]) {
      const given = number(name);
      if (given !== undefined) rule[name] = given;
    }
    if (value("drop")) rule.drop = value("drop");
    if (value("duplicate")) rule.duplicate = true;
    if (value("latency.distribution")) {
      rule.latency = { distribution: value("latency.distribution") };
      for (const name of ["median", "mean", "sigma", "min", "max"]) {
        const given = number("latency." + name);
        if (given !== undefined) rule.latency[name] = given;
      }
    }
    return rule;
  }

  function markFaultField(form, details) {  // the field a validation error names (`data.match.url`, `data.dropFirst`)
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    const found = /\bdata\.(?:match\.)?([\w.]+)/.exec(details || "");
    const name = found && found[1].replace(/\.$/, "");
    const field = name && [...form.elements].find((e) => e.name === name && !e.matches(":disabled"));
    if (!field) return;
    field.setAttribute("aria-invalid", "true");
    const details_ = field.closest("details");
    if (details_) details_.open = true;
    field.focus();
  }

  async function faultsChanged(message) {
    await reloadSection("#faults");
    tell("faults-status", message, "ok");
  }

  async function addFault(form) {
    let added = null;
    let failed = "";
    const rule = faultRule(form);
    const target = rule.target || "requests";
    const done = await attempt("faults-status", async () => {
      try {
        added = await call("POST", "/_sandbox/faults", rule);
      } catch (error) {
        failed = error.message;
        throw error;
      }
      return "";
    }, $("button[type=submit]", form));
    if (!done) {
      markFaultField(form, failed);
      return;
    }
    const what = added.target === "deliveries"
      ? `webhook ${added.match.eventType} → ${added.match.url}` : `${added.match.method} ${added.match.path}`;
    await faultsChanged(`Rule ${added.id} added: ${what}.`);
    const again = $("#fault-form");  // the form as reloaded: the same target, the keyboard back on its button
    if (again) {
      showFaultTarget(again, target);
      if (document.activeElement === document.body) $("button[type=submit]", again).focus();
    }
  }

  async function removeFault(button) {
    const id = button.dataset.faultRemove;
    if (await attempt("faults-status", async () => { await call("DELETE", `/_sandbox/faults/${encodeURIComponent(id)}`); return ""; }, button)) {
      await faultsChanged(`Rule ${id} removed.`);
    }
  }

  async function clearFaults(button) {
    let cleared = null;
    if (await attempt("faults-status", async () => { cleared = await call("DELETE", "/_sandbox/faults"); return ""; }, button)) {
      await faultsChanged(`${plural(cleared.deleted, "rule")} removed.`);
    }
  }

  const clicks = [
    ["[data-load]", (button) => loadSection(button.dataset.loadInto ? $(button.dataset.loadInto) : button.closest("[data-src]"), button.dataset.load)
      .then(() => { if (button.dataset.loadInto) $(button.dataset.loadInto).scrollIntoView({ block: "start" }); })],
    ["[data-reload]", (button) => { const s = button.closest("[data-src]"); return s && load(s, s.dataset.src); }],
    ["[data-endpoint-add]", addEndpoint],
    ["[data-endpoint-remove]", removeEndpoint],
    ["#hub-secret-reveal", revealSecret],
    ["[data-hub-rotate]", rotateSecret],
    ["[data-hub-test]", sendTest],
    ["[data-hub-redeliver]", redeliver],
    ["[data-fault-remove]", removeFault],
    ["[data-faults-clear]", clearFaults],
  ];

  // --- start ------------------------------------------------------------------------------------------------------

  if (token()) {
    showConsole();
    load(view, fragmentUrl(window.location));
  } else {
    showSignIn("");
  }
})();
