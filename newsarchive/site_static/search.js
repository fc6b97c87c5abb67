// Client-side search over the prebuilt index (search-index.js); works from file://.
// Every query word must start a word of the article (title or text); newest first.
(function () {
  "use strict";
  var index = window.NEWSARCHIVE_INDEX || [];
  var input = document.getElementById("search");
  var form = document.getElementById("search-form");
  var results = document.getElementById("results");
  var list = document.getElementById("result-list");
  var count = document.getElementById("result-count");
  var MAX_SHOWN = 100;
  if (!input || !results) return;

  function words(text) {
    return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) || []);
  }

  function matches(row, query) {
    var haystack = " " + row.w + " ";
    return query.every(function (word) { return haystack.indexOf(" " + word) !== -1; });
  }

  function show(query) {
    list.textContent = "";
    if (!query.length) { results.hidden = true; return; }
    var found = index.filter(function (row) { return matches(row, query); });
    count.textContent = found.length + " article(s)" + (found.length > MAX_SHOWN ? ", the first " + MAX_SHOWN + " shown" : "");
    found.slice(0, MAX_SHOWN).forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = row.p;
      link.textContent = row.t;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = [row.d, row.s].filter(Boolean).join(" · ") + " — " + row.x;
      item.appendChild(link);
      item.appendChild(meta);
      list.appendChild(item);
    });
    results.hidden = false;
  }

  input.addEventListener("input", function () { show(words(input.value)); });
  form.addEventListener("submit", function (event) { event.preventDefault(); show(words(input.value)); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; show(words(initial)); }
})();
