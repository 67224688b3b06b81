// Keyboard shortcuts for the dashboard's lists: j/k move, a approves, r rejects.
// Progressive enhancement only: every action is also a plain form that works without this file.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("article.item"));
  if (!items.length) return;
  var hint = document.querySelector(".keys");
  if (hint) hint.hidden = false;
  var current = -1;

  function select(index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  function act(action) {
    var item = items[current];
    var button = item && item.querySelector('button[data-key-action="' + action + '"]');
    if (!button) return false;
    // Come back to the comment that takes this one's place, so the keys carry on down the list.
    var next = items[current + 1] || items[current - 1];
    var back = button.form.querySelector('input[name="back"]');
    if (back && next) back.value = back.value.split("#")[0] + "#" + next.id;
    button.form.requestSubmit(button);
    return true;
  }

  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () { current = index; });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.target.closest("input, textarea, select, button, summary, [contenteditable]")) return;
    var handled = true;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "a") handled = act("approve");
    else if (event.key === "r") handled = act("reject");
    else handled = false;
    if (handled) event.preventDefault();
  });

  var target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && items.indexOf(target) >= 0) select(items.indexOf(target));
})();
