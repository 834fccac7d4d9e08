/*
 * The pane's state: what the writer chose, and what the service last answered.
 *
 * The pane decides nothing the service decides: composition, numbering and derived values come
 * from the JSON API (/api/...). The pane keeps what the writer chose (values, variants, order of
 * the points), shows what the service renders and lets the host insert what it returns.
 */
(function (P) {
  "use strict";

  P.UNIT_TYPE = "单位类型";
  P.SPEAKER_ROLE = "发言人身份";  // with 单位类型 and 巡察方式: what decides which variants fit
  P.INSPECTION_MODE = "巡察方式";
  P.DEFAULTS_KEY = "biaotai.defaults";     // per user: localStorage, the default for new documents
  P.TOKEN_KEY = "biaotai.token";           // per user: the service's access token, if it has one
  P.PREVIEW_CHARS = 110;
  P.SHOWN_KEPT = 40;  // ids remembered per part for 换一个 (well under the service's limit on exclude)

  P.state = {
    host: null,              // the host adapter (Word, WPS or the plain browser)
    canInsert: false,        // the host can put text into a document
    meetings: [],
    styles: [],
    meeting: null,           // meeting id
    style: null,
    styleChosen: false,      // the writer picked a style (else the meeting's default)
    schema: [],              // /api/variables for the meeting
    unitTypes: {},           // unit type -> derived values
    values: {},              // what the writer typed, by variable key
    sections: [],            // the meeting's sections (/api/sections)
    choices: {},             // slot -> section id the writer chose
    order: [],               // the meeting's points in the writer's order
    omit: {},                // point slot -> true when left out
    seed: null,              // the seed the service chose for this document's speech (kept, so it stays the same)
    length: "",              // 简短/标准/详细 (the service's presets), "" for the library's own length
    shown: {},               // slot -> section ids this document has shown there, oldest first (sent as exclude)
    swapping: null,          // the slot whose 换一个 is waiting for the service's answer
    speech: null,            // the last /api/speech answer for the preview
    speechError: null,
    libraryId: null,
    connected: null,
    origin: "",              // where the values came from: "document", "defaults" or ""
    restored: null           // the document's saved snapshot, until its meeting is loaded
  };
}(window.biaotaiPane = window.biaotaiPane || {}));
