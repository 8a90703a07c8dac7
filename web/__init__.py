"""Web plumbing shared by the three panels: the per-request session bound to the logged-in
principal's scope, role checks, form helpers, the base layout and the stylesheet.

It sits beside panel/ and enduser/ (both may import it; it imports neither), so neither panel
has to import the other.
"""
from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")
