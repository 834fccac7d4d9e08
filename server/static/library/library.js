/*
 * The editors' page (/library): the library's state and every problem, import review, history
 * and usage. ES5 like the panes (the page also opens in Word's and WPS's pane browsers), over the
 * shared modules util, state, messages and api. It decides nothing: problems, rows, versions and
 * counts all come from the service; this page only shows them and sends what the editor chose.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each, closest = P.closest;
  var REFRESH_MS = 10000;
  var meetings = [];
  var preview = [];
  var newestRecorded = null;  // the library id of the newest version the history showed

  P.API = "api/";
  P.TOKEN_KEY = "biaotai.editorToken";  // the editors' token, kept apart from a writer's
  P.libraryDegraded = function () {};  // the writers' banner: this page shows the state itself

  function explain(error, retry) {
    if (error.status === 401 || error.status === 403) {
      P.banner("error", error.message || "需要编辑人员令牌。", ["请在页面底部填写管理员提供的编辑人员令牌。"], [
        { label: "填写令牌", run: function () { $("token").focus(); } }
      ]);
      return;
    }
    P.explain(error, retry);
  }

  // -- 1 status and problems --------------------------------------------------------------

  function loadStatus() {
    P.api("GET", "library/check", null, { label: "正在检查段落库…" }, function (error, check) {
      if (error) { explain(error, loadStatus); return; }
      P.api("GET", "health", null, {}, function (healthError, health) {
        renderStatus(check, healthError ? null : health);
        // A save was taken (or restored), or the history was read before this version was recorded
        // (several worker processes each reload on their own): read the history again.
        if (health && health.library_id !== newestRecorded) {
          loadHistory();
          loadUsage();
        }
      });
    });
  }

  function renderStatus(check, health) {
    var box = $("status");
    var status = health ? health.status : (check.ok ? "ok" : "degraded");
    box.setAttribute("data-status", status);
    clear(box);
    box.appendChild(el("p", { className: "status-line", text: check.message || "" }));
    if (health && health.library_id) {
      box.appendChild(el("p", { className: "status-line",
        text: "正在使用：版本 " + health.library_id + "，" + health.sections + " 个段落，自 " + localTime(health.loaded_at) + " 起" }));
    }
    if (!check.ok && check.since) {
      box.appendChild(el("p", { className: "status-line", text: "最新保存的内容从 " + localTime(check.since) + " 起未被采用，请按下表改正后再保存。" }));
    }
    var editing = check.editing || {};
    show($("editing"), editing.locked);
    $("editing").textContent = editing.locked ? editing.message : "";
    var rows = $("problems").getElementsByTagName("tbody")[0];
    clear(rows);
    each(check.problems || [], function (p) {
      rows.appendChild(el("tr", { "data-severity": p.severity }, [
        el("td", { className: "level-" + p.severity, text: p.severity === "error" ? "错误" : "提示" }),
        el("td", { text: p.sheet || "" }),
        el("td", { text: p.row ? String(p.row) : "" }),
        el("td", { text: p.column || "" }),
        el("td", { text: p.message })
      ]));
    });
    $("problem-count").textContent = String((check.problems || []).length);
    show($("problems"), (check.problems || []).length);
    show($("no-problems"), !(check.problems || []).length);
    document.body.setAttribute("data-state", "ready");
  }

  function localTime(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  // -- 2 import review ----------------------------------------------------------------------

  function loadMeetings() {
    P.api("GET", "meetings", null, {}, function (error, data) {
      if (!error) { meetings = data.meetings || []; }
    });
  }

  function slotsOf(meetingId) {
    var found = null;
    each(meetings, function (m) { if (m.id === meetingId) { found = m; } });
    var slots = [];
    each(found ? found.slots : [], function (s) { slots.push(s.slot); });
    return slots;
  }

  function options(select, values, chosen) {
    clear(select);
    each(values, function (value) {
      var option = el("option", { value: value, text: value });
      if (value === chosen) { option.selected = true; }
      select.appendChild(option);
    });
    if (chosen && values.indexOf(chosen) < 0) {
      select.appendChild(el("option", { value: chosen, text: chosen + "（段落库中没有）", selected: true }));
    }
  }

  function previewImport() {
    var files = $("import-files").files;
    if (!files || !files.length) {
      P.banner("warning", "请先选择要导入的 .txt 或 .docx 文件。");
      return;
    }
    var form = new FormData($("import-form"));  // files and dry_run=1, as the form holds them
    P.api("POST", "library/import", form, { label: "正在拆分旧发言…", timeout: 120000 }, function (error, summary) {
      if (error) { explain(error, previewImport); return; }
      preview = summary.rows || [];
      renderReview(summary);
    });
  }

  function renderReview(summary) {
    var body = $("import-rows").getElementsByTagName("tbody")[0];
    clear(body);
    var ids = [];
    each(meetings, function (m) { ids.push(m.id); });
    each(preview, function (row, i) {
      var meeting = el("select", { className: "input", "data-field": "meeting", "aria-label": "会议类型" });
      var slot = el("select", { className: "input", "data-field": "slot", "aria-label": "部分" });
      options(meeting, ids, row.meeting);
      options(slot, slotsOf(row.meeting), row.slot);
      meeting.addEventListener("change", function () { options(slot, slotsOf(meeting.value), slot.value); });
      body.appendChild(el("tr", { "data-index": String(i) }, [
        el("td", {}, [el("input", { type: "checkbox", "data-field": "tick", checked: true, "aria-label": "加入这一段" })]),
        el("td", {}, [el("div", { className: "note", text: row.source }), el("div", { className: "original", text: row.original })]),
        el("td", { className: "proposal" }, [
          meeting, slot,
          el("input", { className: "input", "data-field": "heading", value: row.heading || "", placeholder: "小标题（要点才需要）",
                        "aria-label": "小标题" }),
          el("textarea", { className: "input", "data-field": "body", "aria-label": "正文" }, [row.body]),
          row.note ? el("div", { className: "row-note", text: "备注：" + row.note }) : null
        ])
      ]));
    });
    var duplicates = (summary.duplicates || []).length;
    $("import-summary").textContent = "共拆出 " + preview.length + " 个新段落" +
      (duplicates ? "；另有 " + duplicates + " 段与段落库中已有的段落相同，已略去" : "") +
      "。占位符已替换 " + summary.placeholders_mapped + " 处，未能识别 " + summary.placeholders_unmapped + " 处（见各段备注）。";
    $("import-all").checked = true;
    show($("import-rows"), preview.length);
    show($("import-actions"), preview.length);
  }

  function addTicked() {
    var rows = [];
    each($("import-rows").getElementsByTagName("tbody")[0].getElementsByTagName("tr"), function (tr) {
      if (!field(tr, "tick").checked) { return; }
      var original = preview[Number(tr.getAttribute("data-index"))];
      rows.push({ meeting: field(tr, "meeting").value, slot: field(tr, "slot").value, heading: field(tr, "heading").value,
                  body: field(tr, "body").value, source: original.source, note: original.note || "" });
    });
    if (!rows.length) {
      P.banner("warning", "没有勾选任何段落。");
      return;
    }
    P.api("POST", "library/import/rows", { rows: rows }, { label: "正在写入段落库…" }, function (error, result) {
      if (error) { explain(error, addTicked); return; }
      var details = ["新段落的编号：" + result.added.join("、")];
      if (result.backup) { details.push("原段落库已备份为 " + result.backup + "。"); }
      if (result.duplicates.length) { details.push(result.duplicates.length + " 段与已有段落相同，没有重复加入。"); }
      details.push("新段落「启用」为「否」：在 Excel 中核对后改为「是」即可使用。");
      P.banner("success", "已加入 " + result.added.length + " 个段落。", details);
      clear($("import-rows").getElementsByTagName("tbody")[0]);
      show($("import-rows"), false);
      show($("import-actions"), false);
      preview = [];
      refresh();
    });
  }

  function field(row, name) {
    var found = null;
    each(row.querySelectorAll("[data-field]"), function (node) {
      if (!found && node.getAttribute("data-field") === name) { found = node; }
    });
    return found;
  }

  // -- 3 history ------------------------------------------------------------------------------

  function loadHistory() {
    P.api("GET", "library/history", null, {}, function (error, data) {
      if (error) {
        if (error.code === "no_history") { $("history-problem").textContent = error.message; show($("history-problem"), true); return; }
        explain(error, loadHistory);
        return;
      }
      show($("history-problem"), !!data.problem);
      $("history-problem").textContent = data.problem || "";
      newestRecorded = data.versions && data.versions.length ? data.versions[0].library_id : null;
      var body = $("versions").getElementsByTagName("tbody")[0];
      clear(body);
      each(data.versions || [], function (v, i) {
        var change = i === (data.versions.length - 1) && !v.added && !v.changed && !v.removed ? "最早记录的一版"
          : "新增 " + v.added + "，修改 " + v.changed + "，删除 " + v.removed;
        var serving = v.library_id === data.serving_library_id && i === 0;
        var actions = [el("button", { type: "button", className: "btn btn-small", "data-action": "changes", text: "查看改动" })];
        if (!serving && v.has_workbook) {
          actions.push(el("button", { type: "button", className: "btn btn-small btn-quiet", "data-action": "restore", text: "恢复此版本" }));
        }
        body.appendChild(el("tr", { "data-version": String(v.id) }, [
          el("td", { text: "第 " + v.id + " 版" + (serving ? "（正在使用）" : "") + (v.restored_from ? "（恢复自第 " + v.restored_from + " 版）" : "") }),
          el("td", { text: localTime(v.accepted_at) }),
          el("td", { text: String(v.sections) }),
          el("td", { text: change }),
          el("td", {}, actions)
        ]));
      });
    });
  }

  function showChanges(id) {
    P.api("GET", "library/history/" + id, null, {}, function (error, data) {
      if (error) { explain(error); return; }
      $("changes-title").textContent = "第 " + id + " 版的改动";
      var list = $("changes-list");
      clear(list);
      if (!data.changes.length) { list.appendChild(el("p", { className: "note", text: "这一版没有段落的改动（最早记录的一版，或只改了其他工作表）。" })); }
      each(data.changes, function (c) {
        var kind = { added: "新增", changed: "修改", removed: "删除" }[c.kind] || c.kind;
        var diff = el("div", { className: "diff" });
        each(c.diff.split("\n"), function (line) {
          var cls = line.charAt(0) === "+" && line.indexOf("+++") !== 0 ? "diff-add"
            : line.charAt(0) === "-" && line.indexOf("---") !== 0 ? "diff-del" : "";
          diff.appendChild(el("div", { className: cls, text: line }));
        });
        list.appendChild(el("div", { "data-section": c.section_id }, [el("p", { text: kind + "：" + c.section_id }), diff]));
      });
      show($("changes"), true);
    });
  }

  function restore(id) {
    if (!window.confirm("把段落库恢复到第 " + id + " 版？当前的段落库会先备份，恢复后写稿人立即用上这一版。")) { return; }
    P.api("POST", "library/history/" + id + "/restore", {}, { label: "正在恢复…" }, function (error, result) {
      if (error) { explain(error); return; }
      P.banner("success", "已恢复到第 " + id + " 版，服务正在使用它。", result.backup ? ["恢复前的段落库已备份为 " + result.backup + "。"] : []);
      refresh();
    });
  }

  // -- 4 usage --------------------------------------------------------------------------------

  function loadUsage() {
    P.api("GET", "library/usage", null, {}, function (error, data) {
      if (error) { return; }  // the history section already says why
      var sections = (data.sections || []).slice(0);
      sections.sort(function (a, b) { return (b.inserted + b.generated) - (a.inserted + a.generated); });
      var body = $("usage").getElementsByTagName("tbody")[0];
      clear(body);
      each(sections, function (s) {
        body.appendChild(el("tr", { className: s.inserted + s.generated ? "" : "unused", "data-section": s.id }, [
          el("td", { text: s.id }), el("td", { text: s.slot }), el("td", { text: s.heading || "" }),
          el("td", { text: String(s.inserted) }), el("td", { text: String(s.generated) })
        ]));
      });
    });
  }

  // -- the page -------------------------------------------------------------------------------

  function refresh() {
    newestRecorded = null;  // loadStatus then loads history and usage afresh
    loadStatus();
  }

  function start() {
    $("token").value = P.recall(P.TOKEN_KEY) || "";
    P.on("btn-token", "click", function () {
      P.store(P.TOKEN_KEY, P.trimmed($("token").value) || null);
      P.hideBanner();
      refresh();
    });
    P.on("banner-close", "click", P.hideBanner);
    P.on("btn-preview", "click", previewImport);
    P.on("btn-add", "click", addTicked);
    P.on("import-all", "change", function () {
      each($("import-rows").querySelectorAll('[data-field="tick"]'), function (box) { box.checked = $("import-all").checked; });
    });
    P.on("versions", "click", function (event) {
      var button = closest(event.target, "data-action", $("versions"));
      if (!button) { return; }
      var row = closest(button, "data-version", $("versions"));
      var id = row.getAttribute("data-version");
      if (button.getAttribute("data-action") === "changes") { showChanges(id); } else { restore(id); }
    });
    loadMeetings();
    refresh();
    window.setInterval(loadStatus, REFRESH_MS);
  }

  start();
}(window.biaotaiPane = window.biaotaiPane || {}));
