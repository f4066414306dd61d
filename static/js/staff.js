// The helper's panel: follows the resident screen by long polling its own URL and says every
// state in words from the staff catalog (the table the page carries). A resident calling or one
// PIN try left flashes a banner and plays a tone; Chromium plays sound only after a tap on the
// page, so the first tap anywhere (or the 'turn on' button) unlocks it.
"use strict";

(function () {
  const panel = document.querySelector("main[data-staff-panel]");
  if (!panel) return;
  const words = JSON.parse(document.querySelector("[data-staff-words]").textContent);
  let version = Number(panel.dataset.version);
  const sound = document.querySelector("[data-alert-sound]");
  const soundOn = document.querySelector("[data-sound-on]");
  let unlocked = false;
  function unlock() {
    if (unlocked || !sound) return;
    sound.muted = true;
    sound.play().then(() => { sound.pause(); sound.currentTime = 0; sound.muted = false; unlocked = true;
      if (soundOn) soundOn.hidden = true; }).catch(() => {});
  }
  document.addEventListener("pointerdown", unlock, { once: false });
  if (soundOn) soundOn.addEventListener("click", unlock);

  const say = (table, code) => (code === null || code === undefined ? "—" : (words[table][code] || code));
  async function refreshHelp() {
    try {
      const res = await fetch(window.location.pathname, { cache: "no-store" });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
      ["[data-help-sections]", "[data-recent-visits]"].forEach((sel) => {
        const now = panel.querySelector(sel), next = fresh.querySelector(sel);
        if (now && next) now.replaceWith(document.importNode(next, true));
      });
    } catch (e) { /* the next change tries again */ }
  }
  let alerting = false;
  function alert(on) {
    const banner = document.querySelector("[data-staff-alert]");
    banner.hidden = !on;
    if (on && !alerting && unlocked) {
      sound.currentTime = 0;
      sound.play().then(() => { banner.dataset.sounded = "yes"; }).catch(() => {});
    }
    alerting = on;
  }
  function show(state) {
    // Another visit began or ended: the help controls name visits, so they are fetched anew
    // (not the whole page: a reload would lose the tap that lets the alert sound).
    if ((state.event || "") !== panel.dataset.event || (state.ended_event || "") !== panel.dataset.endedEvent) {
      panel.dataset.event = state.event || "";
      panel.dataset.endedEvent = state.ended_event || "";
      refreshHelp();
    }
    const dl = panel.querySelector("[data-staff-step]");
    dl.dataset.staffStep = state.step;
    dl.dataset.staffReason = state.reason || "";
    panel.querySelectorAll("[data-field]").forEach((el) => {
      const f = el.dataset.field, value = state[f];
      if (f === "busy") el.hidden = !value;
      else if (f === "card_present") el.textContent = say("other", value ? "card_in" : "card_out");
      else if (f === "step") el.textContent = say("step", value);
      else if (f === "reason") el.textContent = say("reason", value);
      else if (f === "reader") el.textContent = say("reader", value);
      else if (f === "language") el.textContent = say("language", value);
      else el.textContent = value === null || value === undefined ? "—" : String(value);
    });
    panel.querySelector("[data-staff-called]").hidden = !state.helper_called;
    panel.querySelector("[data-staff-last-try]").hidden = state.reason !== "one_try_left";
    alert(Boolean(state.helper_called) || state.reason === "one_try_left");
    panel.querySelectorAll('[data-when="one_try_left"]').forEach((f) => {
      f.hidden = !(state.reason === "one_try_left" && state.card_present);
      const visit = f.querySelector("[data-visit]");
      if (visit) visit.value = state.visit || "";  // the visit now on show
    });
  }
  // A page opened while an alert is on tries the tone at once; if the browser wants a tap
  // first, the 'turn on' button stays.
  if (!document.querySelector("[data-staff-alert]").hidden && sound) {
    sound.play().then(() => { unlocked = true; alerting = true; if (soundOn) soundOn.hidden = true;
      document.querySelector("[data-staff-alert]").dataset.sounded = "yes"; }).catch(() => {});
  }
  (async function follow() {
    for (;;) {
      try {
        const res = await fetch("state?since=" + version, { cache: "no-store" });
        if (res.status === 401 || res.redirected) { window.location.reload(); return; }
        if (res.ok) {
          const state = await res.json();
          if (state.version !== version) { version = state.version; show(state); }
          // Too many panels waiting at once: the server answered now; ask again when it says.
          const later = Number(res.headers.get("Retry-After"));
          if (later > 0) await new Promise((r) => setTimeout(r, later * 1000));
        } else {
          await new Promise((r) => setTimeout(r, 2000));
        }
      } catch (e) {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  })();
})();

// The venue view: every kiosk at the venue, asked every two seconds through this kiosk's server.
(function () {
  const main = document.querySelector("main[data-venue-view]");
  if (!main) return;
  const words = JSON.parse(document.querySelector("[data-staff-words]").textContent);
  const labels = JSON.parse(document.querySelector("[data-venue-labels]").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const grid = main.querySelector("[data-venue-grid]");
  const banner = main.querySelector("[data-staff-alert]");
  const sound = main.querySelector("[data-alert-sound]");
  const soundOn = main.querySelector("[data-sound-on]");
  let unlocked = false;
  function unlock() {
    if (unlocked) return;
    sound.muted = true;
    sound.play().then(() => { sound.pause(); sound.currentTime = 0; sound.muted = false; unlocked = true;
      soundOn.hidden = true; }).catch(() => {});
  }
  document.addEventListener("pointerdown", unlock);
  soundOn.addEventListener("click", unlock);
  const say = (table, code) => (code === null || code === undefined ? "—" : (words[table][code] || code));
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function helpForm(k, fields, buttons) {
    const form = el("form", { method: "post", action: "help", class: "help-form" });
    const all = Object.assign({ csrf_token: csrf, peer: String(k.peer), event: k.ended_event }, fields);
    Object.entries(all).forEach(([n, v]) => form.appendChild(el("input", { type: "hidden", name: n, value: v })));
    buttons.forEach(([name, value, text, mark]) => {
      form.appendChild(el("button", Object.assign({ type: "submit", name: name, value: value, class: "btn btn-secondary" }, mark), text));
    });
    return form;
  }
  let seen = "";
  let alerting = new Set();
  function render(kiosks) {
    // Rebuilt only when something changed, so a helper's tap on a form is never lost.
    const key = JSON.stringify(kiosks);
    if (key === seen) return;
    seen = key;
    grid.replaceChildren();
    const now = new Set();
    const texts = [];
    kiosks.forEach((k) => {
      const card = el("section", { class: "venue-kiosk", "data-kiosk": k.terminal_id || String(k.peer) });
      card.appendChild(el("h2", {}, labels.kiosk + " " + (k.terminal_id || k.peer)));
      if (!k.reachable) { card.appendChild(el("p", { "data-unreachable": "" }, say("other", "unreachable"))); grid.appendChild(card); return; }
      const calling = k.helper_called || k.reason === "one_try_left";
      if (calling) {
        card.classList.add("alerting");
        now.add(k.terminal_id);
        texts.push(k.terminal_id + ": " + (k.helper_called ? say("other", "called") : labels.last_try));
      }
      card.dataset.step = k.step;
      card.appendChild(el("p", { "data-kiosk-step": "" }, labels.screen + ": " + say("step", k.step)));
      card.appendChild(el("p", {}, labels.cause + ": " + say("reason", k.reason)));
      card.appendChild(el("p", {}, labels.card + ": " + say("other", k.card_present ? "card_in" : "card_out") + " · " + labels.reader + ": " + say("reader", k.reader)));
      if (k.ended_event) {
        const sec = el("div", { "data-ended": k.ended_event });
        sec.appendChild(el("h3", {}, labels.ended + ": " + say("outcome", k.ended_outcome) + " · " + say("other", k.ended_assisted ? "assisted" : "self_service")));
        sec.appendChild(helpForm(k, {}, [["kind", "assisted", labels.assisted, { "data-help": "assisted" }],
                                          ["kind", "self_service", labels.self_service, { "data-help": "self_service" }]]));
        sec.appendChild(helpForm(k, { kind: "category" }, labels.categories.map((c) => ["value", c.id, c.label, { "data-help-category": c.id }])));
        card.appendChild(sec);
      }
      grid.appendChild(card);
    });
    banner.hidden = now.size === 0;
    banner.querySelector("[data-alert-text]").textContent = texts.join(" / ");
    const fresh = [...now].some((t) => !alerting.has(t));
    if (fresh && unlocked) {
      sound.currentTime = 0;
      sound.play().then(() => { banner.dataset.sounded = "yes"; }).catch(() => {});
    }
    alerting = now;
  }
  (async function poll() {
    for (;;) {
      try {
        const res = await fetch("state", { cache: "no-store" });
        if (res.redirected) { window.location.reload(); return; }
        if (res.ok) render((await res.json()).kiosks);
      } catch (e) { /* the next round tries again */ }
      await new Promise((r) => setTimeout(r, 1500));
    }
  })();
})();
