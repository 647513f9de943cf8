/* The Cursus XBlock: Register / Leave through the block's JSON handlers, dates in the viewer's zone.
   Plain JavaScript, so it runs the same in the LMS, Studio and the XBlock workbench. */
function CursusXBlock(runtime, element, data) {
  "use strict";
  var root = element.querySelector ? element : element[0];
  var block = root.querySelector(".cursus-block");
  var message = block.querySelector(".cursus-message");

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (part) { return part.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function show(text, isError) {
    message.textContent = text;
    message.classList.toggle("cursus-error", !!isError);
    message.hidden = !text;
  }

  /* Dates: the server wrote them in the viewer's preferred zone when the LMS knows it, else in the
     session's; without a preference the browser's zone is the viewer's. */
  function localize() {
    if (block.dataset.timeZone || !window.Intl || !Intl.DateTimeFormat.prototype.formatRange) { return; }
    var lang = block.dataset.language || document.documentElement.lang || undefined;
    var format = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" });
    var zone = format.resolvedOptions().timeZone;
    /* The zone as people say it ("Eastern Time", « heure d’Europe centrale »), else its IANA name. */
    function zoneName(date) {
      if (/^(Etc\/)?(UTC|GMT)$/.test(zone)) { return "UTC"; }
      try {
        var part = new Intl.DateTimeFormat(lang, { timeZoneName: "longGeneric" }).formatToParts(date)
          .find(function (p) { return p.type === "timeZoneName"; });
        return part ? part.value : zone;
      } catch (e) { return zone; }
    }
    block.querySelectorAll("time.cursus-when").forEach(function (node) {
      var start = new Date(node.dataset.start), end = new Date(node.dataset.end);
      if (isNaN(start) || isNaN(end)) { return; }
      node.textContent = format.formatRange(start, end) + " (" + zoneName(start) + ")";
    });
  }

  function post(url, payload, button) {
    button.disabled = true;
    show("");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"),
                 "X-Requested-With": "XMLHttpRequest" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(body.error || response.statusText); }
        return body;
      });
    }).then(function (body) {
      block.querySelector(".cursus-sessions").innerHTML = body.html;
      localize();
      pads();
      show(body.message, false);
    }).catch(function (error) {
      button.disabled = false;
      show(error.message, true);
    });
  }

  /* Self check-in: signature boxes, the trainer's buttons and the code of the minute. */
  function pads() {
    block.querySelectorAll("canvas.cursus-signature-pad").forEach(function (canvas) {
      if (!canvas.cursusPad) { canvas.cursusPad = CursusSignaturePad(canvas); }
    });
  }

  block.addEventListener("click", function (event) {
    var clear = event.target.closest("button.cursus-signature-clear");
    if (clear) { clear.closest("form").querySelector("canvas").cursusPad.clear(); return; }
    var action = event.target.closest("button.cursus-checkin-action");
    if (action && !action.disabled) {
      post(data[action.dataset.action + "_url"], { event: parseInt(action.dataset.event, 10) }, action);
    }
  });

  block.addEventListener("submit", function (event) {
    var form = event.target.closest("form.cursus-checkin-form, form.cursus-countersign-form");
    if (!form) { return; }
    event.preventDefault();
    var pad = form.querySelector("canvas").cursusPad;
    var payload = { event: parseInt(form.dataset.event, 10),
                    image: pad && !pad.isEmpty() ? pad.toDataURL() : "",
                    typed_name: form.querySelector(".cursus-typed-name").value };
    var code = form.querySelector(".cursus-checkin-code");
    if (code) { payload.code = code.value; }
    var url = form.classList.contains("cursus-checkin-form") ? data.check_in_url : data.countersign_url;
    post(url, payload, form.querySelector("button[type=submit]"));
  });

  function refreshCodes() {
    block.querySelectorAll(".cursus-checkin-display").forEach(function (display) {
      fetch(data.checkin_code_url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"),
                   "X-Requested-With": "XMLHttpRequest" },
        body: JSON.stringify({ event: parseInt(display.dataset.event, 10) })
      }).then(function (response) { return response.ok ? response.json() : null; }).then(function (body) {
        if (!body) { return; }
        display.querySelector(".cursus-checkin-now").textContent = body.code;
        display.querySelector(".cursus-checkin-qr").src = body.qr;
        var link = display.querySelector(".cursus-checkin-url");
        link.href = link.textContent = body.url;
      }).catch(function () { /* the next round tries again */ });
    });
  }
  if (data.checkin_code_url) { window.setInterval(refreshCodes, 15000); }
  pads();

  block.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-session]");
    if (!button || button.disabled) { return; }
    var session = parseInt(button.dataset.session, 10);
    if (button.classList.contains("cursus-register")) {
      post(data.register_url, { session: session }, button);
    } else if (button.classList.contains("cursus-leave")) {
      if (window.confirm(button.dataset.confirm)) { post(data.leave_url, { session: session }, button); }
    }
  });

  /* A trainer's roll call: each select saved as soon as it changes; back to its state on a refusal. */
  block.addEventListener("change", function (event) {
    var select = event.target.closest("select.cursus-attendance");
    if (!select) { return; }
    var previous = select.dataset.saved || select.querySelector("option[selected]").value;
    select.disabled = true;
    show("");
    fetch(data.attendance_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"),
                 "X-Requested-With": "XMLHttpRequest" },
      body: JSON.stringify({ event: parseInt(select.dataset.event, 10),
                             registration: parseInt(select.dataset.registration, 10), state: select.value })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(body.error || response.statusText); }
        return body;
      });
    }).then(function (body) {
      select.dataset.saved = body.state;
      show(body.message, false);
    }).catch(function (error) {
      select.value = previous;
      show(error.message, true);
    }).then(function () {
      select.disabled = false;
      select.focus();
    });
  });

  /* Back to this page after signing in. */
  block.querySelectorAll("a.cursus-sign-in").forEach(function (link) {
    var here = window.location.pathname + window.location.search;
    link.href += (link.href.indexOf("?") < 0 ? "?" : "&") + "next=" + encodeURIComponent(here);
  });

  localize();
}
