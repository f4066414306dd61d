// Madoguchi Kiosk resident page: follow the card (long polling), run the PIN keypad.
// No inline script anywhere (CSP), no framework: the server renders every step.
"use strict";

(function () {
  const main = document.querySelector("main[data-step]");
  if (!main) return;
  // A display option changed on the PIN screen is applied in place (adopt, below), so the
  // digits typed stay; while that runs, the long poll must not reload the page.
  let adopting = null;
  // A kiosk: no long-press menu (copy, open in a new tab, print) on the resident screens.
  document.addEventListener("contextmenu", (e) => e.preventDefault());

  // Follow the terminal: when the step changes (card inserted, removed, result), reload.
  async function follow() {
    for (;;) {
      try {
        const res = await fetch("state?since=" + main.dataset.version, { cache: "no-store" });
        if (adopting) { await adopting; continue; } // ask again, from the adopted version
        if (res.ok) {
          const state = await res.json();
          if (state.version !== Number(main.dataset.version)) { window.location.replace(window.location.pathname); return; }
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

  // Voice guidance: each screen speaks once on arrival and each dialog when it opens, one voice
  // at a time; 'listen again' replays what is in front of the resident (the open dialog, else
  // the screen). data-speaking on <main> names what was last started (the tests read it).
  function speak(audio) {
    if (!audio) return;
    document.querySelectorAll("audio").forEach((a) => { if (a !== audio) a.pause(); });
    audio.currentTime = 0;
    audio.play().catch(() => {}); // a browser without the kiosk's autoplay flag stays silent
    main.dataset.speaking = audio.dataset.voice;
  }
  function showDialog(dialog) {
    if (!dialog || dialog.open) return;
    dialog.showModal();
    // Open at the top, title first: showModal focuses the last button and scrolls to it.
    const title = dialog.querySelector("h2");
    if (title) {
      title.tabIndex = -1;
      title.focus({ preventScroll: true });
    }
    dialog.scrollTop = 0;
    speak(dialog.querySelector("audio"));
  }
  document.querySelectorAll("dialog").forEach((d) =>
    d.addEventListener("close", () => d.querySelectorAll("audio").forEach((a) => a.pause())));
  speak(document.getElementById("voice"));
  function replay() {
    const open = document.querySelector("dialog[open]");
    speak(open ? open.querySelector("audio") : document.getElementById("voice"));
    main.dataset.replays = String(Number(main.dataset.replays || 0) + 1);
    post("used", { option: "voice_replay" });
  }
  document.querySelectorAll('[data-action="replay"]').forEach((b) => b.addEventListener("click", replay));

  // Help and display dialogs, from every screen.
  function opens(action, id) {
    const dialog = document.getElementById(id);
    document.querySelectorAll('[data-action="' + action + '"]').forEach((b) =>
      b.addEventListener("click", () => showDialog(dialog)));
  }
  opens("help", "help-dialog");
  opens("display", "display-dialog");

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
        showDialog(still);
      }
    }, 500);
  }

  // Any form: one submission only (a double tap must not send twice).
  document.querySelectorAll('form:not([method="dialog"])').forEach((form) =>
    form.addEventListener("submit", (ev) => {
      if (form.dataset.sent) { ev.preventDefault(); return; }
      form.dataset.sent = "1";
    }));

  // A USB number keypad with the voice alone finishes a visit, for a resident who cannot see
  // the screen. Each press answers with a tone, never with the digit spoken or shown.
  let pin = null; // the PIN keypad's add/remove/send, on the PIN screen only
  let tones = null;
  const TONES = { digit: [660, 0.08], delete: [330, 0.16], refused: [200, 0.3] };
  function tone(kind) {
    main.dataset.keyTones = ((main.dataset.keyTones || "") + " " + kind).trim();
    if (!window.AudioContext) return;
    tones = tones || new AudioContext();
    const [freq, seconds] = TONES[kind];
    const osc = tones.createOscillator();
    const gain = tones.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.3, tones.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, tones.currentTime + seconds);
    osc.connect(gain).connect(tones.destination);
    osc.start();
    osc.stop(tones.currentTime + seconds);
  }
  // Numpad keys by `code` (they hold with Num Lock off, when `key` says "End" or "Delete");
  // the main keyboard by `key`, so '+' works whatever the layout puts it on.
  const PAD = { NumpadEnter: "enter", NumpadAdd: "repeat", NumpadSubtract: "back",
    NumpadDecimal: "delete", NumpadComma: "delete", NumpadDivide: "help" };
  const KEYS = { Enter: "enter", "+": "repeat", "-": "back", ".": "delete", Backspace: "delete", "/": "help" };
  function command(ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return null;
    const pad = /^Numpad([0-9])$/.exec(ev.code);
    if (pad) return pad[1];
    if (PAD[ev.code]) return PAD[ev.code];
    if (/^[0-9]$/.test(ev.key)) return ev.key;
    return KEYS[ev.key] || null;
  }
  const press = (selector) => {
    const button = main.querySelector(selector);
    if (!button || button.disabled) return false;
    button.click();
    return true;
  };
  document.addEventListener("keydown", (ev) => {
    const cmd = command(ev);
    if (cmd === null) return;
    // Someone tabbing to a button and pressing Enter gets that button, as everywhere; but not a
    // button left focused in a dialog just closed (Chromium restores focus a moment later).
    const focused = document.activeElement;
    if (cmd === "enter" && focused && focused.matches("button, a[href], input, select")) {
      const box = focused.closest("dialog");
      if (box ? box.open : !document.querySelector("dialog[open]")) return;
    }
    ev.preventDefault(); // Enter on a focused button must not act twice
    if (ev.repeat) return; // a key held down is one press
    const dialog = document.querySelector("dialog[open]");
    if (cmd === "repeat") { replay(); return; }
    if (dialog) {
      if (cmd === "enter" || cmd === "back") dialog.close();
      return;
    }
    if (cmd === "help") { showDialog(document.getElementById("help-dialog")); return; }
    if (/^[0-9]$/.test(cmd)) { if (pin) pin.add(cmd, true); return; }
    if (cmd === "delete") { if (pin) pin.remove(); return; }
    if (cmd === "enter") {
      if (pin) { pin.send(); return; }
      // An error or done screen with the card still in: call the helper, else print the slip.
      press('[data-action="agree"]') || press('[data-action="read_age"]') || press('[data-action="retry"]')
        || press('[data-action="call_helper"]') || press('[data-action="print-slip"]');
      return;
    }
    if (cmd === "back") press('[data-action="decline"]') || press('[data-action="skip_age"]') || press('[data-action="cancel"]');
  });

  main.dataset.keys = "ready"; // the keypad is listening (tests wait for it)

  // PIN keypad. Digits stay in this script only until OK is pressed; never shown.
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
    submit.disabled = digits.length !== 4;
  }
  const entered = document.getElementById("voice-entered");
  function add(digit, keyboard) {
    if (digits.length >= 4) { if (keyboard) tone("refused"); return; }
    digits += digit;
    render();
    if (keyboard) tone("digit");
    if (digits.length === 4 && entered) {
      // 'Four digits entered, press Enter': the count, never the digits.
      if (voice) voice.pause();
      entered.currentTime = 0;
      entered.play().catch(() => {});
    }
  }
  pinForm.querySelectorAll("[data-key]").forEach((key) =>
    key.addEventListener("click", () => {
      const now = performance.now();
      if (key === lastKey && now - lastTime < DOUBLE_TAP_MS) return;
      lastKey = key; lastTime = now;
      add(key.dataset.key, false);
    }));
  pinForm.querySelector('[data-action="clear"]').addEventListener("click", () => { digits = ""; render(); });
  pinForm.querySelector('[data-action="delete"]').addEventListener("click", () => { digits = digits.slice(0, -1); render(); });
  pin = {
    add,
    remove() { tone(digits ? "delete" : "refused"); digits = digits.slice(0, -1); render(); },
    send() { if (digits.length === 4 && !pinForm.dataset.sent) pinForm.requestSubmit(submit); else tone("refused"); },
  };
  if (show) {
    show.addEventListener("click", () => {
      shown = !shown;
      show.setAttribute("aria-pressed", String(shown));
      show.textContent = shown ? show.dataset.labelHide : show.dataset.labelShow;
      render();
    });
  }
  pinForm.addEventListener("submit", (ev) => {
    if (ev.defaultPrevented) return;
    // A hidden input's value is its attribute: the digits reach the DOM only as the form leaves.
    value.value = digits;
    submit.disabled = true;
  });
  render();

  // A display option on this screen: the server records it and renders the page in the new
  // mode; its words and the body's classes are taken over here, the typed digits stay.
  function adopt(doc) {
    const words = "p, li, h1, h2, .btn:not([data-action='show-digits']), .key-fn";
    const olds = document.body.querySelectorAll(words);
    const news = doc.body.querySelectorAll(words);
    if (olds.length !== news.length) return false;
    document.body.className = doc.body.className;
    olds.forEach((el, i) => {
      el.innerHTML = news[i].innerHTML;
      ["class", "aria-pressed"].forEach((a) => {
        if (news[i].hasAttribute(a)) el.setAttribute(a, news[i].getAttribute(a));
      });
    });
    main.dataset.version = doc.querySelector("main").dataset.version;
    return true;
  }
  const displayForm = document.querySelector(".display-options");
  if (displayForm) {
    displayForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      delete displayForm.dataset.sent;
      let finished;
      adopting = new Promise((resolve) => { finished = resolve; });
      post("display", { option: ev.submitter.value })
        .then((res) => res.text())
        .then((html) => {
          if (!adopt(new DOMParser().parseFromString(html, "text/html"))) window.location.replace(window.location.pathname);
        })
        .catch(() => window.location.replace(window.location.pathname))
        .finally(() => { adopting = null; finished(); });
    });
  }
})();
