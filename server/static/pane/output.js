/*
 * Out of the pane: a part or the whole speech into the document (through the host), or the whole
 * speech as a .docx download.
 *
 * A host takes the service's Word file in one of two ways (host.filePrefix): Word inserts the file
 * the answer carries (docx_base64); WPS inserts a file by URL, so its requests go to the service's
 * fragment endpoints (wps/fragments/…), whose answers carry docx_url instead.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, each = P.each, shorten = P.shorten;
  var state = P.state;
  var acting = false;

  function beginAction() {
    if (acting) { return false; }
    acting = true;
    document.body.setAttribute("data-acting", "1");
    return true;
  }

  function endAction() {
    acting = false;
    document.body.removeAttribute("data-acting");
  }

  /* The 插入段落 button of a card: usable only where the host can insert. */
  function insertButton(unavailable) {
    return el("button", { type: "button", className: "btn btn-small btn-primary", "data-action": "insert",
                          disabled: unavailable || !state.canInsert,
                          title: state.canInsert ? "插入到光标处" : "在 " + state.host.label + " 中才能插入" }, ["插入段落"]);
  }

  function cannotInsert(hint) {
    P.banner("warning", "在浏览器中不能插入到文档。", [hint]);
  }

  function insertSection(id, slot) {
    if (!state.canInsert) {
      cannotInsert(state.host.openHint);
      return;
    }
    if (!id || !beginAction()) { return; }
    var section = P.sectionById(id);
    var body = P.renderBody(section || { slot: slot });
    P.api("POST", state.host.filePrefix + "sections/" + encodeURIComponent(id) + "/render", body, { label: "正在生成段落…" },
      function (error, part) {
        if (error) { endAction(); P.explain(error, function () { insertSection(id, slot); }); return; }
        P.busy(1, "正在插入…");
        state.host.insertFile(part, part.blocks || [], function (failure, fallbackReason) {
          P.busy(-1);
          endAction();
          if (failure) { insertFailed(failure); return; }
          var what = part.number ? "第 " + part.number + " 点（" + part.slot + "，编号样式「" + (part.style || state.style) + "」）" : "「" + part.slot + "」";
          var details = ["内容：" + shorten(part.text, 60), "段落编号：" + part.section_id];
          if (fallbackReason) {
            details.push(state.host.label + " 没能插入带格式的内容（" + fallbackReason + "），已改为插入纯文字" + state.host.plainLook + "；请核对格式。");
          }
          var warnings = P.warningLines(part.warnings);
          if (warnings.length) { details = details.concat(["请注意："], warnings); }
          P.banner(fallbackReason || warnings.length ? "warning" : "success", "已在光标处插入" + what + "。", details);
        });
      });
  }

  function insertFailed(failure) {
    P.banner("error", "没能插入到文档。", [
      describeHostError(failure),
      "请把光标放在正文中（不要选中表格、页眉或文本框），确认文档不是只读的，再试一次；仍不行时可用「全文」中的「下载 .docx」。"
    ]);
  }

  /* An error from the host's object model (Office.js, WPS), as one line. */
  function describeHostError(error) {
    if (!error) { return "未知错误"; }
    return (error.code ? error.code + "：" : "") + (error.message || String(error));
  }

  function generate() {
    if (!state.canInsert) {
      cannotInsert("可以用「下载 .docx」得到整篇发言。");
      return;
    }
    if (!beginAction()) { return; }
    var body = P.speechBody();
    body.docx = true; // the text, the warnings and the Word file in one request
    P.api("POST", state.host.filePrefix + "speech", body, { label: "正在组稿…" }, function (error, speech) {
      if (error) { endAction(); P.explain(error, generate); return; }
      state.speech = speech;
      renderFull();
      P.busy(1, "正在插入…");
      state.host.insertFile(speech, speechBlocks(speech), function (failure, fallbackReason) {
        P.busy(-1);
        endAction();
        if (failure) { insertFailed(failure); return; }
        var details = ["《" + speech.title + "》，约 " + speech.characters + " 字，约 " + speech.minutes + " 分钟。"];
        if (fallbackReason) {
          details.push(state.host.label + " 没能插入带格式的文档（" + fallbackReason + "），已改为插入纯文字；页面设置请用「下载 .docx」。");
        }
        var warnings = P.warningLines(speech.warnings);
        if (warnings.length) { details = details.concat(["请注意："], warnings); }
        P.banner(fallbackReason || warnings.length ? "warning" : "success", "已在光标处插入全文。", details);
      });
    });
  }

  function speechBlocks(speech) {
    var blocks = [{ kind: "title", text: speech.title, lead: "" }];
    if (speech.speaker_line) { blocks.push({ kind: "speaker", text: speech.speaker_line, lead: "" }); }
    each(speech.parts || [], function (part) { blocks = blocks.concat(part.blocks || []); });
    return blocks;
  }

  function download() {
    if (!beginAction()) { return; }
    P.api("POST", "speech.docx", P.speechBody(), { binary: true, label: "正在生成文档…" }, function (error, buffer, xhr) {
      endAction();
      if (error) { P.explain(error, download); return; }
      var name = fileName(xhr.getResponseHeader("Content-Disposition")) || "表态发言.docx";
      var blob = new Blob([buffer], { type: P.DOCX_TYPE });
      if (window.navigator && window.navigator.msSaveOrOpenBlob) {
        window.navigator.msSaveOrOpenBlob(blob, name);
      } else {
        var url = URL.createObjectURL(blob);
        var link = el("a", { href: url, download: name, className: "offscreen" });
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { document.body.removeChild(link); URL.revokeObjectURL(url); }, 1000);
      }
      var details = ["如果没有看到保存提示，请查看浏览器的下载列表。"];
      if (P.textEdited && P.textEdited()) {
        details.push("文档按段落库原文生成，不含您在页面上对全文的改动；需要改动时请用「复制全文」，或下载后在 Word/WPS 中修改。");
      }
      P.banner("success", "已下载「" + name + "」。", details);
    });
  }

  function fileName(disposition) {
    if (!disposition) { return ""; }
    var utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    if (utf8) {
      try { return decodeURIComponent(utf8[1]); } catch (e) { /* fall through */ }
    }
    var plain = /filename="?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1] : "";
  }

  function renderFull() {
    var box = $("full-summary");
    var list = $("full-warnings");
    clear(box);
    clear(list);
    var speech = state.speech;
    if (P.showSpeechText) { P.showSpeechText(speech); }  // the page's full text, where there is one
    if (!speech) {
      var missing = P.missingFields();
      box.appendChild(el("p", { className: "note", text: missing.length
        ? "填好单位信息后可生成全文（还缺：" + P.labels(missing).join("、") + "）。"
        : (state.speechError && state.speechError.message) || "正在准备…" }));
      return;
    }
    box.appendChild(el("p", { className: "summary-title", text: speech.title }));
    if (speech.speaker_line) { box.appendChild(el("p", { className: "summary-speaker", text: speech.speaker_line })); }
    var points = 0;
    each(speech.parts || [], function (p) { if (p.kind === "point") { points += 1; } });
    box.appendChild(el("p", { className: "summary-stats",
      text: "约 " + speech.characters + " 字 · 约 " + speech.minutes + " 分钟 · " + points + " 个要点 · 编号「" + speech.style + "」"
        + (speech.seed ? " · 种子 " + speech.seed : "") }));
    each(P.warningLines(speech.warnings), function (line) { list.appendChild(el("li", { text: line })); });
  }

  P.beginAction = beginAction;
  P.endAction = endAction;
  P.insertButton = insertButton;
  P.insertSection = insertSection;
  P.describeHostError = describeHostError;
  P.generate = generate;
  P.download = download;
  P.renderFull = renderFull;
}(window.biaotaiPane = window.biaotaiPane || {}));
