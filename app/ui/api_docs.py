"""`/docs` from the service itself: Swagger UI's scripts and styles from the `swagger-ui-bundle`
package, not from a CDN, so the API docs work in a network that reaches nothing outside.

FastAPI's own `/docs` page loads them from jsDelivr, and its `/redoc` page loads ReDoc and a
Google font; both are turned off in `create_app` and this page takes the place of the first.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """Serve `/docs` and its assets from `app`."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/ui/static/favicon.svg",
        )
