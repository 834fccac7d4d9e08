"""Every size, count and time limit of the service, in one place.

Each limit states what it protects. A limit here is enforced where its name is used; changing a
number here changes it everywhere (the OpenAPI document, the checks, the messages).
"""
from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Request fields (the JSON API and the VBA bridge; openapi.py publishes them)

MAX_VALUE = 500  # characters per variable value
MAX_VARIABLES = 50
MAX_QUERY = 100  # q, meeting, slot names
MAX_ID = 200  # section ids
MAX_LIST = 20  # omit, order, choices
MAX_LIST_ROWS = 500  # rows one import review may add at once
MAX_EXCLUDE = 300  # section ids a pane may ask 换一个 to avoid (every variant a document has shown)
MAX_LINT_TEXT = 200_000
MAX_SEED = 2**53  # what JavaScript can hold exactly
MAX_LIMIT = 5000
MAX_VERSION = 2**63 - 1  # history version ids (SQLite INTEGER)
# Nesting of a JSON request body. Our bodies are two levels deep; 1 KB of "[[[[…" would otherwise
# reach Python's recursion limit in the code that walks the parsed body.
MAX_JSON_DEPTH = 20

# ---------------------------------------------------------------------------------------------
# Uploads for import (POST /api/library/import and `biaotai import`)

MAX_UPLOAD = 5 * 1024 * 1024  # bytes per import request
MAX_UPLOAD_FILES = 20
MAX_INPUT_BYTES = 20 * 1024 * 1024  # one file as uploaded (the CLI reads local files up to this)
# A .docx is read by streaming its parts out of the zip and counting the bytes that come out;
# the sizes the zip's headers claim are never trusted.
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024  # all parts read, inflated
MAX_DOCX_RATIO = 200  # inflated / compressed, for a part past 1 MB (Word compresses text about 5-10x)
MAX_DOCX_ENTRIES = 2000
MAX_IMPORT_PARAGRAPHS = 100_000  # paragraphs (.docx) or lines (.txt) of one file; a 500-page collection has ~20,000
MAX_IMPORT_CHARACTERS = 3_000_000  # text of one file (a long collection: about 1,000,000)
MAX_IMPORT_SECONDS = 20.0  # wall time for reading and parsing one import, all files together

# ---------------------------------------------------------------------------------------------
# Editors' templates (templating.py, template_check.py)

MAX_TEMPLATE_LITERAL = 200  # characters of one string literal inside {{ }} or {% %}
MAX_TEMPLATE_NUMBER = 10**6  # absolute value of a number literal
MAX_TEMPLATE_DEPTH = 40  # nesting of expressions and {% if %} blocks
MAX_TEMPLATE_LIST = 50  # items of a list or tuple literal (for `in`)
RENDER_BUDGET_SECONDS = 5.0  # template rendering for one request, all sections together

# ---------------------------------------------------------------------------------------------
# The HTTP server (serve.py hands these to granian)

HEADER_READ_TIMEOUT_MS = 10_000  # a request's headers must arrive within this (slow clients)
CONNECTION_LIMIT = 512  # requests in progress per worker process; beyond it, connections wait in the backlog
BACKLOG = 1024  # connections the kernel queues before they are accepted
BLOCKING_THREADS = 4  # Python threads per worker (4 measured best on 2 cores, see DESIGN.md)
# A body over the limit is read and dropped up to this size before the 413 is sent, so the client
# (still sending) gets the answer instead of a closed connection; beyond it the connection is closed.
MAX_DRAIN_BYTES = 16 * 1024 * 1024
WORKER_KILL_SECONDS = 10  # a worker that does not stop within this after SIGTERM is killed

# ---------------------------------------------------------------------------------------------
# Logs and certificates

LOG_FILE_BYTES = 10 * 1024 * 1024  # one log file before it is rotated
LOG_FILE_BACKUPS = 5
LOG_REPEAT_SECONDS = 10.0  # the same server error (e.g. accept failing) is logged at most once per this
CERT_WARNING_DAYS = 30  # warn at start and in /api/health when the server certificate expires sooner
