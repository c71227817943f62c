// Refreshes a broadcast's progress bar every five seconds from its JSON progress endpoint.
(function () {
  "use strict";
  var bar = document.getElementById("bar");
  var fields = document.getElementById("progress");
  if (!bar || !fields) { return; }
  var url = window.location.pathname.replace(/\/$/, "") + "/progress";
  function refresh() {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        bar.value = p.percent;
        fields.querySelectorAll("[data-k]").forEach(function (dd) {
          var k = dd.getAttribute("data-k");
          if (k === "rate") { dd.textContent = p.rate.toFixed(1) + "/s"; }
          else if (k === "eta") { dd.textContent = p.eta_text; }
          else if (k in p) { dd.textContent = p[k]; }
        });
        if (p.status === "running" || p.status === "approved") { setTimeout(refresh, 5000); }
      });
  }
  setTimeout(refresh, 5000);
}());
