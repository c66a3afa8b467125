"""The app for a production WSGI server: `gunicorn "diagnostic.wsgi:app"` (see docs/operators-guide.md)."""

from diagnostic import create_app

# A WSGI server is how the app is served for real, so always with the production settings: its own
# secret key (DIAGNOSTIC_SECRET_KEY) and cookies sent over HTTPS only.
app = create_app({"PRODUCTION": True})
