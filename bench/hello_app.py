"""Flask's hello world: the floor of this stack, served by the same gunicorn line as Parley.

gunicorn --workers 2 --pythonpath bench hello_app:app
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
