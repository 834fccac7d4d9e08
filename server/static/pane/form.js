/*
 * The writer's choices above the parts: the numbering style, and the variables form built from
 * /api/variables (labels, help, examples, required marks, values derived from the unit type).
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each, find = P.find, later = P.later;
  var trimmed = P.trimmed;
  var state = P.state;
  var UNIT_TYPE = P.UNIT_TYPE;


  function buildStyles() {
    var box = $("styles");
    clear(box);
    each(state.styles, function (style) {
      var on = style === state.style;
      box.appendChild(el("button", {
        type: "button", className: "segment" + (on ? " segment-on" : ""), role: "radio",
        "aria-checked": on ? "true" : "false", "data-style": style, text: style
      }));
    });
  }

  function chooseStyle(style) {
    if (style === state.style) { return; }
    state.style = style;
    state.styleChosen = true;
    buildStyles();
    P.scheduleSave();
    P.refreshPreview();
    P.refreshResults();
  }

  // -------------------------------------------------------------------------------------------
  // The variables form

  function fieldId(key) {
    for (var i = 0; i < state.schema.length; i += 1) {
      if (state.schema[i].key === key) { return "var-" + i; }
    }
    return null;
  }

  function derivedValue(spec) {
    var unitType = state.values[UNIT_TYPE] || "";
    if (spec.derived_values) { return spec.derived_values[unitType] || ""; }
    var values = state.unitTypes[unitType];
    return values && values.hasOwnProperty(spec.key) ? values[spec.key] : "";
  }

  function buildForm() {
    var form = $("vars-form");
    clear(form);
    var group = null;
    var overridden = false;
    each(state.schema, function (spec, i) {
      if (spec.derived && !group) {
        group = el("div", { id: "derived-fields", className: "derived-fields" }, [
          el("p", { className: "note", text: "选择单位类型后自动填好；需要时在框中改写，清空即恢复自动值。" })
        ]);
        form.appendChild(el("div", { className: "derived-group" }, [
          el("button", { type: "button", id: "derived-toggle", className: "group-toggle", "aria-expanded": "false",
                         "aria-controls": "derived-fields" }, [
            el("span", { className: "chevron", "aria-hidden": "true" }), "由单位类型推导（可改写）"
          ]),
          el("p", { id: "derived-summary", className: "derived-summary" }),
          group
        ]));
      }
      if (spec.derived && state.values[spec.key]) { overridden = true; }
      (spec.derived ? group : form).appendChild(buildField(spec, i));
    });
    if (group) { showDerived(overridden); }
    updateDerived();
    updateMissing();
    var origin = $("vars-origin");
    origin.textContent = state.origin === "document" ? "已恢复本文档保存的单位信息。"
      : state.origin === "defaults" ? "新文档：已填入您上次使用的单位信息，请核对。" : "请填写单位信息，发言中的称谓、名称都由这里得来。";
  }

  function buildField(spec, i) {
    var id = "var-" + i;
    var label = el("label", { "for": id, className: "label" }, [
      spec.label || spec.key,
      spec.required ? el("span", { className: "req", title: "必填", "aria-hidden": "true", text: " *" }) : null
    ]);
    var input;
    var value = state.values.hasOwnProperty(spec.key) ? state.values[spec.key] : "";
    if (spec.choices && spec.choices.length) {
      input = el("select", { id: id, className: "input", "data-key": spec.key, "aria-required": spec.required ? "true" : null });
      input.appendChild(el("option", { value: "", text: spec.derived ? "（自动）" : "请选择" }));
      each(spec.choices, function (choice) { input.appendChild(el("option", { value: choice, text: choice })); });
      if (value && spec.choices.indexOf(value) < 0) { input.appendChild(el("option", { value: value, text: value })); }
      input.value = value;
    } else {
      input = el("input", {
        id: id, type: "text", className: "input", "data-key": spec.key, maxlength: spec.max_length || null,
        "aria-required": spec.required ? "true" : null,
        placeholder: spec.derived ? "" : (spec.example ? "例如：" + spec.example : "")
      });
      input.value = value;
    }
    input.setAttribute("aria-describedby", id + "-help " + id + "-error");
    var parts = [label, input];
    if (spec.derived) {
      parts.push(el("div", { id: id + "-derived", className: "derived", "aria-live": "polite" }));
    }
    parts.push(el("div", { id: id + "-help", className: "help", text: spec.help || "" }));
    parts.push(el("div", { id: id + "-error", className: "field-error", hidden: true }));
    return el("div", { className: "field" + (spec.derived ? " field-derived" : ""), "data-field": spec.key }, parts);
  }

  function showDerived(open) {
    show($("derived-fields"), open);
    $("derived-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    $("derived-toggle").className = "group-toggle" + (open ? " group-toggle-open" : "");
  }

  function updateDerived() {
    var summary = [];
    each(state.schema, function (spec, i) {
      if (!spec.derived) { return; }
      var shown = state.values[spec.key] || derivedValue(spec);
      if (shown) { summary.push(shown); }
      var auto = derivedValue(spec);
      var input = $("var-" + i);
      var note = $("var-" + i + "-derived");
      var typed = state.values[spec.key];
      if (input.tagName === "INPUT") { input.setAttribute("placeholder", auto); }
      note.textContent = !state.values[UNIT_TYPE] ? "选择单位类型后自动填写"
        : typed ? "已改写；自动值为「" + (auto || "空") + "」，清空即恢复"
        : "自动：" + (auto ? "「" + auto + "」" : "（空）");
    });
    var line = $("derived-summary");
    if (line) {
      line.textContent = !state.values[UNIT_TYPE] ? "选择单位类型后自动填写自称、全体等称谓。"
        : "按「" + state.values[UNIT_TYPE] + "」：" + summary.join("、");
    }
  }

  function missingFields() {
    var missing = [];
    each(state.schema, function (spec) {
      if (spec.required && !trimmed(state.values[spec.key])) { missing.push(spec); }
    });
    return missing;
  }

  function updateMissing() {
    var count = missingFields().length;
    var badge = $("missing-count");
    badge.textContent = String(count);
    badge.setAttribute("title", count ? "还有 " + count + " 项必填未填" : "");
    show(badge, count > 0);
  }

  function onValue(input) {
    var key = input.getAttribute("data-key");
    var value = input.value;
    if (value) { state.values[key] = value; } else { delete state.values[key]; }
    setFieldError(key, "");
    if (key === UNIT_TYPE || key === P.SPEAKER_ROLE || key === P.INSPECTION_MODE) { P.reloadSections(); }
    updateDerived();
    updateMissing();
    P.scheduleSave();
    later("preview", 500, function () { P.refreshPreview(); P.refreshResults(); });
  }

  function setFieldError(key, message) {
    var id = fieldId(key);
    if (!id) { return false; }
    var box = $(id + "-error");
    box.textContent = message;
    show(box, !!message);
    if (message) { $(id).setAttribute("aria-invalid", "true"); } else { $(id).removeAttribute("aria-invalid"); }
    return true;
  }

  function markFields(problems) {
    var fields = [];
    each(problems, function (p) {
      if (p.severity !== "warning" && p.field && setFieldError(p.field, p.message)) { fields.push(p.field); }
    });
    return fields;
  }

  function focusField(key) {
    P.selectTab("panel-info");
    var id = fieldId(key);
    if (id) { $(id).focus(); }
  }

  /* The values the service gets: the writer's, for this meeting's variables only. */
  function givenValues() {
    var given = {};
    each(state.schema, function (spec) {
      var value = trimmed(state.values[spec.key]);
      if (value) { given[spec.key] = value; }
    });
    return given;
  }

  P.buildStyles = buildStyles;
  P.chooseStyle = chooseStyle;
  P.buildForm = buildForm;
  P.showDerived = showDerived;
  P.missingFields = missingFields;
  P.onValue = onValue;
  P.markFields = markFields;
  P.focusField = focusField;
  P.givenValues = givenValues;
}(window.biaotaiPane = window.biaotaiPane || {}));
