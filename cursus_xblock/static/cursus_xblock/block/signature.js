/* A signature pad: draw with a mouse, a pen or a finger on a <canvas>; read it back as a PNG data URL.
   Pointer events cover the three; touch-action: none (in the CSS) keeps the page from scrolling under
   the finger. Plain JavaScript, shared by the XBlock and the check-in page. */
function CursusSignaturePad(canvas) {
  "use strict";
  var context = canvas.getContext("2d");
  var drawing = false, drawn = false, fitted = false, last = null;

  function fit() {
    var ratio = window.devicePixelRatio || 1, box = canvas.getBoundingClientRect();
    if (!box.width) { return; }
    fitted = true;
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineWidth = 2.5;
    context.lineCap = context.lineJoin = "round";
    context.strokeStyle = "#111";
    drawn = false;
  }
  function point(event) {
    var box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }
  canvas.addEventListener("pointerdown", function (event) {
    if (!fitted) { fit(); }  /* drawn hidden (a closed <details>): sized when first touched */
    drawing = true;
    last = point(event);
    if (canvas.setPointerCapture) { try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* synthetic */ } }
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
    drawn = true;
    canvas.dispatchEvent(new CustomEvent("cursus-signed"));
    event.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  fit();
  return {
    isEmpty: function () { return !drawn; },
    clear: function () { context.clearRect(0, 0, canvas.width, canvas.height); drawn = false; },
    toDataURL: function () {
      /* At most 600 px wide: enough for a sheet's box, and well under the server's size limit. */
      var scale = Math.min(1, 600 / canvas.width), out = document.createElement("canvas");
      out.width = Math.round(canvas.width * scale);
      out.height = Math.round(canvas.height * scale);
      out.getContext("2d").drawImage(canvas, 0, 0, out.width, out.height);
      return out.toDataURL("image/png");
    },
    fit: fit
  };
}
