/* Announcements play one after another, each in full: a chime, then every spoken part.
   A clip that fails or hangs is skipped after a timeout, so the queue never stalls; the
   queue and the history are capped, so memory stays bounded however long the screen runs. */
(function () {
  "use strict";

  const CLIP_TIMEOUT_MS = 15000;
  const PAUSE_MS = 350;
  const MAX_PENDING = 50;
  const MAX_HISTORY = 20;

  function wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /* Resolves true once the clip has played to its end, false if it could not. */
  function playClip(url) {
    return new Promise((resolve) => {
      const audio = new Audio();
      let settled = false;
      const timer = setTimeout(() => finish(false), CLIP_TIMEOUT_MS);
      function finish(played) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        audio.onended = null;
        audio.onerror = null;
        audio.pause();
        audio.removeAttribute("src");
        audio.load();
        resolve(played);
      }
      audio.onended = () => finish(true);
      audio.onerror = () => finish(false);
      audio.src = url;
      const started = audio.play();
      if (started) started.catch(() => finish(false));
    });
  }

  function copy(item) {
    return {
      key: item.key,
      number: item.number,
      counter: item.counter,
      recall: item.recall,
      status: item.status,
      parts: item.parts.map((part) => part.label),
      played: item.played.map((part) => ({ label: part.label, ok: part.ok })),
    };
  }

  class Announcer {
    constructor() {
      this.pending = [];
      this.current = null;
      this.history = [];
      this.running = false;
    }

    /* item: {key, number, counter, recall, parts: [{label, url}]} */
    enqueue(item) {
      if (this.pending.length >= MAX_PENDING) this.pending.shift();
      this.pending.push({ ...item, status: "queued", played: [] });
      this.run();
    }

    async run() {
      if (this.running) return;
      this.running = true;
      while (this.pending.length > 0) {
        const item = this.pending.shift();
        item.status = "playing";
        this.current = item;
        for (const part of item.parts) {
          const ok = await playClip(part.url);
          item.played.push({ label: part.label, ok });
          await wait(PAUSE_MS);
        }
        item.status = "done";
        this.current = null;
        this.history.push(item);
        if (this.history.length > MAX_HISTORY) this.history.shift();
      }
      this.running = false;
    }

    /* Everything known, oldest first: done, then playing, then queued. */
    list() {
      const items = [...this.history];
      if (this.current) items.push(this.current);
      return [...items, ...this.pending].map(copy);
    }
  }

  window.OneStopAnnouncer = Announcer;
})();
