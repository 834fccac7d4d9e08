/*
 * What the writer sees of the work in progress: the busy bar, and one banner that says what
 * happened or what went wrong, in words a writer can act on.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each;
  var state = P.state;
  var pending = 0;

  function busy(delta, label) {
    pending = Math.max(0, pending + delta);
    document.body.setAttribute("data-busy", String(pending));
    $("busy").setAttribute("aria-hidden", pending ? "false" : "true");
    $("busy").className = pending ? "busy busy-on" : "busy";
    if (pending && label) {
      $("busy-text").textContent = label;
    } else if (!pending) {
      $("busy-text").textContent = state.connected === false ? "未连接到服务" : state.libraryId ? "已连接段落库" : "";
    }
  }

  /* kind: error, warning, success or info; details: list of lines; actions: [{label, run}] */
  function banner(kind, message, details, actions) {
    var box = $("banner");
    box.className = "banner banner-" + kind;
    box.setAttribute("data-kind", kind);
    $("banner-message").textContent = message;
    var list = $("banner-details");
    clear(list);
    each(details || [], function (line) { list.appendChild(el("li", { text: line })); });
    show(list, details && details.length);
    var bar = $("banner-actions");
    clear(bar);
    each(actions || [], function (action) {
      var button = el("button", { type: "button", className: "btn btn-small", text: action.label });
      button.addEventListener("click", function () { action.run(); });
      bar.appendChild(button);
    });
    show(bar, actions && actions.length);
    show(box, true);
  }

  function hideBanner() { show($("banner"), false); }

  /* What went wrong, in words a writer can act on. */
  function explain(error, retry) {
    var actions = retry ? [{ label: "重试", run: function () { hideBanner(); retry(); } }] : [];
    if (error.kind === "network" || error.kind === "timeout") {
      banner("error", error.kind === "timeout" ? "表态发言服务长时间没有响应。" : "无法连接表态发言服务。", [
        "请确认服务已经启动（在服务器上运行 biaotai serve），并且本机能访问 " + location.protocol + "//" + location.host + "。",
        "服务地址或证书变了时，请联系管理员。"
      ], actions);
      return;
    }
    if (error.status === 401) {
      banner("error", error.message || "服务需要访问令牌。", ["请在窗格底部「连接设置」中填写管理员提供的访问令牌。"], [
        { label: "填写令牌", run: function () { P.openSettings(); $("token").focus(); } }
      ]);
      return;
    }
    if (error.code === "invalid_input") {
      var fields = P.markFields(error.problems || []);
      var lines = problemLines(error.problems, error.message);
      if (fields.length) {
        banner("warning", "请先补全单位信息：", lines, [{ label: "去填写", run: function () { P.focusField(fields[0]); } }]);
      } else {
        banner("warning", error.message, lines.length > 1 ? lines : [], actions);
      }
      return;
    }
    if (error.code === "library_error" || error.code === "library_unavailable") {
      banner("error", error.message, problemLines(error.problems, error.message).slice(0, 5).concat([
        "请联系段落库的编辑人员：在 Excel 中改正上面指出的单元格并保存（可运行 biaotai check 核对），服务会自动使用改好的段落库，无需重启。"
      ]), actions);
      return;
    }
    banner("error", error.message || "请求没有成功。", error.status ? ["HTTP " + error.status + (error.code ? "（" + error.code + "）" : "")] : [], actions);
  }

  function problemLines(problems, skip) {
    var lines = [];
    each(problems || [], function (p) {
      if (p.message && p.message !== skip && lines.indexOf(p.message) < 0) { lines.push(p.message); }
    });
    if (!lines.length && skip) { lines.push(skip); }
    return lines;
  }

  /* Each warning once, with where it is when the service says (「要点2」第 2 段：…). */
  function warningLines(warnings) {
    var lines = [];
    each(warnings || [], function (w) {
      var where = w.part ? "「" + w.part + "」" + (w.paragraph ? "第 " + w.paragraph + " 段" : "") + "：" : "";
      if (lines.indexOf(where + w.message) < 0) { lines.push(where + w.message); }
    });
    return lines;
  }

  /* The service answered with the last good library because an editor's save has errors: say so
     once (the editors fix it on the library page; the writer may go on meanwhile). */
  function libraryDegraded() {
    if (state.degradedShown) { return; }
    state.degradedShown = true;
    banner("warning", "段落库的最新修改有错误，服务仍在使用上一版段落库。", [
      "可以继续写稿；生成的内容来自上一版可用的段落库。",
      "请告诉段落库的编辑人员：在「段落库检查」页面可以看到错在哪一行、怎么改。"
    ], [{ label: "打开段落库检查页", run: function () { window.open(P.API.replace(/api\/$/, "") + "library", "_blank"); } }]);
  }

  P.libraryDegraded = libraryDegraded;
  P.busy = busy;
  P.banner = banner;
  P.hideBanner = hideBanner;
  P.explain = explain;
  P.warningLines = warningLines;
}(window.biaotaiPane = window.biaotaiPane || {}));
