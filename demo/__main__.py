"""`python -m demo` (what `make run` runs): migrate, seed, serve Parley, the news site and Demo ID."""
import argparse
import os
import secrets
import signal
import threading

from werkzeug.serving import make_server

from widget import PROJECT_ROOT
from widget.config import new_secret_key, secret_key_problem

INSTANCE = os.path.join(PROJECT_ROOT, "instance")


def demo_secret(name, make=lambda: secrets.token_urlsafe(18), usable=bool):
    """A secret of the demo's, written once under instance/ so it survives a restart.

    A stored one that is no longer `usable` (a key from before keys needed 32 characters)
    is replaced by a new one.
    """
    path = os.path.join(INSTANCE, name)
    if os.path.exists(path):
        with open(path) as stored:
            secret = stored.read().strip()
        if usable(secret):
            return secret
    os.makedirs(INSTANCE, exist_ok=True)
    secret = make()
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(secret)
    return secret


def demo_secret_key():
    return demo_secret("demo-secret-key", new_secret_key, usable=lambda key: secret_key_problem(key) is None)


def main():
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--parley-port", type=int, default=5000, help="Parley's port on 127.0.0.1 (default 5000)")
    parser.add_argument("--site-port", type=int, default=8000, help="the news site's port on localhost (default 8000)")
    parser.add_argument("--id-port", type=int, default=9400, help="the demo sign-in provider's port (default 9400)")
    args = parser.parse_args()

    os.environ.setdefault("PARLEY_SECRET_KEY", demo_secret_key())
    moderator_password = demo_secret("demo-moderator-password")
    from flask_migrate import upgrade

    from widget import create_app

    from .provider import create_demo_provider, demo_provider_settings
    from .seed import MODERATOR_EMAIL, seed_demo, seed_moderator
    from .site import ARTICLE_PATH, create_news_site

    parley_url = f"http://127.0.0.1:{args.parley_port}"
    news_url = f"http://localhost:{args.site_port}"
    id_url = f"http://127.0.0.1:{args.id_port}"
    parley = create_app(demo_provider_settings(id_url))
    with parley.app_context():
        upgrade()
        site = seed_demo(news_url)
        site_key = site.key
        seed_moderator(site, moderator_password)
    news = create_news_site(parley_url, site_key, news_url)

    servers = [
        make_server("127.0.0.1", args.parley_port, parley, threaded=True),
        make_server("127.0.0.1", args.site_port, news, threaded=True),
        make_server("127.0.0.1", args.id_port, create_demo_provider(), threaded=True),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"\nParley is serving on   {parley_url}")
    print(f"The demo article is at {news_url}{ARTICLE_PATH}")
    print(f"Demo ID, the demo's sign-in provider, is at {id_url}")
    print(f"Moderate at {parley_url}/moderate/ as {MODERATOR_EMAIL}, password {moderator_password}")
    print("Press Ctrl-C to stop them all.\n", flush=True)
    stop = threading.Event()
    # Installed explicitly: a shell that starts us in the background ignores SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    print("\nStopping.", flush=True)
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
