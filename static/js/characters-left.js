/* The room left in a text box with a maxlength: a line that names it
   (data-room-for="<the box's id>", data-room-text with %(count)s) says how many characters
   are left, as the person types. Without JavaScript the help text says the limit. */
(function () {
  "use strict";
  document.querySelectorAll("[data-room-for]").forEach(function (line) {
    var box = document.getElementById(line.dataset.roomFor);
    if (!box || !box.maxLength || box.maxLength < 0) {
      return;
    }
    var text = line.dataset.roomText || "%(count)s";
    function update() {
      line.textContent = text.replace("%(count)s", String(box.maxLength - box.value.length));
    }
    box.addEventListener("input", update);
    update();
  });
})();
