// The managers' page: the floor live over Socket.IO (an event says "something changed", the
// page reads a fresh snapshot), and a range of days as charts (Chart.js) and tables, each
// table with its CSV. Everything shown comes from the JSON API under /api/reports; the words
// come translated in the page's setup (its API keys and codes stay as they are).
"use strict";

(function () {
  const root = document.getElementById("reports");
  const setup = JSON.parse(document.getElementById("reports-setup").textContent);
  const form = document.getElementById("range");
  const strings = setup.strings;
  const H = strings.headings;
  const numbers = new Intl.NumberFormat(setup.intl, { maximumFractionDigits: 1 });
  const SETTLE_MS = 300;
  // waits grow and refusals happen without a ticket event: read the floor now and then anyway
  const REFRESH_MS = 30000;
  const TOTAL = strings.total;
  const charts = {};
  let pending = null;

  function field(name) {
    return document.querySelector(`[data-field="${name}"]`);
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    return typeof value === "number" ? numbers.format(value) : String(value);
  }

  // A translated string with its %(name)s placeholders filled in
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // A code the API answers with (a state, a reason, a fault), in words when there are some
  function word(code) {
    return strings.codes[code] || code;
  }

  function say(text) {
    field("message").textContent = text || "";
  }

  async function read(path) {
    const response = await fetch(path, { credentials: "same-origin" });
    if (!response.ok) {
      let message = `${response.status}`;
      try {
        message = (await response.json()).error.message;
      } catch (ignored) {
        // not JSON: keep the status
      }
      throw new Error(message);
    }
    return response.json();
  }

  // A table from column specs: [heading, row => value, key?] (the key names a figure)
  function table(id, columns, rows, rowClass) {
    const element = document.getElementById(id);
    if (!element) return;
    element.replaceChildren();
    const head = element.createTHead().insertRow();
    for (const [heading] of columns) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = heading;
      head.appendChild(cell);
    }
    const body = element.createTBody();
    for (const row of rows) {
      const line = body.insertRow();
      if (rowClass && rowClass(row)) line.className = rowClass(row);
      for (const [, value] of columns) {
        line.insertCell().textContent = show(value(row));
      }
    }
  }

  function serviceName(code) {
    return setup.services[code] || code;
  }

  // --- the floor, live ---------------------------------------------------------------

  async function refreshFloor() {
    try {
      const floor = await read("/api/reports/floor");
      drawFloor(floor);
    } catch (error) {
      say(fill(strings.floor_failed, { error: error.message }));
    }
    try {
      const printers = await read("/api/printers");
      table("floor-printers", [
        [H.kiosk, (p) => p.kiosk],
        [H.printer, (p) => word(p.kind)],
        [H.state, (p) => word(p.state)],
        [H.fault, (p) => (p.code ? word(p.code) : "")],
        [H.printed, (p) => p.printed],
      ], printers);
    } catch (error) {
      table("floor-printers", [[H.printers, (p) => p]], [error.message]);
    }
  }

  function drawFloor(floor) {
    field("floor-at").textContent = new Date(floor.at).toLocaleTimeString(setup.intl);
    const longest = floor.longest;
    field("longest").querySelector("strong").textContent = longest
      ? fill(strings.longest, { minutes: show(longest.oldest_wait_min), service: serviceName(longest.code) })
      : "—";
    const waiting = floor.services.reduce((sum, s) => sum + s.waiting, 0);
    field("waiting-total").querySelector("strong").textContent = show(waiting);
    field("refusals-today").querySelector("strong").textContent = show(floor.refusals.total);
    table("floor-services", [
      [H.service, (s) => serviceName(s.code)],
      [H.waiting, (s) => s.waiting],
      [H.longest_wait, (s) => s.oldest_wait_min],
      [H.target, (s) => s.target_min],
    ], floor.services.filter((s) => s.waiting > 0), (s) => (s.over_target ? "late" : ""));
    const columns = [
      [H.counter, (c) => c.name],
      [H.state, (c) => (c.pause_reason
        ? fill(strings.state_reason, { state: word(c.state), reason: word(c.pause_reason) })
        : word(c.state))],
      [H.staff, (c) => c.staff || ""],
      [H.ticket, (c) => c.ticket || ""],
    ];
    table("floor-counters", columns, floor.counters.filter((c) => c.kind === "counter"),
      (c) => `state-${c.state}`);
    table("floor-mediators", columns, floor.counters.filter((c) => c.kind === "mediator"),
      (c) => `state-${c.state}`);
    table("floor-mediation", [
      [H.language, (r) => setup.languages[r.language] || r.language],
      [H.state, (r) => word(r.state)],
      [H.counter, (r) => r.counter],
      [H.waited, (r) => r.waited_min],
    ], floor.mediation);
    table("floor-refusals", [[H.reason, (r) => word(r[0])], [H.refused, (r) => r[1]]],
      Object.entries(floor.refusals.by_reason));
  }

  function soon() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refreshFloor();
    }, SETTLE_MS);
  }

  const socket = io({ auth: { floor: true } });
  socket.on("connect", () => {
    root.dataset.connected = "true";
    field("connection").hidden = true;
    refreshFloor();
  });
  socket.on("disconnect", () => {
    root.dataset.connected = "false";
    field("connection").hidden = false;
  });
  socket.on("floor", soon);
  setInterval(soon, REFRESH_MS);

  // --- a range of days ------------------------------------------------------------------

  function range() {
    const data = new FormData(form);
    return { from: data.get("from"), to: data.get("to") };
  }

  function query(extra) {
    return new URLSearchParams({ ...range(), ...(extra || {}) }).toString();
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    config.options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      ...(config.options || {}),
    };
    charts[id] = new Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }

  const FIGURES = [
    [H.issued, (r) => r.issued, "issued"],
    [H.served, (r) => r.served, "served"],
    [H.no_show, (r) => r.no_show, "no_show"],
    [H.cancelled, (r) => r.cancelled, "cancelled"],
    [H.refused, (r) => r.refused, "refused"],
    [H.refused_by_reason, (r) => Object.entries(r.refused_by_reason || {})
      .map(([reason, n]) => `${word(reason)} ${show(n)}`).join(", "), "refused_by_reason"],
    [H.wait_mean, (r) => r.wait_mean_min, "wait_mean"],
    [H.median, (r) => r.wait_median_min, "median"],
    [H.p90, (r) => r.wait_p90_min, "p90"],
    [H.within_target, (r) => r.within_target_pct, "within_target"],
    [H.service_mean, (r) => r.service_mean_min, "service_mean"],
    [H.transfers, (r) => r.transfers, "transfers"],
  ];

  function late(row) {
    return row.within_target_pct !== null && row.within_target_pct < 80 ? "late" : "";
  }

  function breakdownTable(id, label, key, answer) {
    const rows = [...answer.rows, { ...answer.total, [answer.by]: TOTAL }];
    table(id, [[label, (r) => key(r)], ...FIGURES], rows, late);
  }

  function waitChart(id, labels, rows, withArrivals) {
    const datasets = [
      { type: "line", label: H.wait_p90_min, data: rows.map((r) => r.wait_p90_min), yAxisID: "y" },
      { type: "line", label: H.wait_mean_min, data: rows.map((r) => r.wait_mean_min), yAxisID: "y" },
    ];
    if (withArrivals) {
      datasets.push({ type: "bar", label: H.issued, data: rows.map((r) => r.issued), yAxisID: "y1" });
    } else {
      datasets.push({
        type: "bar", label: H.within_target, data: rows.map((r) => r.within_target_pct), yAxisID: "y1",
      });
    }
    chart(id, {
      data: { labels, datasets },
      options: {
        scales: {
          y: { position: "left", title: { display: true, text: strings.minutes }, beginAtZero: true },
          y1: { position: "right", grid: { drawOnChartArea: false }, beginAtZero: true },
        },
      },
    });
  }

  function hourLabel(hour) {
    return `${String(hour).padStart(2, "0")}:00`;
  }

  async function drawServices() {
    const answer = await read(`/api/reports/breakdown?${query({ by: "service" })}`);
    const rows = answer.rows.filter((r) => r.issued > 0 || r.refused > 0);
    waitChart("chart-services", rows.map((r) => serviceName(r.service)), rows, false);
    breakdownTable("table-service", H.service, (r) => (r.service === TOTAL ? r.service : serviceName(r.service)), answer);
  }

  async function drawHours() {
    const answer = await read(`/api/reports/breakdown?${query({ by: "hour" })}`);
    waitChart("chart-hours", answer.rows.map((r) => hourLabel(r.hour)), answer.rows, true);
    breakdownTable("table-hour", H.hour, (r) => (r.hour === TOTAL ? r.hour : hourLabel(r.hour)), answer);
  }

  async function drawWeekdays() {
    const answer = await read(`/api/reports/breakdown?${query({ by: "weekday" })}`);
    waitChart("chart-weekdays", answer.rows.map((r) => setup.weekdays[r.weekday]), answer.rows, true);
    breakdownTable("table-weekday", H.weekday,
      (r) => (r.weekday === TOTAL ? r.weekday : setup.weekdays[r.weekday]), answer);
  }

  async function drawHeatmap() {
    const answer = await read(`/api/reports/heatmap?${query()}`);
    const element = document.getElementById("table-heatmap");
    element.replaceChildren();
    const hours = answer.hours.filter((h) => answer.arrivals.some((day) => day[h] > 0));
    const top = Math.max(1, ...answer.arrivals.flat());
    const head = element.createTHead().insertRow();
    head.appendChild(document.createElement("th"));
    for (const hour of hours) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = hourLabel(hour);
      head.appendChild(cell);
    }
    const body = element.createTBody();
    answer.arrivals.forEach((counts, day) => {
      const line = body.insertRow();
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = setup.weekdays[day];
      line.appendChild(name);
      for (const hour of hours) {
        const cell = line.insertCell();
        cell.textContent = show(counts[hour]);
        cell.className = `heat-${Math.ceil((5 * counts[hour]) / top)}`;
      }
    });
  }

  async function drawStaffing() {
    const answer = await read(`/api/reports/staffing?${query()}`);
    chart("chart-staffing", {
      data: {
        labels: answer.rows.map((r) => hourLabel(r.hour)),
        datasets: [
          { type: "bar", label: H.counters_needed, data: answer.rows.map((r) => r.needed) },
          { type: "line", label: H.counters_staffed, data: answer.rows.map((r) => r.staffed), stepped: "middle" },
          { type: "line", label: H.counters_open, data: answer.rows.map((r) => r.open), stepped: "middle" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: strings.counters } } } },
    });
    table("table-staffing", [
      [H.hour, (r) => hourLabel(r.hour)],
      [H.arrivals_per_day, (r) => r.arrivals_per_day],
      [H.service_mean_min, (r) => r.mean_service_min],
      [H.load, (r) => r.load],
      [H.needed, (r) => r.needed],
      [H.staffed, (r) => r.staffed],
      [H.open, (r) => r.open],
    ], answer.rows, (r) => (r.open < r.needed ? "late" : ""));
  }

  async function drawEstimates() {
    const answer = await read(`/api/reports/estimates?${query()}`);
    table("table-estimates", [
      [H.service, (r) => (r.code === "total" ? TOTAL : serviceName(r.code))],
      [H.tickets, (r) => r.tickets],
      [H.estimate_mean, (r) => r.estimate_mean_min],
      [H.wait_mean, (r) => r.wait_mean_min],
      [H.error_mean, (r) => r.error_mean_min],
      [H.bias, (r) => r.bias_min],
      [H.within_5, (r) => r.within_5_min_pct],
    ], answer.rows);
  }

  async function drawStaff() {
    const answer = await read(`/api/reports/staff?${query()}`);
    table("table-staff", [
      [H.staff, (r) => r.username],
      [H.served, (r) => r.served],
      [H.no_show, (r) => r.no_show],
      [H.staff_service_mean, (r) => r.service_mean_min],
      [H.breaks, (r) => r.break_min],
      [H.idle, (r) => r.idle_while_waiting_min],
    ], answer.rows);
  }

  async function drawMediation() {
    const answer = await read(`/api/reports/mediation?${query()}`);
    const name = (r) => setup.languages[r.language] || r.language;
    chart("chart-mediation", {
      type: "bar",
      data: {
        labels: answer.rows.map(name),
        datasets: [
          { label: H.mediator_tickets, data: answer.rows.map((r) => r.tickets) },
          { label: H.mediator_requests, data: answer.rows.map((r) => r.requests) },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
    table("table-mediation", [
      [H.language, name],
      [H.tickets, (r) => r.tickets],
      [H.served, (r) => r.served],
      [H.wait_mean_min, (r) => r.wait_mean_min],
      [H.requests, (r) => r.requests],
      [H.accepted, (r) => r.accepted],
      [H.accepted_after, (r) => r.accept_mean_min],
    ], answer.rows);
  }

  async function drawNational() {
    if (!setup.admin) return;
    const answer = await read(`/api/reports/national?${query()}`);
    table("table-national", [
      [H.centre, (r) => r.centre],
      ...FIGURES.filter(([, , key]) => !["median", "refused_by_reason", "transfers"].includes(key)),
    ], [...answer.centres, { ...answer.total, centre: TOTAL }], late);
  }

  function links() {
    for (const link of document.querySelectorAll("a[data-csv]")) {
      const extra = link.dataset.by ? { by: link.dataset.by } : {};
      link.href = `/api/reports/${link.dataset.csv}.csv?${query(extra)}`;
    }
  }

  async function drawRange() {
    say(strings.loading);
    links();
    const parts = [drawServices, drawHours, drawWeekdays, drawHeatmap, drawStaffing,
      drawEstimates, drawStaff, drawMediation, drawNational];
    const results = await Promise.allSettled(parts.map((part) => part()));
    const failed = results.find((result) => result.status === "rejected");
    say(failed ? fill(strings.report_failed, { error: failed.reason.message }) : "");
    root.dataset.loaded = "true";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams(range());
    history.replaceState(null, "", `?${params}`);
    drawRange();
  });
  document.getElementById("print").addEventListener("click", () => window.print());
  window.addEventListener("beforeprint", () => {
    for (const instance of Object.values(charts)) instance.resize();
  });

  const asked = new URLSearchParams(window.location.search);
  for (const name of ["from", "to"]) {
    if (asked.get(name)) form.elements[name].value = asked.get(name);
  }
  drawRange();
})();
