// A visitor's phone: the ticket's state, live over Socket.IO, and the call when it comes.
"use strict";

(function () {
  const root = document.getElementById("phone");
  const token = root.dataset.token;
  const strings = JSON.parse(document.getElementById("kiosk-strings").textContent);
  const names = JSON.parse(document.getElementById("service-names").textContent);
  let state = root.dataset.state;

  function field(name) {
    return root.querySelector(`[data-field="${name}"]`);
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function buzz() {
    if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
  }

  function render(status, event) {
    const called = status.state === "called";
    if (called && (state !== "called" || (event && event.kind === "recalled"))) buzz();
    state = status.state;
    root.dataset.state = state;
    root.dataset.service = status.service;
    field("number").textContent = status.number;
    field("service").textContent = names[status.service] || status.service;
    const call = field("call");
    call.hidden = !called;
    call.textContent = called ? fill(strings.your_turn, { counter: status.counter }) : "";
    const messages = {
      waiting: strings.waiting,
      serving: fill(strings.serving, { counter: status.counter }),
      done: strings.done,
      no_show: strings.no_show,
      cancelled: strings.cancelled,
    };
    field("message").textContent = messages[status.state] || "";
    field("facts").hidden = status.state !== "waiting";
    if (status.state === "waiting") {
      field("position").textContent =
        status.position === 1 ? strings.you_are_next : String(status.position);
      field("estimate").textContent =
        status.estimated_wait_min == null
          ? "-"
          : fill(strings.about_min, { minutes: Math.max(1, Math.round(status.estimated_wait_min)) });
    }
  }

  async function refresh(event) {
    try {
      const response = await fetch(`/api/tickets/${encodeURIComponent(token)}`);
      if (response.ok) render(await response.json(), event);
    } catch (error) {
      // Offline for a moment: the reconnect brings a fresh snapshot.
    }
  }

  // The rooms are named in the connect payload, so every reconnect rejoins them: the ticket's
  // own, and its service's queue, whose moves change this ticket's position.
  const socket = io({ auth: { ticket: token, service: root.dataset.service } });
  socket.on("connect", () => {
    root.dataset.connected = "true";
    field("connection").hidden = true;
    refresh();
  });
  socket.on("disconnect", () => {
    root.dataset.connected = "false";
    field("connection").hidden = false;
  });
  socket.on("ticket", async (event) => {
    await refresh(event);
    if (event.kind === "transferred" && root.dataset.service !== socket.auth.service) {
      socket.auth.service = root.dataset.service;
      socket.disconnect().connect();
    }
  });
  let pending = null;
  socket.on("queue", () => {
    // A busy queue moves often: one look a second is enough.
    pending = pending || window.setTimeout(() => { pending = null; refresh(); }, 1000);
  });
})();
