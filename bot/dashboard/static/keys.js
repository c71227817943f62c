// Keyboard for the dashboard, as in the trackers officers know: "/" focuses the search,
// j/k move through the inbox rows, Enter opens the selected ticket. Typing in a field is left
// alone. No inline script: this file is allowed by the page's Content-Security-Policy.
"use strict";
(function () {
  const rows = () => Array.from(document.querySelectorAll("table.inbox tbody tr"));
  let current = -1;

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === current));
    const link = all[current].querySelector("a");
    if (link) link.focus();
    all[current].scrollIntoView({ block: "nearest" });
  }

  // The inbox's further filters stay folded on a phone (the tickets come first) and open on
  // a wider screen, where they fit beside each other.
  const more = document.querySelector("details.more-filters");
  if (more && window.matchMedia("(min-width: 701px)").matches) more.open = true;

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      const search = document.querySelector("input[type=search], input[name=q]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "j") {
      select(current + 1);
    } else if (event.key === "k") {
      select(current < 0 ? 0 : current - 1);
    } else if (event.key === "Enter" && current >= 0 && !event.target.closest("a, button")) {
      const link = rows()[current].querySelector("a");
      if (link) link.click();
    }
  });
})();
