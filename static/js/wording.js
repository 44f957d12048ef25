/* Reusable wording on the decision forms: a list (data-wording-for="<the text box's id>")
   whose options carry their text in the debtor's language (data-text). Choosing one puts
   that text in the box, unless the box holds words of the person's own (then it is left
   as typed). Without JavaScript the form uses the chosen text when the box is empty. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-wording-for]").forEach(function (list) {
    var box = document.getElementById(list.dataset.wordingFor);
    if (!box) {
      return;
    }
    var filled = "";
    list.addEventListener("change", function () {
      var option = list.options[list.selectedIndex];
      var text = option ? option.dataset.text || "" : "";
      if (box.value.trim() === "" || box.value === filled) {
        box.value = text;
        filled = text;
      }
    });
  });
})();
