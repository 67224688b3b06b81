"""The demo's own OpenID Connect provider (oidc-provider-mock): sign-in without any account.

It runs the real protocol (discovery, authorization code, ID token with
nonce), so the demo exercises exactly the code a real provider would.
"""
import oidc_provider_mock

DEMO_USERS = [
    oidc_provider_mock.User(
        sub="aigerim",
        claims={"name": "Aigerim (Demo ID)", "email": "aigerim@demo-id.example", "email_verified": True},
    ),
    oidc_provider_mock.User(
        sub="daniyar",
        claims={"name": "Daniyar (Demo ID)", "email": "daniyar@demo-id.example", "email_verified": True},
    ),
]


def create_demo_provider():
    return oidc_provider_mock.app(user_claims=DEMO_USERS, require_nonce=True)


def demo_provider_settings(provider_url):
    """Parley's settings for provider "demo", labelled "Demo ID", at `provider_url`."""
    return {
        "PARLEY_OAUTH_DEMO_CLIENT_ID": "parley-demo",
        "PARLEY_OAUTH_DEMO_CLIENT_SECRET": "parley-demo-secret",
        "PARLEY_OAUTH_DEMO_METADATA_URL": provider_url + "/.well-known/openid-configuration",
        "PARLEY_OAUTH_DEMO_LABEL": "Demo ID",
    }
