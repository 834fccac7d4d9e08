/*
 * The section browser: one slot's variants, or a search across the meeting's sections, each
 * entry previewed by the service with the current values.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each, find = P.find, later = P.later;
  var excerpt = P.excerpt, shorten = P.shorten, closest = P.closest;
  var state = P.state;
  var resultsSeq = 0;  // only the latest search counts
  var PREVIEW_CHARS = P.PREVIEW_CHARS;
  var RESULT_LIMIT = 12;


  function buildSlotFilter() {
    var select = $("slot-filter");
    var was = select.value;
    clear(select);
    select.appendChild(el("option", { value: "", text: "本篇发言" }));
    each(P.meetingInfo().slots, function (s) {
      select.appendChild(el("option", { value: s.slot, text: s.slot + "（" + P.variants(s.slot).length + " 段）" }));
    });
    select.value = find(P.meetingInfo().slots, function (s) { return s.slot === was; }) ? was : "";
  }

  function refreshResults() {
    var q = P.trimmed($("search").value);
    var slot = $("slot-filter").value;
    var browsing = !!(q || slot);
    show($("plan"), !browsing);
    show($("results"), browsing);
    var seq = resultsSeq += 1;
    if (!browsing || !state.meeting) {
      if (state.meeting && state.schema.length) { P.renderPlan(); }
      return;
    }
    var list = $("results");
    P.api("GET", P.sectionsQuery({ slot: slot, q: q, limit: 200 }), null, { label: "正在搜索…" },
      function (error, data) {
        if (seq !== resultsSeq) { return; }
        if (error) { P.explain(error, refreshResults); return; }
        clear(list);
        var found = data.sections || [];
        $("parts-hint").textContent = found.length ? "找到 " + data.total + " 段" + (found.length > RESULT_LIMIT ? "，显示前 " + RESULT_LIMIT + " 段，请缩小范围" : "")
          + "。「选用」换入本篇，「插入段落」直接插入到光标处。" : "没有找到" + (q ? "含「" + q + "」的" : "") + "段落。";
        var shown = found.slice(0, RESULT_LIMIT);
        each(shown, function (s) { list.appendChild(resultCard(s)); });
        renderResultPreviews(shown, seq);
      });
  }

  function resultCard(section) {
    var fit = P.fits(section);
    var chosen = P.currentSectionId(section.slot) === section.id && !state.omit[section.slot];
    var title = (P.isPoint(section.slot) ? section.slot + " · " + P.slotTitle(section.slot) : section.slot);
    return el("li", { className: "card" + (fit ? "" : " card-off"), "data-section": section.id, "data-slot": section.slot }, [
      el("div", { className: "card-head" }, [
        el("span", { className: "card-title", text: title }),
        el("span", { className: "card-meta", text: (chosen ? "本篇所用　" : "") + section.id })
      ]),
      el("p", { className: "preview preview-raw", text: P.rawPreview(section) }),
      fit ? null : el("p", { className: "note", text: "只适用于：" + section.unit_types.join("、") }),
      el("div", { className: "card-actions" }, [
        el("button", { type: "button", className: "btn btn-small", "data-action": "choose", disabled: !fit || chosen }, [chosen ? "已选用" : "选用"]),
        P.insertButton(!fit)
      ])
    ]);
  }

  /* Each entry rendered by the service with the current values, two requests at a time. */
  function renderResultPreviews(sections, seq) {
    var queue = sections.slice(0);
    var values = P.givenValues();
    function next() {
      if (seq !== resultsSeq || !queue.length) { return; }
      var section = queue.shift();
      var body = P.renderBody(section, values);
      body.docx = false; // a preview needs the text only, not the Word fragment
      P.api("POST", "sections/" + encodeURIComponent(section.id) + "/render", body,
        { label: "正在生成预览…" }, function (error, data) {
          if (seq !== resultsSeq) { return; }
          var card = resultCardFor(section.id);
          if (card && !error) {
            var preview = card.getElementsByTagName("p")[0];
            preview.className = "preview";
            preview.textContent = excerpt(data.text, PREVIEW_CHARS);
            preview.setAttribute("title", data.text);
          } else if (card && error && error.kind !== "http") {
            P.explain(error, refreshResults);
            return;
          }
          next();
        });
    }
    next();
    next();
  }

  function resultCardFor(id) {
    var cards = $("results").getElementsByTagName("li");
    for (var i = 0; i < cards.length; i += 1) {
      if (cards[i].getAttribute("data-section") === id) { return cards[i]; }
    }
    return null;
  }

  function onResultsClick(event) {
    var button = closest(event.target, "data-action", $("results"));
    if (!button || button.disabled) { return; }
    var card = closest(button, "data-section", $("results"));
    var id = card.getAttribute("data-section");
    var slot = card.getAttribute("data-slot");
    if (button.getAttribute("data-action") === "insert") {
      P.insertSection(id, slot);
      return;
    }
    state.choices[slot] = id;
    delete state.omit[slot];
    P.scheduleSave();
    P.banner("info", "已选用「" + id + "」作为" + (P.isPoint(slot) ? P.slotTitle(slot) + "（" + slot + "）" : "「" + slot + "」") + "。");
    P.refreshPreview();
    refreshResults();
  }

  P.buildSlotFilter = buildSlotFilter;
  P.refreshResults = refreshResults;
  P.onResultsClick = onResultsClick;
}(window.biaotaiPane = window.biaotaiPane || {}));
