"""Stand-ins for Facebook's and GitHub's OAuth servers and APIs, answering as theirs do.

Parley's real client code (Authlib) talks to them over HTTP on 127.0.0.1; only
the endpoint URLs differ from production. They check what the real servers
check, PKCE included: a code is exchanged once, with the verifier whose S256
challenge came with the authorization request, by the registered client.
"""
import base64
import hashlib
import secrets
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request

CLIENTS = {"facebook": ("fb-client", "fb-secret"), "github": ("gh-client", "gh-secret")}


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

    def app(self):
        app = Flask("fake-providers")

        @app.get("/facebook/dialog/oauth")
        def facebook_dialog():
            return self.authorize("facebook")

        @app.post("/facebook/oauth/access_token")
        def facebook_token():
            return self.exchange("facebook")

        @app.get("/facebook/me")
        def facebook_me():
            if not self.caller("facebook"):
                return jsonify(error={"message": "Invalid OAuth access token.", "code": 190}), 401
            if self.api_failure == "500":
                return "", 500
            fields = request.args.get("fields", "").split(",")
            return jsonify({key: value for key, value in self.facebook_me.items() if key in fields})

        @app.get("/github/login/oauth/authorize")
        def github_authorize():
            return self.authorize("github")

        @app.post("/github/login/oauth/access_token")
        def github_token():
            return self.exchange("github")

        @app.get("/github/api/user")
        def github_user():
            if not self.caller("github"):
                return jsonify(message="Bad credentials"), 401
            if self.api_failure == "500":
                return "", 500
            return jsonify(self.github_user)

        @app.get("/github/api/user/emails")
        def github_emails():
            if not self.caller("github"):
                return jsonify(message="Bad credentials"), 401
            return jsonify(self.github_emails)

        return app

    def settings(self, url):
        """Parley's PARLEY_OAUTH_* settings for both stand-ins at `url`."""
        return {
            "PARLEY_OAUTH_FACEBOOK_CLIENT_ID": CLIENTS["facebook"][0],
            "PARLEY_OAUTH_FACEBOOK_CLIENT_SECRET": CLIENTS["facebook"][1],
            "PARLEY_OAUTH_FACEBOOK_AUTHORIZE_URL": f"{url}/facebook/dialog/oauth",
            "PARLEY_OAUTH_FACEBOOK_ACCESS_TOKEN_URL": f"{url}/facebook/oauth/access_token",
            "PARLEY_OAUTH_FACEBOOK_API_BASE_URL": f"{url}/facebook/",
            "PARLEY_OAUTH_GITHUB_CLIENT_ID": CLIENTS["github"][0],
            "PARLEY_OAUTH_GITHUB_CLIENT_SECRET": CLIENTS["github"][1],
            "PARLEY_OAUTH_GITHUB_AUTHORIZE_URL": f"{url}/github/login/oauth/authorize",
            "PARLEY_OAUTH_GITHUB_ACCESS_TOKEN_URL": f"{url}/github/login/oauth/access_token",
            "PARLEY_OAUTH_GITHUB_API_BASE_URL": f"{url}/github/api/",
        }
