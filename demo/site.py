"""The demo news site: one article page, recreated from shared/seed/article-page.txt."""
import os

from flask import Flask, render_template

from widget import PROJECT_ROOT

ARTICLE_PATH = "/2026/11/kazakhstan-foreign-policy"
THREAD_KEY = "kazakhstan-foreign-policy"


def create_news_site(parley_url, site_key, own_url):
    """The host page's app. `parley_url` is where the widget comes from."""
    app = Flask(
        "demo.site",
        static_folder=os.path.join(PROJECT_ROOT, "static", "demo"),
        static_url_path="/assets",
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
    )

    @app.get("/")
    @app.get(ARTICLE_PATH)
    def article():
        response = app.make_response(
            render_template(
                "demo/article.html",
                parley_url=parley_url,
                site_key=site_key,
                thread_key=THREAD_KEY,
                article_url=own_url + ARTICLE_PATH,
            )
        )
        # The policy a careful news site would set: the README's advice, applied.
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' {parley_url}; style-src 'self' {parley_url}; "
            f"connect-src {parley_url}; img-src 'self' {parley_url} https: data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        return response

    @app.after_request
    def security_headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    return app
