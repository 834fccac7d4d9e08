"""表态发言助手 (biaotai): section library -> composed speech -> Word document."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

# Environment variable -> config key; the values are text (MAX_CONTENT_LENGTH is converted).
ENVIRONMENT = {
    "BIAOTAI_LIBRARY": "LIBRARY",
    "BIAOTAI_TEMPLATES": "TEMPLATES",
    "BIAOTAI_TOKEN": "TOKEN",
    "BIAOTAI_EDITOR_TOKEN": "EDITOR_TOKEN",
    "BIAOTAI_HISTORY_KEEP": "HISTORY_KEEP",
    "BIAOTAI_MAX_BODY": "MAX_CONTENT_LENGTH",
    "BIAOTAI_ALLOWED_ORIGINS": "ALLOWED_ORIGINS",
    "BIAOTAI_ALLOWED_HOSTS": "ALLOWED_HOSTS",
    "BIAOTAI_PUBLIC_URL": "PUBLIC_URL",
    "BIAOTAI_OFFICE_JS_URL": "OFFICE_JS_URL",
}


def create_app(config: Mapping[str, Any] | str | os.PathLike | None = None):
    """The Flask app. Settings, later ones winning: defaults, the working folder's biaotai.toml
    (see config.py), the file named by BIAOTAI_CONFIG (JSON, TOML or Python), the BIAOTAI_*
    environment variables, then `config` (a mapping, or the path of such a file)."""
    from flask import Flask

    from .web import api
    from .web.addin import bp as addin_bp
    from .web.bridge import bp as bridge_bp
    from .web.bridge import openapi_paths as bridge_openapi_paths
    from .web.editor import bp as editor_bp
    from .web.editor import init_history
    from .config import default_library_path, default_templates_dir, working_config
    from .web.pages import bp as pages_bp
    from .store import LibraryStore
    from .web.wps import bp as wps_bp

    app = Flask(__name__)
    app.config.from_mapping(
        LIBRARY=str(default_library_path()),
        TEMPLATES=str(default_templates_dir()),
        TOKEN=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
        ALLOWED_ORIGINS=(),
        ALLOWED_HOSTS=(),  # names besides localhost, this machine's and the certificate's (guard.py)
    )
    app.config.update(working_config())
    if os.environ.get("BIAOTAI_CONFIG"):
        _load_file(app, os.environ["BIAOTAI_CONFIG"])
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    if isinstance(config, (str, os.PathLike)):
        _load_file(app, config)
    elif config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_CONTENT_LENGTH"])
    if isinstance(app.config["ALLOWED_ORIGINS"], str):
        app.config["ALLOWED_ORIGINS"] = tuple(o.strip() for o in app.config["ALLOWED_ORIGINS"].split(",") if o.strip())
    app.config["TEMPLATES"] = Path(app.config["TEMPLATES"])

    history = init_history(app)
    LibraryStore(app, on_accept=history.record if history is not None else None)
    api.init_app(app)
    app.register_blueprint(bridge_bp)
    app.register_blueprint(editor_bp)
    app.extensions.setdefault(api.OPENAPI_EXTENSIONS, []).append(bridge_openapi_paths)
    app.register_blueprint(addin_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(wps_bp)
    return app


def _load_file(app, path: str | os.PathLike) -> None:
    path = Path(path)
    if path.suffix.lower() == ".json":
        app.config.from_file(str(path.resolve()), load=json.load)
    elif path.suffix.lower() == ".toml":
        from .config import tomllib
        app.config.from_file(str(path.resolve()), load=tomllib.load, text=False)
    else:
        app.config.from_pyfile(str(path.resolve()))
