// Live preview of the request form: sends the terms to the preview endpoint as the debtor
// types and swaps in the disclosure, chart and schedule. Without JavaScript the form's own
// "See the schedule and cost" step gives the same preview.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  var target = document.getElementById("live-preview");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var termsFields = ["program", "months", "grace_months", "down_payment", "waived_interest", "waived_penalty"];
  // The budget typed so far, so the preview says whether the payment fits it.
  var budgetFields = ["monthly_income", "monthly_expenses", "dependents"];
  var sentFields = termsFields.concat(budgetFields);
  var timer = null;
  var latest = 0;

  function refresh() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    sentFields.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input) { body.append(name, input.value); }
    });
    var ticket = ++latest;
    target.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (ticket === latest) { target.innerHTML = html; }
      })
      .catch(function () { /* the no-JavaScript preview step still works */ })
      .finally(function () { if (ticket === latest) { target.removeAttribute("aria-busy"); } });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  sentFields.forEach(function (name) {
    var input = form.elements.namedItem(name);
    if (input) {
      input.addEventListener("input", schedule);
      input.addEventListener("change", schedule);
    }
  });
  // The terms the option chosen cannot take are hidden (the server counts them as 0), as
  // the server hid them for the option it showed first.
  var program = form.elements.namedItem("program");
  function showTerms() {
    var chosen = program && program.options ? program.options[program.selectedIndex] : null;
    var notOffered = chosen ? (chosen.getAttribute("data-not-offered") || "").split(" ") : [];
    form.querySelectorAll("[data-term]").forEach(function (box) {
      box.hidden = notOffered.indexOf(box.getAttribute("data-term")) !== -1;
    });
  }
  if (program) { program.addEventListener("change", showTerms); }
  showTerms();  // a browser that restored the form may show another option than the server
  // On a phone the preview goes right after the terms, where the debtor is looking; on a
  // wide screen it stays in the column beside the form.
  var terms = document.getElementById("terms-fieldset");
  var column = document.getElementById("live-preview-column");
  var narrow = window.matchMedia("(max-width: 991.98px)");
  function place() {
    if (narrow.matches && terms) { terms.after(target); } else if (column) { column.appendChild(target); }
  }
  if (narrow.addEventListener) { narrow.addEventListener("change", place); }
  place();
  // Shown at once, so the box is never an empty frame while the first figures are on their way.
  if (!target.textContent.trim()) { target.textContent = target.getAttribute("data-loading") || ""; }
  target.hidden = false;
  refresh();
})();
