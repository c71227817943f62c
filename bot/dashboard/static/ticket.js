// Ticket page: the destination fields go with the status "Ditindaklanjuti" only, and the
// register fields with the destination "temuan". CSS already hides them (:has); this disables
// the hidden ones so a value chosen and then abandoned is not sent. Without this script the
// server refuses such a value with a clear message instead.
(function () {
  "use strict";
  var form = document.getElementById("status-form");
  if (!form) { return; }
  var status = form.querySelector("select[name=status]");
  var destination = form.querySelector("select[name=destination]");
  var fields = document.getElementById("destination-fields");
  var register = document.getElementById("register-fields");
  function sync() {
    var takenUp = status.value === "ditindaklanjuti";
    if (fields) { fields.disabled = !takenUp; fields.hidden = !takenUp; }
    if (register) {
      var temuan = takenUp && destination && destination.value === "temuan";
      register.disabled = !temuan; register.hidden = !temuan;
    }
  }
  status.addEventListener("change", sync);
  if (destination) { destination.addEventListener("change", sync); }
  sync();
})();
