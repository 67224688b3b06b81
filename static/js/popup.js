/* Parley's sign-in popup: hand the result to the page that opened it, then close.
 * The result goes only to the origin the sign-in started from (checked by the
 * server against the site's registered origins). */
(function () {
  "use strict";
  var close = document.querySelector(".parley-close");
  if (close) close.addEventListener("click", function () { window.close(); });
  var data = document.getElementById("parley-login");
  if (!data || !window.opener) return; // no opener: the widget collects the sign-in by hand-off
  var result = JSON.parse(data.textContent);
  window.opener.postMessage(result, result.origin);
  window.close();
})();
