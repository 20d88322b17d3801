// The managers' page: the floor live over Socket.IO (an event says "something changed", the
// page reads a fresh snapshot), and a range of days as charts (Chart.js) and tables, each
// table with its CSV. Everything shown comes from the JSON API under /api/reports.
"use strict";

(function () {
  const root = document.getElementById("reports");
  const setup = JSON.parse(document.getElementById("reports-setup").textContent);
  const form = document.getElementById("range");
  const numbers = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
  const SETTLE_MS = 300;
  // waits grow and refusals happen without a ticket event: read the floor now and then anyway
  const REFRESH_MS = 30000;
  const charts = {};
  let pending = null;

  function field(name) {
    return document.querySelector(`[data-field="${name}"]`);
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    return typeof value === "number" ? numbers.format(value) : String(value);
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

  // A table from column specs: [heading, row => value, className?]
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
      say(`Could not read the floor: ${error.message}`);
    }
    try {
      const printers = await read("/api/printers");
      table("floor-printers", [
        ["Kiosk", (p) => p.kiosk],
        ["Printer", (p) => p.kind],
        ["State", (p) => p.state],
        ["Fault", (p) => p.code || ""],
        ["Printed", (p) => p.printed],
      ], printers);
    } catch (error) {
      table("floor-printers", [["Printers", (p) => p]], [error.message]);
    }
  }

  function drawFloor(floor) {
    field("floor-at").textContent = new Date(floor.at).toLocaleTimeString("en-GB");
    const longest = floor.longest;
    field("longest").querySelector("strong").textContent = longest
      ? `${show(longest.oldest_wait_min)} min · ${serviceName(longest.code)}`
      : "—";
    const waiting = floor.services.reduce((sum, s) => sum + s.waiting, 0);
    field("waiting-total").querySelector("strong").textContent = show(waiting);
    field("refusals-today").querySelector("strong").textContent = show(floor.refusals.total);
    table("floor-services", [
      ["Service", (s) => serviceName(s.code)],
      ["Waiting", (s) => s.waiting],
      ["Longest wait (min)", (s) => s.oldest_wait_min],
      ["Target (min)", (s) => s.target_min],
    ], floor.services.filter((s) => s.waiting > 0), (s) => (s.over_target ? "late" : ""));
    const columns = [
      ["Counter", (c) => c.name],
      ["State", (c) => (c.pause_reason ? `${c.state}: ${c.pause_reason}` : c.state)],
      ["Staff", (c) => c.staff || ""],
      ["Ticket", (c) => c.ticket || ""],
    ];
    table("floor-counters", columns, floor.counters.filter((c) => c.kind === "counter"),
      (c) => `state-${c.state}`);
    table("floor-mediators", columns, floor.counters.filter((c) => c.kind === "mediator"),
      (c) => `state-${c.state}`);
    table("floor-mediation", [
      ["Language", (r) => setup.languages[r.language] || r.language],
      ["State", (r) => r.state],
      ["Counter", (r) => r.counter],
      ["Waited (min)", (r) => r.waited_min],
    ], floor.mediation);
    table("floor-refusals", [["Reason", (r) => r[0]], ["Refused", (r) => r[1]]],
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
    ["Issued", (r) => r.issued],
    ["Served", (r) => r.served],
    ["No-show", (r) => r.no_show],
    ["Cancelled", (r) => r.cancelled],
    ["Refused", (r) => r.refused],
    ["Refused by reason", (r) => Object.entries(r.refused_by_reason || {})
      .map(([reason, n]) => `${reason} ${n}`).join(", ")],
    ["Wait mean", (r) => r.wait_mean_min],
    ["Median", (r) => r.wait_median_min],
    ["p90", (r) => r.wait_p90_min],
    ["Within target %", (r) => r.within_target_pct],
    ["Service mean", (r) => r.service_mean_min],
    ["Transfers", (r) => r.transfers],
  ];

  function late(row) {
    return row.within_target_pct !== null && row.within_target_pct < 80 ? "late" : "";
  }

  function breakdownTable(id, label, key, answer) {
    const rows = [...answer.rows, { ...answer.total, [answer.by]: "Total" }];
    table(id, [[label, (r) => key(r)], ...FIGURES], rows, late);
  }

  function waitChart(id, labels, rows, withArrivals) {
    const datasets = [
      { type: "line", label: "Wait p90 (min)", data: rows.map((r) => r.wait_p90_min), yAxisID: "y" },
      { type: "line", label: "Wait mean (min)", data: rows.map((r) => r.wait_mean_min), yAxisID: "y" },
    ];
    if (withArrivals) {
      datasets.push({ type: "bar", label: "Issued", data: rows.map((r) => r.issued), yAxisID: "y1" });
    } else {
      datasets.push({
        type: "bar", label: "Within target %", data: rows.map((r) => r.within_target_pct), yAxisID: "y1",
      });
    }
    chart(id, {
      data: { labels, datasets },
      options: {
        scales: {
          y: { position: "left", title: { display: true, text: "minutes" }, beginAtZero: true },
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
    breakdownTable("table-service", "Service", (r) => (r.service === "Total" ? r.service : serviceName(r.service)), answer);
  }

  async function drawHours() {
    const answer = await read(`/api/reports/breakdown?${query({ by: "hour" })}`);
    waitChart("chart-hours", answer.rows.map((r) => hourLabel(r.hour)), answer.rows, true);
    breakdownTable("table-hour", "Hour", (r) => (r.hour === "Total" ? r.hour : hourLabel(r.hour)), answer);
  }

  async function drawWeekdays() {
    const answer = await read(`/api/reports/breakdown?${query({ by: "weekday" })}`);
    waitChart("chart-weekdays", answer.rows.map((r) => setup.weekdays[r.weekday]), answer.rows, true);
    breakdownTable("table-weekday", "Weekday",
      (r) => (r.weekday === "Total" ? r.weekday : setup.weekdays[r.weekday]), answer);
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
          { type: "bar", label: "Counters needed", data: answer.rows.map((r) => r.needed) },
          { type: "line", label: "Counters staffed (config)", data: answer.rows.map((r) => r.staffed), stepped: "middle" },
          { type: "line", label: "Counters open (mean)", data: answer.rows.map((r) => r.open), stepped: "middle" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "counters" } } } },
    });
    table("table-staffing", [
      ["Hour", (r) => hourLabel(r.hour)],
      ["Arrivals per open day", (r) => r.arrivals_per_day],
      ["Mean service (min)", (r) => r.mean_service_min],
      ["Load (Erlang)", (r) => r.load],
      ["Needed", (r) => r.needed],
      ["Staffed (config)", (r) => r.staffed],
      ["Open (mean)", (r) => r.open],
    ], answer.rows, (r) => (r.open < r.needed ? "late" : ""));
  }

  async function drawEstimates() {
    const answer = await read(`/api/reports/estimates?${query()}`);
    table("table-estimates", [
      ["Service", (r) => (r.code === "total" ? "Total" : serviceName(r.code))],
      ["Tickets", (r) => r.tickets],
      ["Estimate mean", (r) => r.estimate_mean_min],
      ["Wait mean", (r) => r.wait_mean_min],
      ["Mean error", (r) => r.error_mean_min],
      ["Bias", (r) => r.bias_min],
      ["Within 5 min %", (r) => r.within_5_min_pct],
    ], answer.rows);
  }

  async function drawStaff() {
    const answer = await read(`/api/reports/staff?${query()}`);
    table("table-staff", [
      ["Staff", (r) => r.username],
      ["Served", (r) => r.served],
      ["No-show", (r) => r.no_show],
      ["Service mean (min)", (r) => r.service_mean_min],
      ["Breaks (min)", (r) => r.break_min],
      ["Idle while tickets waited (min)", (r) => r.idle_while_waiting_min],
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
          { label: "Tickets asking for a mediator", data: answer.rows.map((r) => r.tickets) },
          { label: "Requests from counters", data: answer.rows.map((r) => r.requests) },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
    table("table-mediation", [
      ["Language", name],
      ["Tickets", (r) => r.tickets],
      ["Served", (r) => r.served],
      ["Wait mean (min)", (r) => r.wait_mean_min],
      ["Requests", (r) => r.requests],
      ["Accepted", (r) => r.accepted],
      ["Accepted after (min)", (r) => r.accept_mean_min],
    ], answer.rows);
  }

  async function drawNational() {
    if (!setup.admin) return;
    const answer = await read(`/api/reports/national?${query()}`);
    table("table-national", [
      ["Centre", (r) => r.centre],
      ...FIGURES.filter(([heading]) => !["Median", "Refused by reason", "Transfers"].includes(heading)),
    ], [...answer.centres, { ...answer.total, centre: "Total" }], late);
  }

  function links() {
    for (const link of document.querySelectorAll("a[data-csv]")) {
      const extra = link.dataset.by ? { by: link.dataset.by } : {};
      link.href = `/api/reports/${link.dataset.csv}.csv?${query(extra)}`;
    }
  }

  async function drawRange() {
    say("Loading…");
    links();
    const parts = [drawServices, drawHours, drawWeekdays, drawHeatmap, drawStaffing,
      drawEstimates, drawStaff, drawMediation, drawNational];
    const results = await Promise.allSettled(parts.map((part) => part()));
    const failed = results.find((result) => result.status === "rejected");
    say(failed ? `Could not read a report: ${failed.reason.message}` : "");
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
