"""Provider settings from the environment, and what each provider's answer tells of a reader."""
import pytest

from widget.auth.profiles import https_url, profile_from_claims, profile_from_facebook, profile_from_github
from widget.config import ConfigError, load_providers
from widget.providers import configured_providers, providers_for_site


def test_providers_come_from_their_variables():
    providers = configured_providers(load_providers({
        "PARLEY_OAUTH_FACEBOOK_CLIENT_ID": "fb", "PARLEY_OAUTH_FACEBOOK_CLIENT_SECRET": "s1",
        "PARLEY_OAUTH_GOOGLE_CLIENT_ID": "g", "PARLEY_OAUTH_GOOGLE_CLIENT_SECRET": "s2",
        "PARLEY_OAUTH_MY_IDP_CLIENT_ID": "m", "PARLEY_OAUTH_MY_IDP_CLIENT_SECRET": "s3",
        "PARLEY_OAUTH_MY_IDP_METADATA_URL": "https://id.example.org/.well-known/openid-configuration",
        "PARLEY_OAUTH_MY_IDP_LABEL": "Newsroom ID",
        "PARLEY_OAUTH_GITHUB_CLIENT_SECRET": "no id, so not configured",
        "PARLEY_OTHER": "ignored",
    }))
    assert sorted(providers) == ["facebook", "google", "my_idp"]
    facebook, google, idp = providers["facebook"], providers["google"], providers["my_idp"]
    assert (facebook.kind, facebook.label) == ("facebook", "Facebook")
    assert facebook.registration["authorize_url"].startswith("https://www.facebook.com/")
    assert facebook.registration["client_kwargs"]["code_challenge_method"] == "S256"
    assert facebook.registration["client_kwargs"]["token_endpoint_auth_method"] == "client_secret_post"
    assert google.kind == "oidc" and google.registration["server_metadata_url"].startswith("https://accounts.google.com/")
    assert "openid" in google.registration["client_kwargs"]["scope"]
    assert (idp.kind, idp.label) == ("oidc", "Newsroom ID")


def test_a_discovery_url_makes_any_provider_openid_connect():
    providers = configured_providers(load_providers({
        "PARLEY_OAUTH_GITHUB_CLIENT_ID": "x", "PARLEY_OAUTH_GITHUB_CLIENT_SECRET": "y",
        "PARLEY_OAUTH_GITHUB_METADATA_URL": "https://ghe.example/.well-known/openid-configuration",
    }))
    assert providers["github"].kind == "oidc" and "authorize_url" not in providers["github"].registration


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"PARLEY_OAUTH_FACEBOOK_CLIENT_ID": "x"}, "PARLEY_OAUTH_FACEBOOK_CLIENT_SECRET"),
        ({"PARLEY_OAUTH_ACME_CLIENT_ID": "x", "PARLEY_OAUTH_ACME_CLIENT_SECRET": "y"}, "PARLEY_OAUTH_ACME_METADATA_URL"),
    ],
)
def test_incomplete_providers_are_refused_by_name(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_providers(environ)


def test_openid_claims():
    profile = profile_from_claims({"sub": "42", "name": "Aigerim", "email": "a@x.kz", "email_verified": True,
                                   "picture": "https://cdn.example/a.png"})
    assert (profile.subject, profile.name, profile.email, profile.avatar_url) == ("42", "Aigerim", "a@x.kz",
                                                                                 "https://cdn.example/a.png")
    unverified = profile_from_claims({"sub": "1", "email": "a@x.kz", "email_verified": False})
    assert unverified.email is None and unverified.name == "Reader"
    assert profile_from_claims({"sub": "1", "preferred_username": "aigerim_k", "email": "a@x.kz"}).name == "aigerim_k"
    assert profile_from_claims({"sub": "1", "email": "not-an-address"}).email is None


def test_facebook_graph_answer():
    profile = profile_from_facebook({"id": "7", "name": "Madi\x00 Asanov", "email": "m@fb.example",
                                     "picture": {"data": {"url": "https://fb.example/m.jpg"}}})
    assert (profile.subject, profile.name, profile.avatar_url) == ("7", "Madi Asanov", "https://fb.example/m.jpg")
    assert profile_from_facebook({"id": "8", "name": "No Email"}).email is None


def test_github_answer_takes_the_primary_verified_email_and_falls_back_to_the_login():
    emails = [{"email": "a@x.io", "primary": False, "verified": True},
              {"email": "b@x.io", "primary": True, "verified": True}]
    profile = profile_from_github({"id": 5, "login": "octo", "name": None, "avatar_url": None}, emails)
    assert (profile.subject, profile.name, profile.email, profile.avatar_url) == ("5", "octo", "b@x.io", None)
    unverified = [{"email": "b@x.io", "primary": True, "verified": False}]
    assert profile_from_github({"id": 5, "login": "octo"}, unverified).email is None


@pytest.mark.parametrize(
    "url, kept",
    [("https://cdn.example/a.png", True), ("http://cdn.example/a.png", False), ("javascript:alert(1)", False),
     ("https://cdn.example/a\".png", False), ("//cdn.example/a.png", False), ("", False),
     ("https://" + "a" * 2050, False)],
)
def test_only_https_pictures_are_kept(url, kept):
    assert https_url(url) == (url if kept else None)


class FakeSite:
    def __init__(self, providers=None):
        self.settings = {} if providers is None else {"providers": providers}


def test_buttons_for_a_site():
    configured = {name: name for name in ("demo", "facebook", "github")}
    assert providers_for_site(FakeSite(), configured) == ["demo", "facebook", "github"]
    assert providers_for_site(FakeSite(["github", "nope", "demo"]), configured) == ["github", "demo"]
    assert providers_for_site(FakeSite([]), configured) == []
