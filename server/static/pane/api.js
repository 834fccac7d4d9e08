/*
 * The JSON API over XMLHttpRequest (IE11 has no fetch). Every error becomes one value the
 * banner can explain: {kind: network|timeout|http, status, code, message, field, problems}.
 */
(function (P) {
  "use strict";

  var state = P.state;
  var TIMEOUT_MS = 30000;
  var DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

  P.API = P.API || "../api/";  // relative, so a service behind a path prefix still works
  P.DOCX_TYPE = DOCX_TYPE;

  function api(method, path, body, options, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    options = options || {};
    P.busy(1, options.label || "正在处理…");

    function finish(error, data) {
      if (finished) { return; }
      finished = true;
      state.connected = !error || error.kind === "http";
      P.busy(-1);
      done(error, data, xhr);
    }

    xhr.open(method, P.API + path, true);
    xhr.timeout = options.timeout || TIMEOUT_MS;
    if (options.binary) { xhr.responseType = "arraybuffer"; }
    xhr.setRequestHeader("Accept", options.binary ? DOCX_TYPE + ", application/json" : "application/json");
    var token = P.recall(P.TOKEN_KEY);
    if (token && /^[\x21-\x7e]+$/.test(token)) { xhr.setRequestHeader("X-Biaotai-Token", token); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      if (xhr.status === 0) { return; }  // onerror / ontimeout report it
      var ok = xhr.status >= 200 && xhr.status < 300;
      if (ok && options.binary) {
        finish(null, xhr.response);
        return;
      }
      var text = options.binary ? utf8Decode(new Uint8Array(xhr.response || new ArrayBuffer(0))) : xhr.responseText;
      var data = null;
      try { data = JSON.parse(text); } catch (e) { data = null; }
      if (xhr.getResponseHeader("X-Biaotai-Library-Status") === "degraded" && P.libraryDegraded) {
        P.libraryDegraded();
      }
      if (ok && data !== null) {
        if (data.library_id) {
          if (state.libraryId && data.library_id !== state.libraryId && state.schema.length) {
            P.later("library", 0, P.libraryChanged);
          }
          state.libraryId = data.library_id;
        }
        finish(null, data);
      } else if (data && data.error) {
        finish({ kind: "http", status: xhr.status, code: data.error.code, message: data.error.message,
                 field: data.error.field, problems: data.error.problems || [] });
      } else {
        finish({ kind: "http", status: xhr.status, code: "unreadable",
                 message: "服务返回了无法识别的内容（HTTP " + xhr.status + "）。中间可能有代理或防火墙，请联系管理员。" });
      }
    };
    xhr.onerror = function () { finish({ kind: "network", status: 0 }); };
    xhr.ontimeout = function () { finish({ kind: "timeout", status: 0 }); };
    try {
      if (typeof FormData !== "undefined" && body instanceof FormData) {
        xhr.send(body);  // uploads: the browser writes the multipart boundary itself
      } else if (body !== null && body !== undefined) {
        xhr.setRequestHeader("Content-Type", "application/json");
        xhr.send(JSON.stringify(body));
      } else {
        xhr.send();
      }
    } catch (e) {
      finish({ kind: "network", status: 0 });
    }
  }

  function query(params) {
    var parts = [];
    var key;
    for (key in params) {
      if (params.hasOwnProperty(key) && params[key] !== null && params[key] !== undefined && params[key] !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
      }
    }
    return parts.length ? "?" + parts.join("&") : "";
  }

  function utf8Decode(bytes) {
    var escaped = "";
    for (var i = 0; i < bytes.length; i += 1) {
      escaped += "%" + (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    try { return decodeURIComponent(escaped); } catch (e) { return ""; }
  }

  P.api = api;
  P.query = query;
}(window.biaotaiPane = window.biaotaiPane || {}));
