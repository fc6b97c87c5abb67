// Client-side search over the prebuilt index (search-index.js); works from file://.
// The same query language and matching rule as `newsarchive search` (newsarchive/search.py, which
// this follows step by step): text folded alike (no case, no accents), every word must begin a
// word of the title or text, "quoted words" are a phrase of whole words, OR, -word and NOT
// exclude, parentheses group; a word of Chinese, Japanese, Korean or Thai matches anywhere.
// The index holds each article's folded words, made by the same code as the command line's index.
// Results are listed newest first.
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

  var ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var WORD = /[\p{L}\p{N}\p{M}]+/gu;
  var UNSPACED = new RegExp("[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}" +
    "\\p{Script=Bopomofo}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}\\p{Script=Yi}]", "u");
  var KEYWORDS = ["OR", "AND", "NOT"];

  function fold(text) {
    var lowered = text.normalize("NFKD").toLowerCase();
    return lowered.replace(ACCENTS, "").replace(/ß/g, "ss").replace(/ς/g, "σ").normalize("NFC");
  }

  function QueryError(message) { this.message = message; }

  function tokens(query) {
    var chars = Array.from(query);  // code points, so positions count characters as Python does
    var found = [];
    var i = 0;
    while (i < chars.length) {
      var c = chars[i];
      if (/\s/.test(c)) { i += 1; continue; }
      if (c === '"') {
        var close = chars.indexOf('"', i + 1);
        if (close < 0) throw new QueryError('the " at character ' + (i + 1) + " is never closed");
        found.push({ kind: "phrase", text: chars.slice(i + 1, close).join(""), at: i + 1 });
        i = close + 1;
      } else if (c === "(" || c === ")") {
        found.push({ kind: c, text: c, at: i + 1 });
        i += 1;
      } else if (c === "-" && i + 1 < chars.length && !/\s/.test(chars[i + 1])) {
        found.push({ kind: "-", text: c, at: i + 1 });
        i += 1;
      } else {
        var end = i;
        while (end < chars.length && !/[\s"()]/.test(chars[end])) end += 1;
        var word = chars.slice(i, end).join("");
        found.push({ kind: KEYWORDS.indexOf(word) >= 0 ? word : "word", text: word, at: i + 1 });
        i = end;
      }
    }
    return found;
  }

  // Nodes: {words: [...], exact: bool} | {run: "..."} | {all: [...]} | {any: [...]} | {not: node}
  function term(text, exact) {
    var words = fold(text).match(WORD);
    if (!words) return null;
    var joined = words.join(" ");
    return UNSPACED.test(joined) ? { run: joined } : { words: words, exact: exact };
  }

  function combine(kind, parts) {
    var kept = parts.filter(function (part) { return part !== null; });
    if (!kept.length) return null;
    if (kept.length === 1) return kept[0];
    var node = {};
    node[kind] = kept;
    return node;
  }

  function parse(query) {
    var toks = tokens(query);
    var position = 0;
    function peek() { return position < toks.length ? toks[position] : null; }
    function startsTerm() {
      var next = peek();
      return next !== null && next.kind !== ")" && next.kind !== "OR" && next.kind !== "AND";
    }
    function sequence(opener) {
      var parts = [];
      var next;
      while ((next = peek()) !== null && next.kind !== ")") {
        if (next.kind === "AND") {
          position += 1;
          if (!parts.length || !startsTerm()) throw new QueryError("AND at character " + next.at + " needs words on both sides");
          continue;
        }
        parts.push(either());
      }
      if (next === null && opener !== null) throw new QueryError("the ( at character " + opener.at + " is never closed");
      if (next !== null && opener === null) throw new QueryError("the ) at character " + next.at + " closes no (");
      return combine("all", parts);
    }
    function either() {
      var options = [unary()];
      var next;
      while ((next = peek()) !== null && next.kind === "OR") {
        position += 1;
        if (!startsTerm()) throw new QueryError("OR at character " + next.at + " needs words on both sides");
        options.push(unary());
      }
      return combine("any", options);
    }
    function unary() {
      var token = toks[position];
      position += 1;
      if (token.kind === "OR") throw new QueryError("OR at character " + token.at + " needs words on both sides");
      if (token.kind === "-" || token.kind === "NOT") {
        if (!startsTerm()) throw new QueryError(token.text + " at character " + token.at + " needs a word after it");
        var part = unary();
        return part === null ? null : { not: part };
      }
      if (token.kind === "(") {
        var group = sequence(token);
        position += 1;
        return group;
      }
      return term(token.text, token.kind === "phrase");
    }
    var root = sequence(null);
    if (root === null) throw new QueryError("nothing to search for (a query needs letters or digits)");
    return root;
  }

  function inField(field, leaf) {
    if (leaf.run !== undefined) return field.indexOf(leaf.run) !== -1;
    var needle = " " + leaf.words.join(" ") + (leaf.exact ? " " : "");
    return (" " + field + " ").indexOf(needle) !== -1;
  }

  function matches(node, row) {
    if (node.all) return node.all.every(function (part) { return matches(part, row); });
    if (node.any) return node.any.some(function (part) { return matches(part, row); });
    if (node.not) return !matches(node.not, row);
    return inField(row.w[0], node) || inField(row.w[1], node);
  }

  function show(query) {
    list.textContent = "";
    if (!query.trim()) { results.hidden = true; return; }
    var root;
    try {
      root = parse(query);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      count.textContent = error.message;
      count.className = "query-error";
      results.hidden = false;
      return;
    }
    count.className = "";
    var found = index.filter(function (row) { return matches(root, row); });
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

  input.addEventListener("input", function () { show(input.value); });
  form.addEventListener("submit", function (event) { event.preventDefault(); show(input.value); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
})();
