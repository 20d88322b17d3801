// Pairing: staff type (or pass as #key=...) the kiosk key once; the browser keeps it.
"use strict";

(function () {
  const KEY = "onestop.kiosk.key";
  const root = document.getElementById("pairing");
  const strings = JSON.parse(document.getElementById("kiosk-strings").textContent);
  const form = document.getElementById("pair-form");
  const input = document.getElementById("kiosk-key");
  const result = document.getElementById("pair-result");

  async function pair(key) {
    let response;
    try {
      response = await fetch("/api/kiosk/device", { headers: { Authorization: `Bearer ${key}` } });
    } catch (error) {
      result.textContent = strings.failed;
      return;
    }
    if (!response.ok) {
      result.textContent = strings.key_refused;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    const device = await response.json();
    window.localStorage.setItem(KEY, key);
    result.textContent = strings.paired_as.replace("%(name)s", device.name);
    window.setTimeout(() => window.location.assign(root.dataset.start), 1500);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) pair(key);
  });

  // A set-up script may open /kiosk/pair#key=...: the key never reaches a server log.
  const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (fromFragment) {
    window.history.replaceState(null, "", window.location.pathname);
    pair(fromFragment);
  }
})();
