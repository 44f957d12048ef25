// The debtor site's small scripts, in one file: a first visit on a slow network asks for one
// file, not three (each request costs a round trip, and more than six at once wait for a
// connection: docs/PERFORMANCE.md). Each part is on its own and says what it does.

// The menu button of a narrow screen (templates/base.html): opens and closes the menu it
// controls (aria-controls), as Bootstrap's collapse did, in a few lines instead of
// Bootstrap's 80 KB script. A button, so Enter and Space work; Escape closes the open menu
// and puts the focus back on the button. Without JavaScript, css/menu-noscript.css keeps
// the menu open and hides the button.
(function () {
  "use strict";
  document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("show", open);
    }
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  });
})();

/* A form is sent once. Signing in or signing a plan can take seconds on a slow network:
   the tapped button says the work is under way (and a live region says it to a screen
   reader), and a second tap sends nothing. The server refuses a repeat on its own too
   (the request's version, the code already sent); this only spares the person a puzzle.
   A form marked data-no-busy (a download) is left alone. */
(function () {
  "use strict";
  var status = document.getElementById("busy-status");
  var text = document.body.dataset.busyText || "";

  function buttonsOf(form) {
    return form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-no-busy")) { return; }
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    if (event.defaultPrevented) { return; }  // another script kept it from being sent
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    var tapped = event.submitter;
    // After this turn: a button disabled now would not send its own name and value.
    window.setTimeout(function () {
      buttonsOf(form).forEach(function (button) { button.disabled = true; });
      if (tapped) { tapped.classList.add("is-busy"); }
      if (status) { status.textContent = text; }
    }, 0);
  });

  // Back to a page kept in the browser's memory: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
      buttonsOf(form).forEach(function (button) {
        button.disabled = false;
        button.classList.remove("is-busy");
      });
    });
    if (status) { status.textContent = ""; }
  });
})();

/* The room left in a text box that has a limit (data-room-max, set by the form): a line under
   the box says how many characters are left, or how many too many, as the person types; it is
   a polite live region, so a screen reader says it when the person pauses. The box itself
   has no maxlength: a browser limit cuts a pasted text without a word, and the server says
   by how much a text is too long instead. Without JavaScript the help text states the limit. */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-room-max]").forEach(function (box) {
    var limit = parseInt(box.dataset.roomMax, 10);
    if (!limit || limit < 0) {
      return;
    }
    var line = document.createElement("p");
    line.className = "small text-body-secondary mb-2 room-left";
    line.id = box.id + "-room";
    line.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", line);
    var described = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", described ? described + " " + line.id : line.id);
    var left = box.dataset.roomText || "%(count)s";
    var over = box.dataset.roomOverText || "-%(count)s";
    function update() {
      var room = limit - box.value.length;
      var tooMany = room < 0;
      line.textContent = (tooMany ? over : left).replace("%(count)s", String(Math.abs(room)));
      line.classList.toggle("text-danger", tooMany);
      line.classList.toggle("text-body-secondary", !tooMany);
    }
    box.addEventListener("input", update);
    update();
  });
})();
