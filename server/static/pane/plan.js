/*
 * The speech as the writer keeps it: slots, variants, points in order (换一个, 上移/下移, 不用), the
 * service's preview of each part, and the bodies sent to /api/speech and /api/sections/{id}/render.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each, find = P.find, later = P.later;
  var excerpt = P.excerpt, shorten = P.shorten, closest = P.closest;
  var state = P.state;
  var previewSeq = 0;  // only the latest preview request counts
  var UNIT_TYPE = P.UNIT_TYPE;
  var PREVIEW_CHARS = P.PREVIEW_CHARS;
  var SHOWN_KEPT = P.SHOWN_KEPT;


  /* Whether a variant suits the chosen unit type: the service decides (sections?unit_type=). */
  function fits(section) {
    return section.fits !== false;
  }

  function sectionsQuery(extra) {
    // The service decides which variants fit the unit, the speaker and the mode; a meeting's
    // variants are far fewer than the service's default limit, so the pane asks no limit of its own.
    var params = { meeting: state.meeting, unit_type: state.values[UNIT_TYPE] || "",
                   role: state.values[P.SPEAKER_ROLE] || "", mode: state.values[P.INSPECTION_MODE] || "" };
    var key;
    for (key in extra) { if (extra.hasOwnProperty(key)) { params[key] = extra[key]; } }
    return "sections" + P.query(params);
  }

  /* The unit type changed: ask again which variants suit it, then drop choices that no longer do. */
  var sectionsSeq = 0;
  function reloadSections() {
    var seq = sectionsSeq += 1;
    var meeting = state.meeting;
    P.api("GET", sectionsQuery(), null, { label: "正在读取段落…" }, function (error, data) {
      if (seq !== sectionsSeq || meeting !== state.meeting) { return; }
      if (error) { P.explain(error, reloadSections); return; }
      state.sections = data.sections || [];
      dropUnfitChoices();
      renderPlan();
      P.scheduleSave();
    });
  }

  function variants(slot) {
    var list = [];
    each(state.sections, function (s) { if (s.slot === slot && fits(s)) { list.push(s); } });
    return list;
  }

  function sectionById(id) {
    return find(state.sections, function (s) { return s.id === id; });
  }

  function dropUnfitChoices() {
    var slot;
    for (slot in state.choices) {
      if (state.choices.hasOwnProperty(slot)) {
        var section = sectionById(state.choices[slot]);
        if (!section || !fits(section) || section.slot !== slot) { delete state.choices[slot]; }
      }
    }
  }

  function planSlots() {
    var before = [];
    var after = [];
    var seenPoint = false;
    each(P.meetingInfo().slots, function (s) {
      if (s.kind === "point") { seenPoint = true; } else if (seenPoint) { after.push(s.slot); } else { before.push(s.slot); }
    });
    return before.concat(state.order, after);
  }

  function isPoint(slot) { return state.order.indexOf(slot) >= 0; }

  function keptPoints() {
    var kept = [];
    each(state.order, function (slot) { if (!state.omit[slot]) { kept.push(slot); } });
    return kept;
  }

  /* What the service needs to number a part as the whole speech numbers it, and to choose the
     same 【】 alternatives: the points left out, their order and the document's seed. */
  function planFields(body) {
    var omitted = [];
    each(state.order, function (slot) { if (state.omit[slot]) { omitted.push(slot); } });
    body.order = state.order.slice(0);
    if (omitted.length) { body.omit = omitted; }
    if (state.seed !== null) { body.seed = state.seed; }
    return body;
  }

  function renderBody(section, values) {
    return planFields({ meeting: state.meeting, variables: values || P.givenValues(), style: state.style });
  }

  function speechPart(slot) {
    if (!state.speech) { return null; }
    return find(state.speech.parts || [], function (p) { return p.slot === slot; });
  }

  function currentSectionId(slot) {
    if (state.choices[slot]) { return state.choices[slot]; }
    var part = speechPart(slot);
    if (part) { return part.section_id; }
    var list = variants(slot);
    return list.length ? list[0].id : null;
  }

  /* A point's title shows the number the service gave it in the last preview. */
  function slotTitle(slot) {
    if (!isPoint(slot)) { return slot; }
    if (state.omit[slot]) { return "不用（" + slot + "）"; }
    var part = speechPart(slot);
    return part && part.number ? "第 " + part.number + " 点" : slot;
  }

  function speechBody() {
    var body = planFields({ meeting: state.meeting, variables: P.givenValues(), style: state.style });
    var choices = {};
    var any = false;
    var slot;
    for (slot in state.choices) {
      if (state.choices.hasOwnProperty(slot) && !state.omit[slot] && slot !== state.swapping) {
        choices[slot] = state.choices[slot];
        any = true;
      }
    }
    if (any) { body.choices = choices; }
    if (state.swapping && state.shown[state.swapping]) { body.exclude = state.shown[state.swapping].slice(0); }
    if (state.length) { body.length = state.length; }
    return body;
  }

  /* After a preview: pin what the service chose (so later previews keep it) and remember what
     each slot has shown, so 换一个 asks the service for a variant this document has not used. */
  function keepChosen(speech) {
    if (state.seed === null && typeof speech.seed === "number") { state.seed = speech.seed; }
    each(speech.parts || [], function (part) {
      var seen = state.shown[part.slot] || (state.shown[part.slot] = []);
      if (seen[seen.length - 1] !== part.section_id) { seen.push(part.section_id); }
      if (seen.length > SHOWN_KEPT) { seen.splice(0, seen.length - SHOWN_KEPT); }
      if (part.slot === state.swapping) { state.choices[part.slot] = part.section_id; }
    });
    state.swapping = null;
    P.scheduleSave();
  }

  /* Raw library text, shown greyed while the values needed to render it are missing. */
  function rawPreview(section) {
    var text = (section.heading ? section.heading + "　" : "") + (section.preview || "");
    text = text.replace(/\{%-?[\s\S]*?-?%\}/g, "").replace(/\{\{-?\s*([^}\s|]+)[^}]*\}\}/g, function (m, key) {
      var spec = find(state.schema, function (s) { return s.key === key; });
      return "〔" + (spec && spec.label ? spec.label : key) + "〕";
    });
    return shorten(text, PREVIEW_CHARS);
  }

  function refreshPreview() {
    if (!state.meeting || !state.schema.length) { return; }
    var seq = previewSeq += 1;
    if (P.missingFields().length) {
      state.speech = null;
      state.speechError = { code: "invalid_input", missing: true };
      renderPlan();
      P.renderFull();
      return;
    }
    P.api("POST", "speech", speechBody(), { label: "正在生成预览…" }, function (error, data) {
      if (seq !== previewSeq) { return; }
      if (error) {
        state.speech = null;
        state.speechError = error;
        if (error.code !== "invalid_input") { P.explain(error, refreshPreview); } else { P.markFields(error.problems || []); }
      } else {
        state.speech = data;
        state.speechError = null;
        keepChosen(data);
        if ($("banner").getAttribute("data-kind") === "error" && !$("banner").hasAttribute("hidden")) { P.hideBanner(); }
      }
      renderPlan();
      P.renderFull();
    });
  }

  function renderPlan() {
    var list = $("plan");
    clear(list);
    var missing = P.missingFields();
    var hint = $("parts-hint");
    if (missing.length) {
      hint.textContent = "填好单位信息后显示实际文字（还缺：" + labels(missing).join("、") + "）。";
    } else if (state.speechError && state.speechError.code === "invalid_input") {
      hint.textContent = state.speechError.message || "";
    } else {
      hint.textContent = "按发言顺序列出各部分。「换一个」更换段落，" + (state.canInsert || state.host.name !== "browser"
        ? "「插入段落」把该部分插入到光标处，" : "") + "要点按在本篇中的位置编号。";
    }
    var kept = keptPoints().length;
    each(planSlots(), function (slot) {
      var all = variants(slot);
      var id = currentSectionId(slot);
      var section = id ? sectionById(id) : null;
      var part = speechPart(slot);
      var point = isPoint(slot);
      var omitted = point && !!state.omit[slot];
      var index = section ? all.indexOf(section) : -1;
      var text = part && part.section_id === id ? excerpt(part.text, PREVIEW_CHARS)
        : section ? rawPreview(section) : "段落库中没有适用于此单位类型的段落。";
      var actions = [
        el("button", { type: "button", className: "btn btn-small", "data-action": "next",
                       disabled: all.length < 2 || omitted, title: all.length < 2 ? "这一部分只有一段可选" : "换用这一部分的下一段" }, ["换一个"]),
        P.insertButton(!section)
      ];
      if (point) {
        var at = state.order.indexOf(slot);
        actions.push(el("button", { type: "button", className: "btn btn-icon", "data-action": "up", disabled: at === 0,
                                    title: "上移", "aria-label": "上移" }, ["↑"]));
        actions.push(el("button", { type: "button", className: "btn btn-icon", "data-action": "down",
                                    disabled: at === state.order.length - 1, title: "下移", "aria-label": "下移" }, ["↓"]));
        actions.push(el("button", { type: "button", className: "btn btn-small btn-quiet", "data-action": "omit",
                                    disabled: !omitted && kept < 2, title: omitted ? "重新用上这一点" : "本篇不用这一点" },
                        [omitted ? "恢复" : "不用"]));
      }
      list.appendChild(el("li", { className: "card" + (omitted ? " card-off" : ""), "data-slot": slot, "data-section": id }, [
        el("div", { className: "card-head" }, [
          el("span", { className: "card-title", text: slotTitle(slot) }),
          el("span", { className: "card-meta", text: all.length ? (index + 1) + "/" + all.length + "　" + (id || "") : "" })
        ]),
        el("p", { className: "preview" + (part && part.section_id === id ? "" : " preview-raw"), title: part ? part.text : "", text: text }),
        el("div", { className: "card-actions" }, actions)
      ]));
    });
  }

  function labels(specs) {
    var names = [];
    each(specs, function (s) { names.push(s.label || s.key); });
    return names;
  }

  function onPlanClick(event) {
    var button = closest(event.target, "data-action", $("plan"));
    if (!button || button.disabled) { return; }
    var card = closest(button, "data-slot", $("plan"));
    var slot = card.getAttribute("data-slot");
    var action = button.getAttribute("data-action");
    if (action === "insert") {
      P.insertSection(card.getAttribute("data-section"), slot);
      return;
    }
    if (action === "next") {
      // The service picks the next variant from what this document has shown here (exclude),
      // and decides when a new round begins.
      state.swapping = slot;
      delete state.choices[slot];
    } else if (action === "up" || action === "down") {
      var from = state.order.indexOf(slot);
      var to = action === "up" ? from - 1 : from + 1;
      state.order.splice(from, 1);
      state.order.splice(to, 0, slot);
    } else if (action === "omit") {
      if (state.omit[slot]) { delete state.omit[slot]; } else { state.omit[slot] = true; }
    }
    P.scheduleSave();
    renderPlan();
    refreshPreview();
    P.refreshResults();
  }

  P.fits = fits;
  P.sectionsQuery = sectionsQuery;
  P.reloadSections = reloadSections;
  P.variants = variants;
  P.sectionById = sectionById;
  P.dropUnfitChoices = dropUnfitChoices;
  P.isPoint = isPoint;
  P.renderBody = renderBody;
  P.currentSectionId = currentSectionId;
  P.slotTitle = slotTitle;
  P.speechBody = speechBody;
  P.rawPreview = rawPreview;
  P.refreshPreview = refreshPreview;
  P.renderPlan = renderPlan;
  P.labels = labels;
  P.onPlanClick = onPlanClick;
}(window.biaotaiPane = window.biaotaiPane || {}));
