/* The per-user registrations page: show a session's events, and the two dialogs
   (documents: pick a template, preview, download or e-mail; unregister: confirm, reason). */
"use strict";
(function () {
  const page = document.querySelector(".cursus-registrations");
  if (!page) return;
  const person = page.dataset.person;
  const templates = JSON.parse(document.getElementById("cursus-templates").textContent);
  const strings = JSON.parse(document.getElementById("cursus-strings").textContent);

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
  }

  // Events (séances): the session name toggles its row.
  page.querySelectorAll(".cursus-toggle").forEach((button) => {
    button.addEventListener("click", () => {
      const row = document.getElementById(button.getAttribute("aria-controls"));
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      row.hidden = !open;
    });
  });
  // Coming back from an action on an event: keep that session's events open.
  if (location.hash.startsWith("#registration-")) {
    const toggle = document.querySelector(location.hash + " .cursus-toggle");
    if (toggle) toggle.click();
  }

  // Document dialog.
  const docDialog = document.getElementById("cursus-document-dialog");
  const docForm = document.getElementById("cursus-document-form");
  const select = docForm.querySelector("select[name=template]");
  const frame = docDialog.querySelector("iframe");
  const submitButtons = docForm.querySelectorAll("button[type=submit]");

  // Not `docForm.action`: the submit buttons are named "action", and a named control shadows
  // the form's property of the same name.
  function previewUrl() {
    const params = new URLSearchParams();
    if (select.value) params.set("template", select.value);
    const event = docForm.elements.event.value;
    if (event) params.set("event", event);
    // The fragment asks the browser's PDF viewer for the page at the frame's width, no side panel.
    return docForm.getAttribute("action") + "?" + params.toString() + "#navpanes=0&view=FitH";
  }

  function openDocument(button) {
    const kind = button.dataset.kind;
    const isCertificate = kind.endsWith("certificate");
    docForm.setAttribute("action", button.dataset.url);
    docForm.elements.event.value = button.dataset.event || "";
    docDialog.querySelector("h2").textContent = isCertificate ? strings.certificate : strings.invitation;
    docDialog.querySelector(".cursus-dialog-subject").textContent = button.dataset.target;
    select.replaceChildren();
    const choices = templates[kind] || [];
    // Preselect the default in the administrator's language, else any default, else the first.
    const preferred =
      choices.find((t) => t.default && t.language === strings.language) || choices.find((t) => t.default) || choices[0];
    for (const template of choices) {
      const label = template.default ? template.name + " — " + strings.default : template.name;
      const option = new Option(label, template.id, template === preferred, template === preferred);
      select.append(option);
    }
    const none = !select.options.length;
    submitButtons.forEach((b) => (b.disabled = none));
    frame.srcdoc = none ? "<p style='font:14px system-ui;margin:2rem'>" + strings.none + "</p>" : "";
    if (!none) {
      frame.removeAttribute("srcdoc");
      frame.src = previewUrl();
    }
    docDialog.showModal();
  }

  select.addEventListener("change", () => (frame.src = previewUrl()));
  // A download keeps the page: close the dialog once the browser has the file.
  docForm.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.value === "download") setTimeout(() => docDialog.close(), 300);
  });

  // Unregister dialog.
  const unDialog = document.getElementById("cursus-unregister-dialog");
  const unForm = document.getElementById("cursus-unregister-form");

  function openUnregister(button) {
    unForm.setAttribute("action", button.dataset.url);
    unForm.elements.reason.value = "";
    unDialog.querySelector(".cursus-dialog-question").textContent = format(strings.question, {
      user: person,
      target: button.dataset.target,
    });
    unDialog.showModal();
  }
  unForm.addEventListener("submit", () => unForm.querySelector("button[type=submit]").setAttribute("disabled", ""));

  page.addEventListener("click", (event) => {
    const button = event.target.closest(".cursus-action");
    // A document that cannot be made: the button says why (title, description), nothing opens.
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    if (button.dataset.action === "document") openDocument(button);
    else if (button.dataset.action === "unregister") openUnregister(button);
  });
  document.querySelectorAll(".cursus-dialog .cursus-close").forEach((b) =>
    b.addEventListener("click", () => b.closest("dialog").close())
  );
})();
