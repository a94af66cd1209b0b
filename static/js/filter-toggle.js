// The "Hide filters" button of a list with a filter panel (the MOJ "filter a list"
// pattern), for each [data-app-filter-layout] on the page.
//
// Without this script the filters always show. With it, a button above the list shows
// or hides them; hidden, the results take the whole width, and the button says how
// many filters are still in use. The choice is remembered on this device
// (localStorage, per page). Until someone chooses, the filters show on a wide screen
// and are hidden on a narrow one, where they would push the results a screen down.
// Filters with an error always show.

const NARROW = window.matchMedia("(max-width: 48.0525em)"); // GOV.UK's desktop: 769px
const NOT_FILTERS = new Set(["sort", "page"]);

function remembered(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage turned off: nothing remembered
  }
}

function remember(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // storage turned off: the choice lasts until the page is left
  }
}

// How many filters hold a value: each question (a form group: a list of boxes, the
// three parts of a date) counts once.
function filtersInUse(form) {
  const used = new Set();
  for (const field of form.elements) {
    if (!field.name || NOT_FILTERS.has(field.name) || field.disabled) continue;
    if (field.type === "submit" || field.type === "button") continue;
    const chosen =
      field.type === "checkbox" || field.type === "radio" ? field.checked : true;
    if (chosen && field.value !== "") {
      used.add(field.closest(".govuk-form-group") || field.name);
    }
  }
  return used.size;
}

function enhance(layout) {
  const panel = layout.querySelector(".app-filter-layout__filters");
  const form = panel && panel.querySelector("form");
  if (!panel || !panel.id) return;
  const key = `app-filters-hidden:${window.location.pathname}`;

  const bar = document.createElement("div");
  bar.className = "app-filter-toggle";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
  button.setAttribute("aria-controls", panel.id);
  bar.append(button);
  layout.before(bar);

  function show(shown) {
    panel.hidden = !shown;
    button.setAttribute("aria-expanded", String(shown));
    const inUse = form ? filtersInUse(form) : 0;
    button.textContent = shown
      ? "Hide filters"
      : `Show filters${inUse ? ` (${inUse} in use)` : ""}`;
  }

  const stored = remembered(key);
  const hasErrors = Boolean(
    panel.querySelector(".govuk-error-summary, .govuk-error-message"),
  );
  show(hasErrors || (stored === null ? !NARROW.matches : stored !== "true"));

  button.addEventListener("click", () => {
    const shown = panel.hidden;
    show(shown);
    remember(key, String(!shown));
  });
  if (form) form.addEventListener("change", () => show(!panel.hidden));
}

for (const layout of document.querySelectorAll("[data-app-filter-layout]")) {
  enhance(layout);
}
