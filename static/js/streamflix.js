// Streamflix: the few behaviours htmx does not give us for free. No framework, no build step.
(function () {
  "use strict";

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
    if (target && target.id === "modal") lastFocus = document.activeElement;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") {
      var dialog = event.detail.target.querySelector("[role=dialog]");
      if (dialog) {
        document.body.style.overflow = "hidden";
        dialog.focus();
      }
    }
    wireArrows(event.detail.target);
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
      next.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "smooth" });
    }
  });

  // Row arrows scroll by one screenful of cards.
  function wireArrows(root) {
    (root || document).querySelectorAll(".row__viewport").forEach(function (viewport) {
      if (viewport.dataset.wired) return;
      viewport.dataset.wired = "1";
      var track = viewport.querySelector(".row__track");
      viewport.querySelectorAll(".row__arrow").forEach(function (arrow) {
        arrow.addEventListener("click", function () {
          var direction = arrow.classList.contains("row__arrow--next") ? 1 : -1;
          track.scrollBy({ left: direction * track.clientWidth * 0.9, behavior: "smooth" });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wireArrows(document); });
})();
