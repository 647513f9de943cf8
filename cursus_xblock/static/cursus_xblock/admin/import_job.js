/* An import job's page: asks for the job's progress every 3 seconds and updates the status (a
   polite live region) and the progress bar in place, instead of reloading the page (a timed
   refresh moves screen readers back to the top). Once the job ends, the link to its report shows. */
(function () {
  "use strict";
  var box = document.querySelector("[data-cursus-job-status]");
  if (!box) { return; }
  var text = box.querySelector(".cursus-import-status-text");
  var bar = box.querySelector("progress");
  var done = document.getElementById("cursus-import-finished");
  var again = document.getElementById("cursus-import-refresh");
  if (again) { again.hidden = true; }

  function poll() {
    fetch(box.getAttribute("data-cursus-job-status"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (text.textContent !== job.text) { text.textContent = job.text; }
        bar.value = job.percent;
        bar.textContent = job.percent + " %";
        if (job.finished) {
          if (done) { done.hidden = false; }
        } else {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
