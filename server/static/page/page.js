/*
 * 表态发言助手 in a plain browser (the page at /): the browser host adapter of the shared pane.
 * There is no document here: nothing is inserted, nothing is remembered per document (the user's
 * last values stay in localStorage); the page reads, copies, downloads and prints instead.
 */
(function (P) {
  "use strict";

  P.API = "api/";  // the page is served at the service's root

  P.boot({
    name: "browser",
    label: "Word 或 WPS",
    openHint: "在 Word 或 WPS 中安装加载项后才能插入到文档；这里可以复制全文或下载 .docx。",
    filePrefix: "",
    plainLook: "",
    boot: function (start) { start(false); }
  });
}(window.biaotaiPane));
