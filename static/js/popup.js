/* Parley's sign-in popup: hand the result to the page that opened it, close when it answers.
 * The result goes only to the origin the sign-in started from (checked by the server
 * against the site's registered origins). A popup whose page doesn't answer (a provider's
 * Cross-Origin-Opener-Policy cut it off) offers the confirmation that finishes the sign-in
 * on the article's own page instead. */
(function () {
  "use strict";
  var ACK_WAIT_MS = 3000;
  var close = document.querySelector(".parley-close");
  if (close) close.addEventListener("click", function () { window.close(); });
  var data = document.getElementById("parley-login");
  if (!data) return;
  var result = JSON.parse(data.textContent);

  function lostTouch() {
    var waiting = document.querySelector(".parley-popup-waiting");
    if (waiting) waiting.hidden = true;
    var confirm = document.querySelector("form.parley-handoff");
    (confirm || document.querySelector(".parley-popup-lost")).hidden = false;
  }

  if (!window.opener) return lostTouch();
  var timer = setTimeout(lostTouch, ACK_WAIT_MS);
  window.addEventListener("message", function (event) {
    if (event.origin === result.origin && event.data && event.data.type === "parley:ack") {
      clearTimeout(timer);
      window.close();
    }
  });
  window.opener.postMessage(result, result.origin);
})();
