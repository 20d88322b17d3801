/* The waiting-room screen: the live feed of calls, a snapshot over HTTP on every connect,
   captions in turn, and announcements. Lists are capped so the page can run for days. */
(function () {
  "use strict";

  const LAST_CALLS = 8;
  const SEEN_CAP = 256;
  /* a call missed while disconnected is still announced if it is younger than this */
  const CATCH_UP_MS = 60 * 1000;
  const RECONNECT_MARK_MS = 5000;
  const REFRESH_MS = 60 * 1000;
  const REFRESH_DEBOUNCE_MS = 1000;
  /* spread over seconds, so many screens do not all re-read at once after each call */
  const REFRESH_JITTER_MS = 4000;
  const RETRY_MS = 3000;
  const ROTATE_MS = 6000;
  const PAGE_MS = 8000;
  const SERVICES_PER_PAGE = 5;

  const setup = JSON.parse(document.getElementById("display-setup").textContent);
  const root = document.getElementById("display");
  const $ = (id) => document.getElementById(id);
  const announcer = new window.OneStopAnnouncer();

  const state = {
    calls: [],
    seen: new Set(),
    seenOrder: [],
    services: [],
    centre: null,
    offsetMs: 0,
    rotation: 0,
    page: 0,
    snapshots: 0,
    requested: 0,
    shownCall: null,
  };

  /* ---- calls ---- */

  function remember(id) {
    if (state.seen.has(id)) return false;
    state.seen.add(id);
    state.seenOrder.push(id);
    if (state.seenOrder.length > SEEN_CAP) state.seen.delete(state.seenOrder.shift());
    return true;
  }

  function newestFirst(calls) {
    return calls.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);
  }

  function audioUrl(language, call) {
    return (
      setup.urls.call +
      encodeURIComponent(language) + "/" +
      encodeURIComponent(call.number) + "/" +
      encodeURIComponent(call.counter_id) + ".wav"
    );
  }

  function announce(call) {
    const languages = setup.speech[call.language] || [setup.fixed[0]];
    const parts = [{ label: "chime", url: setup.urls.chime }];
    for (const language of languages) parts.push({ label: language, url: audioUrl(language, call) });
    announcer.enqueue({
      key: call.id,
      number: call.number,
      counter: call.counter,
      recall: call.recall,
      parts,
    });
  }

  /* A call from the live feed: shown at once and announced, once. */
  function receive(call) {
    if (!remember(call.id)) return;
    const others = state.calls.filter((known) => known.id !== call.id);
    state.calls = newestFirst([call, ...others]).slice(0, LAST_CALLS);
    renderCalls();
    announce(call);
    scheduleRefresh();
  }

  /* What the server says is true. Calls that reached us after it was taken are kept;
     calls we never heard of (missed while disconnected) are announced if still recent. */
  function applySnapshot(snapshot) {
    const taken = Date.parse(snapshot.now);
    state.offsetMs = taken - Date.now();
    const later = state.calls.filter((call) => Date.parse(call.at) > taken);
    const laterIds = new Set(later.map((call) => call.id));
    const missed = snapshot.calls.filter((call) => !state.seen.has(call.id));
    for (const call of snapshot.calls) remember(call.id);
    if (state.snapshots > 0) {
      missed
        .filter((call) => taken - Date.parse(call.at) <= CATCH_UP_MS)
        .reverse()
        .forEach(announce);
    }
    const kept = snapshot.calls.filter((call) => !laterIds.has(call.id));
    state.calls = newestFirst([...later, ...kept]).slice(0, LAST_CALLS);
    state.services = snapshot.services;
    state.centre = {
      state: snapshot.state,
      closes_at: snapshot.closes_at,
      next_opening: snapshot.next_opening,
    };
    state.snapshots += 1;
    renderCalls();
    renderServices();
    renderCentreState();
  }

  /* ---- the snapshot over HTTP ---- */

  let refreshTimer = null;

  function scheduleRefresh(delay) {
    if (refreshTimer !== null) return;
    const wait = delay === undefined ? REFRESH_DEBOUNCE_MS + Math.random() * REFRESH_JITTER_MS : delay;
    refreshTimer = setTimeout(refresh, wait);
  }

  function refreshNow() {
    clearTimeout(refreshTimer);
    refreshTimer = null;
    refresh();
  }

  async function refresh() {
    refreshTimer = null;
    const request = ++state.requested;
    try {
      const response = await fetch(setup.urls.snapshot, { cache: "no-store" });
      if (!response.ok) throw new Error(`snapshot answered ${response.status}`);
      const snapshot = await response.json();
      if (request === state.requested) applySnapshot(snapshot);
    } catch (error) {
      if (request === state.requested) scheduleRefresh(RETRY_MS);
    }
  }

  /* ---- the live feed ---- */

  const socket = window.io({
    auth: { display: setup.zone },
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
  });
  let markTimer = null;

  function armReconnectingMark() {
    if (markTimer !== null || socket.connected) return;
    markTimer = setTimeout(() => {
      markTimer = null;
      $("reconnecting").hidden = socket.connected;
    }, RECONNECT_MARK_MS);
  }

  socket.on("connect", () => {
    clearTimeout(markTimer);
    markTimer = null;
    root.dataset.connected = "true";
    $("reconnecting").hidden = true;
    refreshNow();
  });
  socket.on("disconnect", (reason) => {
    root.dataset.connected = "false";
    armReconnectingMark();
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", () => {
    armReconnectingMark();
    if (!socket.active) setTimeout(() => socket.connect(), RECONNECT_MARK_MS);
  });
  socket.on("called", receive);
  socket.on("queue", () => scheduleRefresh());

  /* ---- rendering ---- */

  function rotatingLanguage() {
    const languages = setup.rotating;
    return languages.length ? languages[state.rotation % languages.length] : null;
  }

  function serviceName(code, language) {
    const service = setup.services[code];
    return service ? service.names[language] || service.names.pt || code : code;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderCalls() {
    const latest = state.calls[0];
    const panel = $("latest");
    $("latest-number").textContent = latest ? latest.number : "—";
    $("latest-counter").textContent = latest ? latest.counter : "";
    $("latest-recall").hidden = !(latest && latest.recall);
    const key = latest ? String(latest.id) : "";
    if (panel.dataset.callId !== key) {
      panel.dataset.callId = key;
      panel.classList.remove("flash");
      void panel.offsetWidth;
      if (latest) panel.classList.add("flash");
    }
    const list = $("calls");
    list.replaceChildren(
      ...state.calls.map((call) => {
        const row = element("li", call.recall ? "recall" : "");
        row.dataset.number = call.number;
        row.append(element("span", "num", call.number), element("span", "to", "→"));
        row.append(element("span", "ctr", call.counter));
        return row;
      })
    );
  }

  function renderServices() {
    const pages = Math.max(1, Math.ceil(state.services.length / SERVICES_PER_PAGE));
    const page = state.page % pages;
    const shown = state.services.slice(page * SERVICES_PER_PAGE, (page + 1) * SERVICES_PER_PAGE);
    const rotating = rotatingLanguage();
    $("services").replaceChildren(
      ...shown.map((service) => {
        const row = element("tr");
        const name = element("td", "service-col");
        name.append(element("span", "name-pt", serviceName(service.code, "pt")));
        if (rotating) {
          const other = element("span", "name-rot", serviceName(service.code, rotating.code));
          other.lang = rotating.code;
          other.dir = rotating.dir;
          name.append(other);
        }
        const minutes = setup.captions.pt.minutes;
        row.append(
          name,
          element("td", "num-col", String(service.waiting)),
          element("td", "num-col", `${Math.round(service.estimated_wait_min)} ${minutes}`)
        );
        return row;
      })
    );
    $("services-page").textContent = pages > 1 ? `${page + 1}/${pages}` : "";
  }

  /* Formatters are made once: the clock ticks every second for days. */
  const timeFormat = new Intl.DateTimeFormat("pt-PT", {
    timeZone: setup.timezone,
    hour: "2-digit",
    minute: "2-digit",
  });
  const dateFormat = new Intl.DateTimeFormat("pt-PT", {
    timeZone: setup.timezone,
    weekday: "long",
    day: "numeric",
    month: "long",
  });
  const dayFormats = new Map();

  function formatTime(iso) {
    return timeFormat.format(new Date(iso));
  }

  function formatDay(iso, language) {
    if (!dayFormats.has(language)) {
      dayFormats.set(
        language,
        new Intl.DateTimeFormat(language, { timeZone: setup.timezone, weekday: "long" })
      );
    }
    return dayFormats.get(language).format(new Date(iso));
  }

  function centreStateText(language) {
    const words = setup.captions[language];
    const centre = state.centre;
    if (centre.state === "closed") {
      if (!centre.next_opening) return words.closed;
      const opening = `${formatDay(centre.next_opening, language)} ${formatTime(centre.next_opening)}`;
      return `${words.closed} · ${words.opens} ${opening}`;
    }
    if (!centre.closes_at) return words[centre.state];
    return `${words[centre.state]} · ${words.until} ${formatTime(centre.closes_at)}`;
  }

  function renderCentreState() {
    if (!state.centre) return;
    const box = $("centre-state");
    box.dataset.state = state.centre.state;
    box.querySelector(".cap-pt").textContent = centreStateText("pt");
    box.querySelector(".state-en").textContent = centreStateText("en");
    const rotating = rotatingLanguage();
    const other = box.querySelector(".cap-rot");
    other.textContent = rotating ? centreStateText(rotating.code) : "";
    if (rotating) {
      other.lang = rotating.code;
      other.dir = rotating.dir;
    }
  }

  function renderCaptions() {
    const rotating = rotatingLanguage();
    for (const node of document.querySelectorAll("[data-caption]")) {
      node.textContent = rotating ? setup.captions[rotating.code][node.dataset.caption] : "";
      if (rotating) {
        node.lang = rotating.code;
        node.dir = rotating.dir;
      }
    }
  }

  function renderClock() {
    const now = new Date(Date.now() + state.offsetMs);
    $("clock-time").textContent = timeFormat.format(now);
    $("clock-date").textContent = dateFormat.format(now);
  }

  function rotate() {
    state.rotation += 1;
    renderCaptions();
    renderCentreState();
    renderServices();
  }

  function nextPage() {
    state.page += 1;
    renderServices();
  }

  /* ---- start ---- */

  applySnapshot(setup.initial);
  renderCaptions();
  renderClock();
  armReconnectingMark();
  setInterval(renderClock, 1000);
  setInterval(rotate, ROTATE_MS);
  setInterval(nextPage, PAGE_MS);
  setInterval(() => scheduleRefresh(0), REFRESH_MS);

  /* Read by people debugging a screen and by the browser tests; `receive` is the live
     feed's entry point. */
  window.onestopDisplay = {
    calls: () => state.calls.map((call) => ({ ...call })),
    announcements: () => announcer.list(),
    receive,
    sizes: () => ({
      calls: state.calls.length,
      seen: state.seenOrder.length,
      pending: announcer.pending.length,
      history: announcer.history.length,
    }),
  };
})();
