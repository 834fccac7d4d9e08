/*
 * 检查提法: the service's 提法 rules (/api/lint) over text the writer pasted (the full-window page)
 * or over the whole open document (hosts that can read it: WPS), where each hit becomes a comment.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each;
  var state = P.state;
  var CONTEXT_CHARS = 24;

  function lintText(text, done) {
    P.api("POST", "lint", { text: text }, { label: "正在检查提法…" }, done);
  }

  /* The service counts characters (code points); documents and JavaScript count UTF-16 units. */
  function unitOffset(text, codePoints) {
    var units = 0;
    for (var seen = 0; seen < codePoints && units < text.length; seen += 1) {
      var code = text.charCodeAt(units);
      units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
    }
    return units;
  }

  function inUnits(text, hits) {
    var out = [];
    each(hits || [], function (hit) {
      out.push({ start: unitOffset(text, hit.start), end: unitOffset(text, hit.end), found: hit.found,
                 message: hit.message, suggestion: hit.suggestion });
    });
    return out;
  }

  function lintPasted() {
    var text = $("lint-text").value;
    if (!P.trimmed(text)) {
      P.banner("warning", "请先把要检查的文字粘贴到「检查提法」的框中。");
      return;
    }
    lintText(text, function (error, data) {
      if (error) { P.explain(error, lintPasted); return; }
      showHits(text, inUnits(text, data.hits));
    });
  }

  function showHits(text, hits) {
    var list = $("lint-results");
    clear(list);
    $("lint-summary").textContent = hits.length ? "发现 " + hits.length + " 处过时提法：" : "没有发现过时提法。";
    each(hits, function (hit) {
      var before = text.slice(Math.max(0, hit.start - CONTEXT_CHARS), hit.start).replace(/\s+/g, " ");
      var after = text.slice(hit.end, hit.end + CONTEXT_CHARS).replace(/\s+/g, " ");
      list.appendChild(el("li", { className: "lint-hit" }, [
        el("p", { className: "lint-context" }, ["…" + before, el("mark", { text: hit.found }), after + "…"]),
        el("p", { className: "lint-message", text: hit.message })
      ]));
    });
    show(list, hits.length > 0);
  }

  /* The whole open document: read by the host, checked by the service, a comment at each hit. */
  function lintDocument() {
    var host = state.host;
    if (!host.readText || !state.canInsert) {
      P.banner("warning", "这里不能读取文档。", ["可以把文字粘贴到网页版「检查提法」中检查。"]);
      return;
    }
    if (!P.beginAction()) { return; }
    host.readText(function (failure, text) {
      if (failure) { P.endAction(); P.banner("error", "没能读取文档内容。", [P.describeHostError(failure)]); return; }
      lintText(text, function (error, data) {
        if (error) { P.endAction(); P.explain(error, lintDocument); return; }
        var hits = inUnits(text, data.hits);
        host.addComments(hits, function (failed, missed) {
          P.endAction();
          if (failed) { P.banner("error", "没能在文档中添加批注。", [P.describeHostError(failed)]); return; }
          if (!hits.length) {
            P.banner("success", "没有发现过时提法。", ["检查了全文 " + text.length + " 字。"]);
            return;
          }
          var placed = hits.length - missed.length;
          var details = ["批注写明了原因和建议的提法。"];
          if (missed.length) {
            details.push("另有 " + missed.length + " 处在表格、域或文本框附近，没能准确定位，请自行查找：");
            each(missed.slice(0, 5), function (hit) { details.push(hit.message); });
          }
          P.banner("warning", "发现 " + hits.length + " 处过时提法，已在文档中添加 " + placed + " 条批注。", details);
        });
      });
    });
  }

  function bind() {
    P.on("btn-lint", "click", lintPasted);
    var button = P.on("btn-lint-document", "click", lintDocument);
    if (button) { show(button, !!state.host.readText); }
  }

  P.binders = (P.binders || []).concat([bind]);
  P.lintDocument = lintDocument;
}(window.biaotaiPane = window.biaotaiPane || {}));
