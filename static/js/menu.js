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
