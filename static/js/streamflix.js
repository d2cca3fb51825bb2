// Streamflix: the few behaviours htmx does not give us for free. No framework, no build step.
(function () {
  "use strict";

  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  function scrollBehavior() { return reducedMotion.matches ? "auto" : "smooth"; }

  // Modal: htmx swaps the title fragment into #modal; we handle focus, Escape and closing.
  var modalRoot = function () { return document.getElementById("modal"); };
  var lastFocus = null;

  function closeModal() {
    var root = modalRoot();
    if (!root || !root.firstElementChild) return;
    root.innerHTML = "";
    document.body.style.overflow = "";
    if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    // A "More like this" link inside the modal keeps the card that opened the modal as the place to return to.
    if (target && target.id === "modal" && !(modalRoot().contains(document.activeElement))) {
      lastFocus = document.activeElement;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") {
      var dialog = event.detail.target.querySelector("[role=dialog]");
      if (dialog) {
        document.body.style.overflow = "hidden";
        showWhy(dialog, lastFocus);
        dialog.focus({ preventScroll: true });
        event.detail.target.querySelector(".modal").scrollTop = 0;
      }
    }
    wireArrows(document);  // (an outerHTML swap's target is the placeholder that went: look everywhere)
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-modal-close]")) closeModal();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeModal(); return; }
    // Trap Tab inside an open dialog.
    var dialog = modalRoot() && modalRoot().querySelector("[role=dialog]");
    if (dialog && event.key === "Tab") {
      var focusable = dialog.querySelectorAll("a[href], button:not([disabled]), input, select, [tabindex='0']");
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
      return;
    }
    // Arrow keys move between cards in a row (Left/Right) and between rows (Up/Down).
    var card = document.activeElement && document.activeElement.closest && document.activeElement.closest(".card");
    if (!card || dialog) return;
    var item = card.parentElement;
    var next = null;
    if (event.key === "ArrowRight" && item.nextElementSibling) next = item.nextElementSibling.querySelector(".card");
    if (event.key === "ArrowLeft" && item.previousElementSibling) next = item.previousElementSibling.querySelector(".card");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var rows = Array.prototype.slice.call(document.querySelectorAll(".row"));
      var here = rows.indexOf(card.closest(".row"));
      var other = rows[here + (event.key === "ArrowDown" ? 1 : -1)];
      if (other) next = other.querySelector(".card");
    }
    if (next) {
      event.preventDefault();
      next.focus();
      next.scrollIntoView({ block: "nearest", inline: "nearest", behavior: scrollBehavior() });
    }
  });

  // Row arrows scroll by one screenful of cards; each hides at its end of the row.
  function wireArrows(root) {
    (root || document).querySelectorAll(".row__viewport").forEach(function (viewport) {
      if (viewport.dataset.wired) return;
      viewport.dataset.wired = "1";
      var track = viewport.querySelector(".row__track");
      viewport.querySelectorAll(".row__arrow").forEach(function (arrow) {
        arrow.addEventListener("click", function () {
          var direction = arrow.classList.contains("row__arrow--next") ? 1 : -1;
          track.scrollBy({ left: direction * track.clientWidth * 0.9, behavior: scrollBehavior() });
        });
      });
      var ends = function () {
        viewport.classList.toggle("at-start", track.scrollLeft <= 4);
        viewport.classList.toggle("at-end", track.scrollLeft + track.clientWidth >= track.scrollWidth - 4);
      };
      track.addEventListener("scroll", ends, { passive: true });
      ends();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wireArrows(document); });

  // Thumbs down takes the title off the page at once: the server answers the press with an
  // HX-Trigger naming the title; its cards go, and closing the modal returns focus to a neighbour.
  function hideTitle(titleId) {
    document.querySelectorAll('.row .card[data-title="' + titleId + '"]').forEach(function (card) {
      var item = card.closest("li");
      if (lastFocus && item.contains(lastFocus)) {
        var neighbour = item.nextElementSibling || item.previousElementSibling;
        lastFocus = neighbour ? neighbour.querySelector(".card") : null;
      }
      item.remove();
    });
  }
  document.body.addEventListener("streamflix:title-hidden", function (event) {
    hideTitle(String(event.detail.title));
  });

  // A lazy row of a page view that expired (or was built for the profile another tab switched to)
  // answers 410 with a fragment that explains it. htmx leaves 4xx answers alone unless told: swap a
  // 410 like any answer. Then one explanation is enough: the other placeholders go (those already
  // asked for go once their answer, the same explanation, has been swapped in).
  if (window.htmx) htmx.config.responseHandling.unshift({ code: "410", swap: true, error: false });
  function tidyExpiredRows() {
    var expired = document.querySelectorAll(".row--expired");
    if (!expired.length) return;
    expired.forEach(function (row, i) { if (i > 0) row.remove(); });
    // (lazy rows load in groups: a group asked for already stays until its answer replaces it)
    document.querySelectorAll(".row-group:not(.htmx-request)").forEach(function (group) { group.remove(); });
  }
  document.addEventListener("htmx:afterSettle", tidyExpiredRows);

  // Seen reports: a served card counts as an impression only once it was on screen, at least half of it
  // for at least a second (a card beyond a row's edge, or below the fold, never is). Seen cards are
  // reported by their signed impression tokens in batches: every few seconds while there are some, and
  // when the page is hidden or left (navigator.sendBeacon survives the page going away).
  var SEEN_RATIO = 0.5, SEEN_MS = 1000, SEEN_FLUSH_MS = 4000, SEEN_BATCH = 200;
  var seenQueue = [], seenTimers = new Map(), seenObserver = null, seenFlushTimer = null;

  function seenUrl() {
    var holder = document.querySelector("[data-seen-url]");
    return holder ? holder.dataset.seenUrl : null;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function flushSeen() {
    if (seenFlushTimer) { clearTimeout(seenFlushTimer); seenFlushTimer = null; }
    var url = seenUrl();
    while (url && seenQueue.length) {
      var cards = seenQueue.splice(0, SEEN_BATCH);
      var body = new URLSearchParams();
      body.set("csrfmiddlewaretoken", csrfToken());
      body.set("report", JSON.stringify({ cards: cards }));
      var queued = navigator.sendBeacon && navigator.sendBeacon(url, body);
      if (!queued) {
        fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin" }).catch(function () {});
      }
    }
  }

  function markSeen(element) {
    seenTimers.delete(element);
    if (!document.contains(element)) return;  // taken off the page (thumbs down) before its second was up
    if (seenObserver) seenObserver.unobserve(element);
    element.dataset.seen = "1";
    seenQueue.push({ impression: element.dataset.impression, title: parseInt(element.dataset.title, 10) });
    if (seenQueue.length >= SEEN_BATCH) flushSeen();
    else if (!seenFlushTimer) seenFlushTimer = setTimeout(flushSeen, SEEN_FLUSH_MS);
  }

  function onVisibility(entries) {
    entries.forEach(function (entry) {
      var element = entry.target;
      var visible = entry.isIntersecting && entry.intersectionRatio >= SEEN_RATIO;
      if (visible && !seenTimers.has(element)) {
        seenTimers.set(element, setTimeout(function () { markSeen(element); }, SEEN_MS));
      } else if (!visible && seenTimers.has(element)) {
        clearTimeout(seenTimers.get(element));  // left the screen before its second was up
        seenTimers.delete(element);
      }
    });
  }

  function watchCards(root) {
    if (!seenUrl() || !("IntersectionObserver" in window)) return;
    if (!seenObserver) seenObserver = new IntersectionObserver(onVisibility, { threshold: [0, SEEN_RATIO, 1] });
    (root || document).querySelectorAll(".hero[data-impression], .card[data-impression]").forEach(function (element) {
      if (element.dataset.watched || !element.dataset.impression) return;
      element.dataset.watched = "1";
      seenObserver.observe(element);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { watchCards(document); });
  document.addEventListener("htmx:afterSettle", function () { watchCards(document); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flushSeen(); });
  window.addEventListener("pagehide", flushSeen);

  // The top bar turns solid once the page scrolls, so the logo never sits on the cards.
  function solidHeader() {
    var bar = document.querySelector(".topbar");
    if (bar) bar.classList.toggle("is-solid", window.scrollY > 8);
  }
  window.addEventListener("scroll", solidHeader, { passive: true });
  document.addEventListener("DOMContentLoaded", solidHeader);

  // The tester bar folds away (folded at first on a phone); the choice is remembered.
  function wireTesterBar() {
    var bar = document.getElementById("tester-bar");
    if (!bar) return;
    var toggle = bar.querySelector("[data-tester-toggle]");
    var stored = null;
    try { stored = window.localStorage.getItem("streamflix.tester-bar"); } catch (e) { /* private mode */ }
    var folded = stored ? stored === "folded" : window.matchMedia("(max-width: 699px)").matches;
    var apply = function () {
      bar.classList.toggle("is-folded", folded);
      toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    };
    toggle.addEventListener("click", function () {
      folded = !folded;
      apply();
      try { window.localStorage.setItem("streamflix.tester-bar", folded ? "folded" : "open"); } catch (e) { /* ignore */ }
    });
    apply();
  }
  document.addEventListener("DOMContentLoaded", wireTesterBar);

  // The details modal says why the card that opened it is on the page: the row's reason and the
  // artwork's, as the page was built (both come with the card's markup).
  function showWhy(dialog, card) {
    var box = dialog.querySelector("[data-why-box]");
    card = card && card.closest && card.closest(".card");
    if (!box || !card || !card.dataset.why) return;
    var row = card.closest(".row");
    box.querySelector("[data-why-row]").textContent = (row && row.dataset.why) || "";
    box.querySelector("[data-why-art]").textContent = card.dataset.why;
    box.hidden = false;
  }
})();
