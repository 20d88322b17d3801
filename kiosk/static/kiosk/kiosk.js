// The kiosk touchscreen: language, service, priority, mediator, ticket. Plain script, no build.
"use strict";

(function () {
  const KEY = "onestop.kiosk.key";
  const root = document.getElementById("kiosk");
  const page = root.dataset.page;
  const key = window.localStorage.getItem(KEY);

  // An unpaired browser cannot issue: send it to the pairing page (staff pair it once).
  if (!key) {
    window.location.replace("/kiosk/pair");
    return;
  }
  if (page === "start") return;

  const strings = JSON.parse(document.getElementById("kiosk-strings").textContent);
  let services = JSON.parse(document.getElementById("kiosk-services").textContent);
  const lang = root.dataset.lang;
  const intl = root.dataset.intl;
  const tz = root.dataset.tz;
  const startUrl = root.dataset.start;
  const idleMs = Number(root.dataset.idleSeconds) * 1000;
  const screens = Array.from(root.querySelectorAll("[data-screen]"));
  const history = [];
  const choice = { service: null, priority: null, mediator: null };
  let busy = false;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function field(name) {
    return root.querySelector(`[data-field="${name}"]`);
  }

  function show(id, remember = true) {
    screens.forEach((screen) => {
      screen.hidden = screen.id !== id;
    });
    if (remember) history.push(id);
    const heading = document.getElementById(id).querySelector("h1");
    if (heading) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  function current() {
    const visible = screens.find((screen) => !screen.hidden);
    return visible ? visible.id : null;
  }

  function restart() {
    window.location.assign(startUrl);
  }

  function back() {
    history.pop();
    const previous = history[history.length - 1];
    if (!previous || busy || current() === "screen-ticket") {
      restart();
      return;
    }
    show(previous, false);
  }

  // Back to the start after a while without a touch.
  let idleTimer = null;
  function touched() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(restart, idleMs);
  }
  ["pointerdown", "keydown", "touchstart"].forEach((kind) =>
    document.addEventListener(kind, touched, { passive: true })
  );
  touched();

  function dayKey(moment) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(moment);
  }

  function comeBack(retryAt) {
    if (!retryAt) return strings.back_later;
    const moment = new Date(retryAt);
    const time = new Intl.DateTimeFormat(intl, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz,
    }).format(moment);
    const now = new Date();
    if (dayKey(moment) === dayKey(now)) return fill(strings.back_today, { time });
    if (dayKey(moment) === dayKey(new Date(now.getTime() + 86400000))) {
      return fill(strings.back_tomorrow, { time });
    }
    const day = new Intl.DateTimeFormat(intl, {
      weekday: "long", day: "numeric", month: "long", timeZone: tz,
    }).format(moment);
    return fill(strings.back_on, { day, time });
  }

  function minutes(value) {
    return value == null ? "-" : fill(strings.about_min, { minutes: Math.max(1, Math.round(value)) });
  }

  function service(code) {
    return services.find((s) => s.code === code);
  }

  function statusText(s) {
    if (s.accepting) return "";
    return s.reason === "closed" || s.reason === "service_closed" ? strings.closed_now : strings.full_today;
  }

  function render() {
    services.forEach((s) => {
      root.querySelectorAll(`[data-service="${s.code}"]`).forEach((tile) => {
        tile.classList.toggle("refused", !s.accepting);
      });
      const status = root.querySelector(`[data-service-status="${s.code}"]`);
      if (status) status.textContent = statusText(s);
    });
    root.querySelectorAll("[data-body-status]").forEach((status) => {
      const own = services.filter((s) => s.body === status.dataset.bodyStatus);
      const open = own.some((s) => s.accepting);
      status.textContent = open ? "" : statusText(own[0]);
      status.closest(".tile").classList.toggle("refused", !open);
    });
    const closed = services.every((s) => !s.accepting && s.reason === "closed");
    if (closed) {
      field("closed-when").textContent = comeBack(services[0].retry_at);
      if (["screen-bodies", "screen-closed"].includes(current())) show("screen-closed", false);
    } else if (current() === "screen-closed") {
      show("screen-bodies", false);
    }
  }

  async function refresh() {
    try {
      const response = await fetch(`/api/services?lang=${encodeURIComponent(lang)}`);
      if (response.ok) {
        services = await response.json();
        render();
      }
    } catch (error) {
      // The network is down for a moment: keep what we know, the next refresh retries.
    }
  }

  function refuse(code) {
    const s = service(choice.service);
    field("refused").textContent = strings[`refused_${code}`] || strings.failed;
    field("refused-when").textContent = comeBack(s ? s.retry_at : null);
    show("screen-refused");
  }

  function fail(message) {
    field("error").textContent = message;
    show("screen-error");
  }

  function chooseService(code) {
    const s = service(code);
    choice.service = code;
    if (s && !s.accepting) {
      refuse(s.reason);
      return;
    }
    choice.priority = null;
    show(s && s.priority_exempt ? "screen-mediator" : "screen-priority");
  }

  function headers() {
    return { "Content-Type": "application/json", Authorization: `Bearer ${key}` };
  }

  async function issue() {
    if (busy) return;
    busy = true;
    show("screen-issuing", false);
    let response;
    try {
      response = await fetch("/api/tickets", {
        method: "POST",
        headers: headers(),
        body: JSON.stringify({
          service: choice.service,
          language: choice.mediator || lang,
          priority: choice.priority,
          mediator: Boolean(choice.mediator),
        }),
      });
    } catch (error) {
      busy = false;
      fail(strings.failed);
      return;
    }
    busy = false;
    if (response.status === 201) {
      showTicket(await response.json());
      return;
    }
    const body = await response.json().catch(() => ({}));
    const code = body.error ? body.error.code : "";
    if (response.status === 409) {
      await refresh();
      refuse(code);
    } else if (response.status === 401) {
      window.localStorage.removeItem(KEY);
      fail(strings.unpaired);
    } else if (response.status === 429) {
      fail(strings.rate_limited);
    } else {
      fail(strings.failed);
    }
  }

  function showTicket(ticket) {
    const s = service(ticket.service);
    field("number").textContent = ticket.number;
    field("service").textContent = s ? s.name : ticket.service;
    field("position").textContent = ticket.position === 1 ? strings.you_are_next : String(ticket.position);
    field("estimate").textContent = minutes(ticket.estimated_wait_min);
    field("priority").hidden = !ticket.priority;
    const mediator = field("mediator");
    mediator.hidden = !ticket.mediator;
    if (ticket.mediator) {
      const spoken = root.querySelector(`[data-mediator="${ticket.language}"]`);
      mediator.textContent = fill(strings.mediator_in, {
        language: spoken ? spoken.textContent.trim() : ticket.language,
      });
    }
    const token = encodeURIComponent(ticket.token);
    field("qr").src = `/t/${token}/qr.svg?lang=${encodeURIComponent(lang)}`;
    field("printer").textContent = "";
    history.length = 0;
    show("screen-ticket");
    printReceipt(ticket.token);
  }

  async function printReceipt(token) {
    const line = field("printer");
    try {
      const response = await fetch("/api/kiosk/receipts", {
        method: "POST",
        headers: headers(),
        body: JSON.stringify({ token, language: lang }),
      });
      const body = await response.json();
      const said = { printed: strings.printed, pending: strings.printed, none: strings.no_printer };
      line.textContent = said[body.result] || strings.printer_fault;
    } catch (error) {
      line.textContent = strings.printer_fault;
    }
  }

  root.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target || busy) return;
    const data = target.dataset;
    if (data.action === "back") back();
    else if (data.action === "restart") restart();
    else if (data.service !== undefined) chooseService(data.service);
    else if (data.body !== undefined) show(`screen-body-${data.body}`);
    else if (data.priority !== undefined) {
      choice.priority = data.priority || null;
      show("screen-mediator");
    } else if (data.mediator !== undefined) {
      choice.mediator = data.mediator || null;
      issue();
    }
  });

  history.push(current());
  render();
  refresh();
  window.setInterval(refresh, 20000);
})();
