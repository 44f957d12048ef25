// The warning before the idle timeout, and what was typed kept across a new sign-in
// (templates/_session_timeout.html gives the numbers and the texts).
//
// - SESSION_WARNING_SECONDS before the session ends, a dialog says so: "Stay signed in"
//   posts to the keep-alive address (the idle clock starts again). When the cap after
//   signing in comes first, the dialog says that instead, with nothing to press but
//   "Close": it cannot be moved.
// - What was typed in the page's forms (never a password, a file, a hidden field or the
//   CSRF token) is kept in sessionStorage, under the page's path, when the warning opens,
//   when the session ends and when the page is left with changes unsent; it is put back when
//   the same person comes back to the page (after signing in again), then forgotten. Sending
//   the form forgets it; signing out forgets every page's.
// - The tabs of one browser share one session: each page tells the others (localStorage)
//   when the idle clock was last moved, or that the person signed out.
(function () {
  "use strict";
  var root = document.getElementById("session-timeout");
  var dialog = document.getElementById("session-timeout-dialog");
  if (!root || !dialog || !window.sessionStorage || !window.localStorage || !dialog.showModal) {
    return;
  }
  // The dialog's and the restored note's look: asked for now, beside the page, rather than
  // in the page's head where it would hold up the first paint (nothing shows before this).
  if (root.dataset.stylesheet) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = root.dataset.stylesheet;
    document.head.appendChild(sheet);
  }
  var DRAFTS = "portal.draft:";
  var CLOCK = "portal.session.idle-end";
  var data = root.dataset;
  var loaded = Date.now();
  var idleMs = Number(data.idleSeconds) * 1000;
  var warningMs = Number(data.warningSeconds) * 1000;
  var idleEnd = loaded + Number(data.idleLeft) * 1000;
  var absoluteEnd = loaded + Number(data.absoluteLeft) * 1000;
  var owner = data.draftOwner;
  var signOutPaths = (data.signOutUrls || "").split(" ");
  var draftKey = DRAFTS + location.pathname;
  var state = "";  // "", "idle", "absolute", "expired"
  var dismissed = false;  // the cap's warning closed: not shown again
  var before = null;  // what had the focus when the dialog opened
  var changed = [];  // forms with changes not sent

  // The forms and fields kept ---------------------------------------------------------
  var SKIPPED_TYPES = ["password", "file", "hidden", "submit", "button", "reset", "image"];

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      var tag = field.tagName;
      if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") { return false; }
      if (tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") { return false; }
      if (SKIPPED_TYPES.indexOf((field.type || "").toLowerCase()) !== -1) { return false; }
      return field.autocomplete !== "one-time-code";  // a code works once and briefly
    });
  }

  function keptForms() {
    // Posted forms only (a search is in its address already), never the dialog's own, nor
    // a staff list's ticks: a selection put back could be acted on unnoticed.
    return Array.prototype.filter.call(document.forms, function (form) {
      return (form.method || "").toLowerCase() === "post" && !dialog.contains(form)
        && form.id !== "changelist-form" && keptFields(form).length > 0;
    });
  }

  function formKey(form) {
    var name = form.id || form.getAttribute("action") || "";
    var same = keptForms().filter(function (other) {
      return (other.id || other.getAttribute("action") || "") === name;
    });
    return name + "#" + same.indexOf(form);
  }

  function valuesOf(form) {
    var values = {};
    keptFields(form).forEach(function (field) {
      var list = values[field.name] || (values[field.name] = []);
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) { list.push(field.value); }
      } else if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.selectedOptions, function (option) { list.push(option.value); });
      } else {
        list.push(field.value);
      }
    });
    return values;
  }

  function putBack(form, values) {
    var seen = {};
    keptFields(form).forEach(function (field) {
      var list = values[field.name];
      if (!list) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = list.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = list.indexOf(option.value) !== -1;
        });
      } else {
        var index = seen[field.name] || 0;
        seen[field.name] = index + 1;
        if (index < list.length) { field.value = list[index]; }
      }
      // So the page's own scripts follow (the request form's live preview).
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function keepDraft() {
    var forms = {};
    changed.forEach(function (form) {
      if (document.contains(form)) { forms[formKey(form)] = valuesOf(form); }
    });
    if (Object.keys(forms).length) {
      sessionStorage.setItem(draftKey, JSON.stringify({ owner: owner, forms: forms }));
    }
  }

  function forgetDraft() { sessionStorage.removeItem(draftKey); }

  function forgetEveryDraft(unlessOwner) {
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var key = sessionStorage.key(i);
      if (key && key.indexOf(DRAFTS) === 0) {
        var draft = readDraft(key);
        if (!unlessOwner || !draft || draft.owner !== unlessOwner) { sessionStorage.removeItem(key); }
      }
    }
  }

  function readDraft(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch (error) { return null; }
  }

  function restoreDraft() {
    forgetEveryDraft(owner);  // someone else's typing is never shown, and not kept
    var draft = readDraft(draftKey);
    if (!draft) { return; }
    forgetDraft();
    var first = null;
    keptForms().forEach(function (form) {
      var values = draft.forms[formKey(form)];
      if (values) {
        putBack(form, values);
        changed.push(form);
        first = first || form;
      }
    });
    var notice = document.getElementById("session-restored-notice");
    if (first && notice) { first.parentNode.insertBefore(notice.content.cloneNode(true), first); }
  }

  // The dialog ------------------------------------------------------------------------
  function show(next) {
    state = next;
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-state]"), function (part) {
      part.hidden = part.getAttribute("data-state") !== next;
    });
    dialog.setAttribute("aria-labelledby", "session-" + next + "-title");
    dialog.setAttribute("aria-describedby", "session-" + next + "-text");
    dialog.querySelector("[data-failed]").hidden = true;
    countdown();
    if (!dialog.open) {
      before = document.activeElement;
      dialog.showModal();
    }
    var action = dialog.querySelector("[data-state='" + next + "'] button, [data-state='" + next + "'] a");
    if (action) { action.focus(); }
  }

  function close() {
    state = "";
    if (dialog.open) { dialog.close(); }
    if (before && before.focus) { before.focus(); }
  }

  function countdown() {
    var left = Math.max(0, Math.ceil((Math.min(idleEnd, absoluteEnd) - Date.now()) / 1000));
    var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    Array.prototype.forEach.call(dialog.querySelectorAll(".session-countdown"), function (span) {
      span.textContent = text;
    });
  }

  function expire() {
    keepDraft();
    // Back to this page after signing in again, where what was typed is put back.
    dialog.querySelector("[data-sign-in]").href =
      data.signInUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
    show("expired");
  }

  function tick() {
    if (state === "expired") { return; }
    var now = Date.now();
    var shared = Number(localStorage.getItem(CLOCK));
    if (shared > idleEnd) { idleEnd = shared; }  // another tab moved the clock
    var end = Math.min(idleEnd, absoluteEnd);
    if (now >= end) {
      expire();
    } else if (now >= end - warningMs) {
      var kind = absoluteEnd <= idleEnd ? "absolute" : "idle";
      if (state !== kind && !(kind === "absolute" && dismissed)) {
        keepDraft();
        show(kind);
      }
      countdown();
    } else if (state === "idle") {
      close();  // another tab kept the session
    }
  }

  function stayed() {
    idleEnd = Date.now() + idleMs;
    localStorage.setItem(CLOCK, String(idleEnd));
    forgetDraft();  // the page is still here, and so is what was typed
    close();
  }

  dialog.querySelector("[data-keep-alive]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",  // signed out already: the sign-in page is not an answer
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 204) {
        stayed();
      } else if (response.type === "opaqueredirect" || response.status === 403) {
        expire();  // the session had ended, or this page's form is from before a sign-in
      } else {
        dialog.querySelector("[data-failed]").hidden = false;
      }
    }).catch(function () {
      dialog.querySelector("[data-failed]").hidden = false;
    });
  });

  dialog.querySelector("[data-close]").addEventListener("click", function () {
    dismissed = true;
    close();
  });

  dialog.addEventListener("cancel", function (event) {
    // Escape: the person is here. In the idle warning that is staying; the cap's warning
    // and the signed-out message just close.
    if (state === "idle") {
      event.preventDefault();
      dialog.querySelector("[data-keep-alive]").requestSubmit();
    } else if (state === "absolute") {
      dismissed = true;
      state = "";
    } else {
      state = "expired";
    }
  });

  // What was typed ----------------------------------------------------------------------
  function noteChange(event) {
    var form = event.target && event.target.form;
    if (form && keptForms().indexOf(form) !== -1 && changed.indexOf(form) === -1) {
      changed.push(form);
    }
  }
  document.addEventListener("input", noteChange, true);
  document.addEventListener("change", noteChange, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var action = new URL(form.action, location.href).pathname;
    if (signOutPaths.indexOf(action) !== -1) {
      changed = [];
      forgetEveryDraft(null);
      localStorage.setItem(CLOCK, "0");  // the other tabs show they are signed out
      return;
    }
    if (event.defaultPrevented || keptForms().indexOf(form) === -1) { return; }
    if (state === "expired" || Date.now() >= Math.min(idleEnd, absoluteEnd)) {
      // Sent now it would only meet the sign-in page and be lost: keep it instead.
      event.preventDefault();
      expire();
      return;
    }
    changed = changed.filter(function (other) { return other !== form; });
    forgetDraft();  // the page's other forms with changes are kept again as it is left
  });

  window.addEventListener("pagehide", function () {
    if (changed.length) { keepDraft(); }
  });

  window.addEventListener("storage", function (event) {
    if (event.key !== CLOCK) { return; }
    if (event.newValue === "0") { expire(); } else { tick(); }
  });
  document.addEventListener("visibilitychange", tick);

  localStorage.setItem(CLOCK, String(idleEnd));
  restoreDraft();
  window.setInterval(tick, 1000);
  tick();
})();
