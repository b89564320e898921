// vpt alarm inbox (CSP: script-src 'self'). htmx refreshes the list every few seconds;
// this script notices alarms that were not in the previous list and makes them seen and
// heard: the card flashes, a tone sounds (unless muted on this device), a screen reader
// hears it, and the tab title counts the open alarms.
(function () {
  "use strict";

  var SOUND_KEY = "vpt.alarms.sound"; // "on" | "off", per device
  var FRESH_MS = 20000; // how long a new alarm keeps flashing
  var known = null; // ids in the previous list (null: not read yet)
  var fresh = {}; // id -> time first seen
  var audio = null;
  var pressedWhileLocked = false;
  var baseTitle = document.title;

  function inbox() { return document.getElementById("alarm-inbox"); }

  function idsOf(root) {
    var list = root && root.querySelector("[data-alarm-ids]");
    if (!list) return null;
    var value = list.getAttribute("data-alarm-ids");
    return value ? value.split(",") : [];
  }

  // --- sound --------------------------------------------------------------------------------

  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }

  function setSound(on) {
    try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
    renderToggle();
  }

  function unlocked() { return audio !== null && audio.state === "running"; }

  // Browsers start audio only after a tap on the page: the first tap anywhere unlocks it.
  function unlock() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (audio === null) audio = new Ctx();
    if (audio.state === "suspended") audio.resume().then(renderToggle, function () {});
    renderToggle();
  }

  function renderToggle() {
    var button = document.querySelector("[data-alarm-sound]");
    if (!button) return;
    var on = soundOn();
    button.hidden = false;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var label = on ? button.getAttribute("data-label-on") : button.getAttribute("data-label-off");
    if (on && !unlocked()) label = button.getAttribute("data-label-locked") || label;
    button.textContent = label;
    button.classList.toggle("is-locked", on && !unlocked());
  }

  function tone(at, frequency, length) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.35, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(at);
    osc.stop(at + length + 0.05);
  }

  function beep() {
    if (!soundOn() || audio === null) return;
    if (audio.state === "suspended") audio.resume();
    var t = audio.currentTime + 0.05;
    for (var i = 0; i < 3; i++) {
      tone(t + i * 0.5, 880, 0.18);
      tone(t + i * 0.5 + 0.2, 660, 0.18);
    }
  }

  // --- the list -----------------------------------------------------------------------------

  function announce(root, ids) {
    var live = document.querySelector("[data-alarm-live]");
    if (!live) return;
    var parts = ids.map(function (id) {
      var card = root.querySelector("#alarm-" + id);
      if (!card) return "";
      var kind = card.querySelector(".alarm-kind");
      var client = card.querySelector(".alarm-client");
      return (kind ? kind.textContent.trim() : "") + (client ? " – " + client.textContent.trim() : "");
    }).filter(Boolean);
    live.textContent = parts.length ? (live.getAttribute("data-prefix") || "") + parts.join("; ") : "";
  }

  function markFresh(root) {
    var now = Date.now();
    Object.keys(fresh).forEach(function (id) {
      if (now - fresh[id] > FRESH_MS) { delete fresh[id]; return; }
      var card = root.querySelector("#alarm-" + id);
      if (card) card.classList.add("is-new");
    });
  }

  function updateTitle(root) {
    var list = root.querySelector("[data-open-count]");
    var count = list ? parseInt(list.getAttribute("data-open-count"), 10) || 0 : 0;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  }

  function refreshed(root) {
    var ids = idsOf(root);
    if (ids === null) return;
    if (known !== null) {
      var added = ids.filter(function (id) { return known.indexOf(id) === -1; });
      if (added.length) {
        added.forEach(function (id) { fresh[id] = Date.now(); });
        beep();
        announce(root, added);
      }
    }
    known = ids;
    markFresh(root);
    updateTitle(root);
  }

  // A refresh must not steal the focus from a half-filled resolve form (kept by hx-preserve).
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target !== inbox()) return;
    var text = e.detail.xhr && e.detail.xhr.responseText;
    if (e.detail.xhr.status === 200 && text && text.indexOf("data-alarm-ids") === -1) {
      // Not the list (e.g. the session ended and we were sent to the login page): reload.
      e.detail.shouldSwap = false;
      window.location.reload();
      return;
    }
    var active = document.activeElement;
    focused = active && active.closest && active.closest("[hx-preserve]") ? active : null;
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var root = inbox();
    if (!root || e.detail.target !== root) return;
    refreshed(root);
    if (focused && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
    }
    focused = null;
  });

  // The banner comes along with every refresh: leave it alone when nothing changed, so a
  // screen reader does not announce it again every few seconds.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target;
    var fragment = e.detail.fragment;
    if (target && target.id === "outage-banner" && fragment) {
      var incoming = fragment.firstElementChild && fragment.firstElementChild.id === "outage-banner"
        ? fragment.firstElementChild : fragment;
      if ((incoming.innerHTML || "").trim() === target.innerHTML.trim()) e.detail.shouldSwap = false;
    }
  });

  function stale(on) {
    var root = inbox();
    var flag = root && root.querySelector("[data-alarm-stale]");
    if (flag) flag.hidden = !on;
  }
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      if (e.detail.target === inbox() || (e.detail.elt && e.detail.elt === inbox())) stale(true);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var root = inbox();
    if (!root) return;
    known = idsOf(root);
    updateTitle(root);
    var button = document.querySelector("[data-alarm-sound]");
    if (button) {
      button.addEventListener("click", function () {
        unlock();
        // A tap on "tap to turn on the sound" only unlocks it; later taps switch it.
        if (pressedWhileLocked && soundOn()) { pressedWhileLocked = false; renderToggle(); return; }
        setSound(!soundOn());
      });
    }
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, function () {
        pressedWhileLocked = !unlocked();
        if (pressedWhileLocked) unlock();
      }, { capture: true });
    });
    renderToggle();
  });
})();
