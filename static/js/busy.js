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
