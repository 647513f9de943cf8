/* The check-in page: the drawn signature goes with the form as a PNG data URL. */
(function () {
  "use strict";
  var form = document.querySelector(".cursus-checkin-form");
  if (!form) { return; }
  var canvas = form.querySelector(".cursus-signature-pad");
  var pad = CursusSignaturePad(canvas);
  form.querySelector(".cursus-checkin-clear").addEventListener("click", function () { pad.clear(); });
  form.addEventListener("submit", function () {
    form.querySelector(".cursus-signature-data").value = pad.isEmpty() ? "" : pad.toDataURL();
  });
})();
