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
