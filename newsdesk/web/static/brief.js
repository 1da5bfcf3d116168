// Briefs are made on first request (seconds for an uncached one), so pages load them
// after rendering: every element with data-brief gets the server-rendered, escaped
// fragment; in search results only when the reader opens "Core points".
(function () {
  function load(el) {
    if (el.dataset.loaded) return;
    el.dataset.loaded = "1";
    var target = el.querySelector(".brief-slot") || el;
    fetch(el.dataset.brief, { headers: { Accept: "text/html" } })
      .then(function (r) {
        return r.text().then(function (t) { return { ok: r.ok, text: t }; });
      })
      .then(function (r) {
        target.innerHTML = r.ok ? r.text : "<p class='note'>The brief could not be made.</p>";
      })
      .catch(function () {
        target.innerHTML = "<p class='note'>The brief could not be loaded.</p>";
      });
  }
  document.querySelectorAll("[data-brief]").forEach(function (el) {
    if (el.tagName === "DETAILS") {
      el.addEventListener("toggle", function () { if (el.open) load(el); });
    } else {
      load(el);
    }
  });
})();
