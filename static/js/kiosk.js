// Madoguchi Kiosk resident page: follow the card (long polling), run the PIN keypad.
// No inline script anywhere (CSP), no framework: the server renders every step.
"use strict";

// The helper's panel follows the resident screen by long polling its own URL and updates
// its fields in place (twenty tablets reloading whole pages would slow the resident's screen).
(function () {
  const panel = document.querySelector("main[data-staff-panel]");
  if (!panel) return;
  let version = Number(panel.dataset.version);
  const dl = panel.querySelector("[data-staff-step]");
  function show(state) {
    dl.dataset.staffStep = state.step;
    dl.dataset.staffReason = state.reason || "";
    panel.querySelectorAll("[data-field]").forEach((el) => {
      const value = state[el.dataset.field];
      if (el.dataset.field === "busy") { el.hidden = !value; return; }
      if (el.dataset.field === "card_present") { el.textContent = value ? el.dataset.yes : el.dataset.no; return; }
      el.textContent = value === null || value === undefined ? "—" : String(value);
    });
    panel.querySelector("[data-staff-called]").hidden = !state.helper_called;
    panel.querySelectorAll('[data-when="one_try_left"]').forEach((f) => {
      f.hidden = !(state.reason === "one_try_left" && state.card_present);
      const visit = f.querySelector("[data-visit]");
      if (visit) visit.value = state.visit || "";  // the visit now on show
    });
  }
  (async function follow() {
    for (;;) {
      try {
        const res = await fetch("state?since=" + version, { cache: "no-store" });
        if (res.status === 401 || res.redirected) { window.location.reload(); return; }
        if (res.ok) {
          const state = await res.json();
          if (state.version !== version) { version = state.version; show(state); }
        } else {
          await new Promise((r) => setTimeout(r, 2000));
        }
      } catch (e) {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  })();
})();

(function () {
  const main = document.querySelector("main[data-step]");
  if (!main) return;
  const version = Number(main.dataset.version);
  // A kiosk: no long-press menu (copy, open in a new tab, print) on the resident screens.
  document.addEventListener("contextmenu", (e) => e.preventDefault());

  // Follow the terminal: when the step changes (card inserted, removed, result), reload.
  async function follow() {
    for (;;) {
      try {
        const res = await fetch("state?since=" + version, { cache: "no-store" });
        if (res.ok) {
          const state = await res.json();
          if (state.version !== version) { window.location.replace(window.location.pathname); return; }
        } else {
          await new Promise((r) => setTimeout(r, 1000));
        }
      } catch (e) {
        await new Promise((r) => setTimeout(r, 1000)); // server restarting: keep trying
      }
    }
  }
  follow();

  // A card left on the reader after the end: a tone every few seconds until it is taken.
  // (Chromium in kiosk mode starts with --autoplay-policy=no-user-gesture-required.)
  if (main.dataset.remind === "true" && window.AudioContext) {
    const audio = new AudioContext();
    const chime = () => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.4, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.6);
      main.dataset.chimes = String(Number(main.dataset.chimes || 0) + 1);
    };
    chime();
    setInterval(chime, 4000);
  }

  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  function post(path, fields) {
    const body = new URLSearchParams(Object.assign({ csrf_token: csrf }, fields));
    return fetch(path, { method: "POST", body, credentials: "same-origin" });
  }

  // Help and display dialogs, from every screen.
  function opens(action, id) {
    const dialog = document.getElementById(id);
    document.querySelectorAll('[data-action="' + action + '"]').forEach((b) =>
      b.addEventListener("click", () => dialog && dialog.showModal()));
  }
  opens("help", "help-dialog");
  opens("display", "display-dialog");

  // Voice guidance: each screen speaks once on arrival; 'listen again' replays it.
  const voice = document.getElementById("voice");
  if (voice) {
    voice.play().catch(() => {}); // a browser without the kiosk's autoplay flag stays silent
    document.querySelectorAll('[data-action="replay"]').forEach((b) =>
      b.addEventListener("click", () => {
        voice.currentTime = 0;
        voice.play().catch(() => {});
        main.dataset.replays = String(Number(main.dataset.replays || 0) + 1);
        post("used", { option: "voice_replay" });
      }));
  }

  // Nobody touching the screen: ask 'still there?', then wipe it for the next person.
  // No decision has a time limit while the resident keeps touching the screen.
  if (main.dataset.idleArmed === "true") {
    const timeout = Number(main.dataset.idleTimeout) * 1000;
    const warning = Number(main.dataset.idleWarning) * 1000;
    const still = document.getElementById("still-there");
    let last = Date.now();
    let sent = false;
    const touched = () => { last = Date.now(); };
    ["pointerdown", "keydown", "touchstart"].forEach((e) => document.addEventListener(e, touched, true));
    setInterval(() => {
      const idle = Date.now() - last;
      if (idle >= timeout && !sent) {
        sent = true;
        post("action", { action: "timeout" }).finally(() => window.location.replace(window.location.pathname));
      } else if (idle >= timeout - warning && still && !still.open) {
        still.showModal();
      }
    }, 500);
  }

  // Any form: one submission only (a double tap must not send twice).
  document.querySelectorAll("form").forEach((form) =>
    form.addEventListener("submit", (ev) => {
      if (form.dataset.sent) { ev.preventDefault(); return; }
      form.dataset.sent = "1";
    }));

  // PIN keypad. Digits stay in this page only until OK is pressed; never shown.
  const pinForm = document.getElementById("pin-form");
  if (!pinForm) return;
  const value = document.getElementById("pin-value");
  const slots = document.querySelectorAll(".pin-display .slot");
  const submit = document.querySelector('[data-action="submit"]');
  let digits = "";
  let lastKey = null;
  let lastTime = 0;
  const DOUBLE_TAP_MS = 250; // a shaky double tap is one press; a deliberate "1 1" is slower

  const show = document.querySelector('[data-action="show-digits"]');
  let shown = false;
  function render() {
    slots.forEach((s, i) => {
      s.classList.toggle("filled", i < digits.length && !shown);
      s.textContent = shown && i < digits.length ? digits[i] : "";
    });
    value.value = digits;
    submit.disabled = digits.length !== 4;
  }
  pinForm.querySelectorAll("[data-key]").forEach((key) =>
    key.addEventListener("click", () => {
      const now = performance.now();
      if (key === lastKey && now - lastTime < DOUBLE_TAP_MS) return;
      lastKey = key; lastTime = now;
      if (digits.length < 4) { digits += key.dataset.key; render(); }
    }));
  pinForm.querySelector('[data-action="clear"]').addEventListener("click", () => { digits = ""; render(); });
  pinForm.querySelector('[data-action="delete"]').addEventListener("click", () => { digits = digits.slice(0, -1); render(); });
  if (show) {
    show.addEventListener("click", () => {
      shown = !shown;
      show.setAttribute("aria-pressed", String(shown));
      show.textContent = shown ? show.dataset.labelHide : show.dataset.labelShow;
      render();
    });
  }
  pinForm.addEventListener("submit", () => { submit.disabled = true; });
  render();
})();
