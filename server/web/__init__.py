"""The web layer: everything that speaks HTTP, over the core (library -> compose -> render).

- api.py       the JSON API (/api/…), the one request guard, tokens and roles, errors as JSON,
               the service's public URL; openapi.py documents it
- bridge.py    the VBA macros' endpoints (TSV, forms) and /bridge.bas
- addin.py     the Word add-in: /manifest.xml, /taskpane/
- wps.py       the WPS add-in (/wps/…) and fragments.py, the short-lived files InsertFile fetches
- pages.py     the pages a browser opens (/, /library) and the shared pane scripts (/pane/)
- editor.py    the editors' routes: history, restore, usage, import review
- guard.py     the Host header check (DNS rebinding)

The edge checks shapes (types, lengths, known names); meaning is checked by the core.
"""
