// The API reference page (templates/api/docs.html), after Swagger UI's bundle: names
// the controls Swagger UI leaves without an accessible name. Swagger UI draws and
// redraws them as operations and dialogs open, so this watches for them.
"use strict";

function nameUnnamedControls(root) {
  // Each parameter's drop-down, by the parameter's name (swagger-api/swagger-ui#8092).
  for (const select of root.querySelectorAll("tr[data-param-name] select")) {
    if (!select.hasAttribute("aria-label") && select.labels.length === 0) {
      const row = select.closest("tr[data-param-name]");
      select.setAttribute("aria-label", row.dataset.paramName);
    }
  }
  // The request body's text box, which has only an empty title.
  for (const body of root.querySelectorAll("textarea.body-param__text")) {
    if (!body.getAttribute("aria-label") && body.labels.length === 0) {
      body.setAttribute("aria-label", "Request body");
    }
  }
  // The cross that closes the "Available authorizations" dialog: an image alone.
  for (const button of root.querySelectorAll(".close-modal:not([aria-label])")) {
    button.setAttribute("aria-label", "Close");
  }
  // The schema's title, which Swagger UI draws as a second first-level heading
  // under the page's own: a heading of the page's second level.
  for (const title of root.querySelectorAll(".info h1.title:not([aria-level])")) {
    title.setAttribute("role", "heading");
    title.setAttribute("aria-level", "2");
  }
}

const docs = document.getElementById("swagger-ui");
new MutationObserver(() => nameUnnamedControls(docs)).observe(docs, {
  childList: true,
  subtree: true,
});
