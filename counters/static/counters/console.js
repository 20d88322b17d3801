// The counter console: the current ticket, the actions (buttons and keys), the queue, the day,
// and mediation. Live over Socket.IO: an event says "something changed", and the console reads
// a fresh snapshot over HTTP, as it does on every (re)connect.
"use strict";

(function () {
  const root = document.getElementById("console");
  const setup = JSON.parse(document.getElementById("console-setup").textContent);
  const strings = setup.strings;
  const counterId = setup.counter;
  const isMediator = setup.role === "mediator";
  const numbers = new Intl.NumberFormat(root.dataset.intl, { maximumFractionDigits: 1 });
  const languageNames = Object.fromEntries(setup.languages.map((l) => [l.code, l.name]));
  const REFRESH_MS = 30000;
  const SETTLE_MS = 150;

  let snapshot = null;
  let requests = [];
  let busy = false;
  let generation = 0;
  let pending = null;

  function field(name) {
    return document.querySelector(`[data-field="${name}"]`);
  }

  function button(action) {
    return document.querySelector(`[data-action="${action}"]`);
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function minutes(value) {
    return fill(strings.minutes, { minutes: numbers.format(Math.round(value)) });
  }

  function languageName(code) {
    return languageNames[code] || code;
  }

  function serviceName(code) {
    return setup.services[code] || code;
  }

  function say(text, isError) {
    const message = field("message");
    message.textContent = text || "";
    message.classList.toggle("error", Boolean(isError));
  }

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      window.location.assign("/counter");
      throw new Error("signed out");
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data };
  }

  function errorText(answer) {
    return (answer.data && answer.data.error && answer.data.error.message) || strings.failed;
  }

  // Rendering -----------------------------------------------------------------------------

  function show(element, visible) {
    element.hidden = !visible;
  }

  function renderTicket(ticket) {
    const card = field("ticket");
    card.dataset.state = ticket ? ticket.state : "none";
    field("number").textContent = ticket ? ticket.number : strings.no_ticket;
    field("ticket-state").textContent = ticket ? strings[ticket.state] || ticket.state : "";
    field("service").textContent = ticket ? serviceName(ticket.service) : "";
    field("language").textContent = ticket ? languageName(ticket.language) : "";
    const priority = field("priority");
    show(priority, Boolean(ticket && ticket.priority));
    priority.textContent = ticket && ticket.priority ? strings.priority[ticket.priority] : "";
    show(field("mediator"), Boolean(ticket && ticket.mediator));
    field("mediator").textContent = strings.mediator;
    const waited = field("waited");
    if (ticket) {
      const until = ticket.called_at ? new Date(ticket.called_at) : new Date();
      const waitedMin = Math.max(0, (until - new Date(ticket.issued_at)) / 60000);
      waited.textContent = fill(strings.waited, { minutes: numbers.format(Math.round(waitedMin)) });
    } else {
      waited.textContent = "";
    }
    const recalls = field("recalls");
    show(recalls, Boolean(ticket && ticket.recalls > 0));
    recalls.textContent = ticket ? fill(strings.recalls, { count: ticket.recalls }) : "";
  }

  function renderButtons(counter, ticket) {
    const paused = counter.state === "paused";
    const called = Boolean(ticket) && ticket.state === "called";
    // A mediator helping at another counter is not free to call anyone.
    const helping = isMediator && requests.some((r) => r.state === "accepted");
    const enable = {
      next: !paused && !ticket && !helping,
      recall: called,
      start: called,
      finish: Boolean(ticket),
      "no-show": called && ticket.recalls >= snapshot.no_show_after_recalls,
      transfer: Boolean(ticket),
      pause: !paused && !ticket,
      resume: paused,
      close: !ticket,
    };
    for (const [action, on] of Object.entries(enable)) button(action).disabled = !on;
    // No-show is offered once the visitor has been recalled enough times.
    show(button("no-show"), enable["no-show"]);
    show(button("pause"), !paused);
    show(button("resume"), paused);
    const badge = field("counter-state");
    badge.textContent = paused
      ? fill(strings.paused, { reason: strings.reasons[counter.pause_reason] || counter.pause_reason })
      : "";
    show(badge, paused);
    root.dataset.counterState = counter.state;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderQueue(queue) {
    const body = field("queue");
    const many = queue.services.length > 6;
    const rows = queue.services
      .filter((s) => !many || s.waiting > 0)
      .map((s) => {
        const tr = document.createElement("tr");
        tr.dataset.service = s.code;
        tr.append(
          cell(serviceName(s.code)),
          cell(String(s.waiting), "n"),
          cell(String(s.callable), "n"),
          cell(s.waiting ? minutes(s.oldest_wait_min) : "-", "n"),
          cell(s.estimated_wait_min == null ? "-" : minutes(s.estimated_wait_min), "n"),
        );
        return tr;
      });
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = cell(strings.queue_empty);
      td.colSpan = 5;
      tr.append(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    const sent = field("sent-here");
    show(sent, queue.sent_here > 0);
    sent.textContent = fill(strings.sent_here, { count: queue.sent_here });
    if (isMediator) {
      const list = field("mediated");
      show(list.parentElement, queue.mediated.length > 0);
      list.replaceChildren(
        ...queue.mediated.map((m) => {
          const li = document.createElement("li");
          li.textContent = `${languageName(m.language)}: ${m.waiting}`;
          return li;
        }),
      );
    }
  }

  function renderDay(day) {
    field("served").textContent = String(day.served);
    field("mean").textContent = day.mean_service_min == null ? "-" : minutes(day.mean_service_min);
    field("no-shows").textContent = String(day.no_show);
    field("breaks").textContent = minutes(day.paused_min);
  }

  function requestItem(request) {
    const li = document.createElement("li");
    li.dataset.request = String(request.id);
    li.dataset.state = request.state;
    const text = document.createElement("span");
    const values = { counter: request.counter, language: languageName(request.language) };
    text.textContent = fill(request.state === "accepted" ? strings.helping : strings.asks, values);
    li.append(text);
    if (request.note) {
      const note = document.createElement("q");
      note.textContent = request.note;
      li.append(" ", note);
    }
    const act = document.createElement("button");
    act.type = "button";
    act.dataset.requestAction = request.state === "accepted" ? "done" : "accept";
    act.dataset.requestId = String(request.id);
    act.textContent = request.state === "accepted" ? strings.done : strings.accept;
    act.className = "primary";
    li.append(act);
    return li;
  }

  function renderMediation() {
    if (isMediator) {
      const list = field("requests");
      const mine = requests.filter((r) => r.state === "accepted");
      const shown = mine.length ? mine : requests;
      if (!shown.length) {
        const li = document.createElement("li");
        li.textContent = strings.no_requests;
        list.replaceChildren(li);
      } else {
        list.replaceChildren(...shown.map(requestItem));
      }
      return;
    }
    const open = requests.find((r) => r.counter_id === counterId);
    const status = field("my-request");
    show(status, Boolean(open));
    show(button("cancel-request"), Boolean(open));
    show(button("ask"), !open);
    if (open) {
      const values = { counter: open.mediator_counter, language: languageName(open.language) };
      status.textContent = fill(
        open.state === "accepted" ? strings.mediator_coming : strings.waiting_mediator,
        values,
      );
      status.dataset.state = open.state;
      button("cancel-request").dataset.requestId = String(open.id);
    }
  }

  // Reading what is true ------------------------------------------------------------------

  async function refresh() {
    const mine = ++generation;
    try {
      const [counter, mediation, day] = await Promise.all([
        api("GET", `/api/counters/${counterId}`),
        api("GET", "/api/mediation"),
        api("GET", "/api/me/day"),
      ]);
      if (mine !== generation) return;
      if (!counter.ok) {
        // The counter is no longer this person's (closed elsewhere): back to the choice.
        window.location.assign("/counter");
        return;
      }
      snapshot = counter.data;
      if (snapshot.counter.state === "closed") {
        window.location.assign("/counter");
        return;
      }
      requests = mediation.ok ? mediation.data.requests : requests;
      renderTicket(snapshot.ticket);
      renderButtons(snapshot.counter, snapshot.ticket);
      renderQueue(snapshot.queue);
      if (day.ok) renderDay(day.data);
      renderMediation();
      root.dataset.ready = "true";
    } catch (error) {
      // Offline for a moment: the reconnect brings a fresh snapshot.
    }
  }

  function soon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(refresh, SETTLE_MS);
  }

  // Acting --------------------------------------------------------------------------------

  async function post(path, body, onSuccess) {
    if (busy) return;
    busy = true;
    say("");
    try {
      const answer = await api("POST", path, body);
      if (answer.status === 204) say(strings.nobody);
      else if (!answer.ok) say(errorText(answer), true);
      else if (onSuccess) onSuccess(answer.data);
    } catch (error) {
      say(strings.failed, true);
    } finally {
      busy = false;
      await refresh();
    }
  }

  function act(action, body) {
    return post(`/api/counters/${counterId}/${action}`, body);
  }

  function openDialog(id) {
    const dialog = document.getElementById(id);
    dialog.querySelector("form").reset();
    syncDialog(dialog);
    dialog.showModal();
    const first = dialog.querySelector("select, input:not([type=radio])");
    if (first) first.focus();
  }

  function syncDialog(dialog) {
    const form = dialog.querySelector("form");
    if (form.dataset.form === "transfer") {
      const to = form.elements.to.value;
      for (const label of form.querySelectorAll("[data-when]")) show(label, label.dataset.when === to);
    } else if (form.dataset.form === "pause") {
      show(form.querySelector('[data-when="other"]'), form.elements.reason.value === "other");
    }
  }

  const onClick = {
    next: () => act("next"),
    recall: () => act("recall"),
    start: () => act("start"),
    finish: () => act("finish"),
    "no-show": () => act("no-show"),
    resume: () => act("resume"),
    close: () =>
      post(`/api/counters/${counterId}/close`, {}, () => window.location.assign("/counter")),
    transfer: () => openDialog("transfer-dialog"),
    pause: () => openDialog("pause-dialog"),
    ask: () => openDialog("ask-dialog"),
    "cancel-request": () =>
      post(`/api/mediation/${button("cancel-request").dataset.requestId}/cancel`, {}),
  };

  for (const [action, handler] of Object.entries(onClick)) {
    const element = button(action);
    if (element) element.addEventListener("click", handler);
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-request-action]");
    if (target) post(`/api/mediation/${target.dataset.requestId}/${target.dataset.requestAction}`, {});
  });

  const submit = {
    transfer(form) {
      const note = form.elements.note.value.trim() || null;
      if (form.elements.to.value === "counter") {
        return act("transfer", { counter: Number(form.elements.counter.value), note });
      }
      return act("transfer", { service: form.elements.service.value, note });
    },
    pause(form) {
      const reason = form.elements.reason.value;
      const other = form.elements.other.value.trim();
      return act("pause", { reason: reason === "other" && other ? other : reason });
    },
    ask(form) {
      const note = form.elements.note.value.trim() || null;
      return post(`/api/counters/${counterId}/mediator`, {
        language: form.elements.language.value,
        note,
      });
    },
  };

  for (const dialog of document.querySelectorAll("dialog")) {
    const form = dialog.querySelector("form");
    form.addEventListener("change", () => syncDialog(dialog));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      dialog.close();
      submit[form.dataset.form](form);
    });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  }

  // One key per action, read off the buttons' aria-keyshortcuts: what is shown is what works.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (document.querySelector("dialog[open]")) return;
    if (event.target.closest && event.target.closest("input, select, textarea, [contenteditable]")) {
      return;
    }
    const key = event.key.length === 1 ? event.key.toUpperCase() : "";
    if (!key) return;
    for (const element of document.querySelectorAll(`[aria-keyshortcuts="${key}"]`)) {
      if (!element.hidden && !element.disabled) {
        event.preventDefault();
        element.click();
        return;
      }
    }
  });

  // Live ----------------------------------------------------------------------------------

  // The counter's room: its own changes and mediation requests. Named in the connect payload,
  // so every reconnect rejoins it.
  const socket = io({ auth: { counter: counterId } });
  socket.on("connect", () => {
    root.dataset.connected = "true";
    show(field("connection"), false);
    refresh();
  });
  socket.on("disconnect", () => {
    root.dataset.connected = "false";
    show(field("connection"), true);
  });
  socket.on("counter", soon);
  socket.on("mediation", soon);
  // The zone's display room says when the queue of a service served here changes.
  const zone = io({ auth: { display: setup.zone }, forceNew: true });
  zone.on("queue", soon);
  zone.on("called", soon);
  zone.on("connect", soon);
  // Waits grow with time and others' mediation requests come and go: look again now and then.
  window.setInterval(refresh, REFRESH_MS);
})();
