"""Stand-ins for Facebook's and GitHub's OAuth servers and APIs, answering as theirs do.

Parley's real client code (Authlib) talks to them over HTTP on 127.0.0.1; only
the endpoint URLs differ from production. They check what the real servers
check, PKCE included: a code is exchanged once, with the verifier whose S256
challenge came with the authorization request, by the registered client.
"""
import base64
import functools
import hashlib
import secrets
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request

CLIENTS = {"facebook": ("fb-client", "fb-secret"), "github": ("gh-client", "gh-secret")}
# Each stand-in's OAuth endpoints and API base, under the server's URL (the PARLEY_OAUTH_*_<name>s).
ENDPOINTS = {
    "facebook": {"AUTHORIZE_URL": "/facebook/dialog/oauth", "ACCESS_TOKEN_URL": "/facebook/oauth/access_token",
                 "API_BASE_URL": "/facebook/"},
    "github": {"AUTHORIZE_URL": "/github/login/oauth/authorize", "ACCESS_TOKEN_URL": "/github/login/oauth/access_token",
               "API_BASE_URL": "/github/api/"},
}
# What each API answers a call without a valid token.
BAD_TOKEN = {"facebook": {"error": {"message": "Invalid OAuth access token.", "code": 190}},
             "github": {"message": "Bad credentials"}}


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeProviders:
    def __init__(self):
        self.reset()

    def reset(self):
        self.codes = {}
        self.tokens = {}
        self.authorize_requests = []
        # What the next exchanges do: None (as the real servers), or a failure to play.
        self.token_failure = None  # "500" or "invalid_grant"
        self.api_failure = None  # "500"
        self.facebook_me = {
            "id": "10220001", "name": "Madi Asanov", "email": "madi@facebook.example",
            "picture": {"data": {"url": "https://platform-lookaside.fbsbx.example/madi.jpg", "is_silhouette": False}},
        }
        self.github_user = {
            "id": 583231, "login": "octo-aset", "name": None,
            "avatar_url": "https://avatars.githubusercontent.example/u/583231",
        }
        self.github_emails = [
            {"email": "old@users.noreply.github.example", "primary": False, "verified": True, "visibility": None},
            {"email": "aset@github.example", "primary": True, "verified": True, "visibility": "private"},
        ]

    def authorize(self, provider):
        args = request.args
        self.authorize_requests.append((provider, dict(args)))
        if args.get("client_id") != CLIENTS[provider][0] or args.get("code_challenge_method") != "S256":
            return "bad authorization request", 400
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"provider": provider, "challenge": args["code_challenge"],
                            "redirect_uri": args["redirect_uri"]}
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    def exchange(self, provider):
        if self.token_failure == "500":
            return "upstream trouble", 500
        form = request.form
        grant = self.codes.pop(form.get("code"), None)
        valid = (
            grant is not None
            and grant["provider"] == provider
            and (form.get("client_id"), form.get("client_secret")) == CLIENTS[provider]
            and form.get("redirect_uri") == grant["redirect_uri"]
            and s256(form.get("code_verifier", "")) == grant["challenge"]
        )
        if not valid or self.token_failure == "invalid_grant":
            return jsonify(error="invalid_grant", error_description="The code is invalid or was used."), 400
        token = secrets.token_urlsafe(16)
        self.tokens[token] = provider
        return jsonify(access_token=token, token_type="bearer", expires_in=5183944)

    def caller(self, provider):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.tokens.get(token) == provider

    def api(self, provider, answer, may_fail=True):
        """An API call's answer as the provider gives it: refused without its token, a 500 when
        api_failure says so (and the call `may_fail`), else the JSON `answer()` makes."""
        if not self.caller(provider):
            return jsonify(BAD_TOKEN[provider]), 401
        if may_fail and self.api_failure == "500":
            return "", 500
        return jsonify(answer())

    def facebook_fields(self):
        fields = request.args.get("fields", "").split(",")
        return {key: value for key, value in self.facebook_me.items() if key in fields}

    def app(self):
        app = Flask("fake-providers")
        for provider, endpoints in ENDPOINTS.items():
            app.add_url_rule(endpoints["AUTHORIZE_URL"], f"{provider}_authorize",
                             functools.partial(self.authorize, provider))
            app.add_url_rule(endpoints["ACCESS_TOKEN_URL"], f"{provider}_token",
                             functools.partial(self.exchange, provider), methods=["POST"])
        api = {
            "/facebook/me": lambda: self.api("facebook", self.facebook_fields),
            "/github/api/user": lambda: self.api("github", lambda: self.github_user),
            "/github/api/user/emails": lambda: self.api("github", lambda: self.github_emails, may_fail=False),
        }
        for path, view in api.items():
            app.add_url_rule(path, path, view)
        return app

    def settings(self, url):
        """Parley's PARLEY_OAUTH_* settings for both stand-ins at `url`."""
        settings = {}
        for provider, endpoints in ENDPOINTS.items():
            prefix = f"PARLEY_OAUTH_{provider.upper()}_"
            settings[prefix + "CLIENT_ID"], settings[prefix + "CLIENT_SECRET"] = CLIENTS[provider]
            settings.update({prefix + name: url + path for name, path in endpoints.items()})
        return settings
