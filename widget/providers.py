"""Sign-in providers: which are configured, how Authlib registers them, which a site offers.

Facebook and GitHub speak OAuth 2 plus an API of their own; Google and any
other provider speak OpenID Connect, found by discovery. Every flow uses state,
PKCE (S256) and, for OpenID Connect, a nonce; Authlib's Flask client runs it.
What a provider tells of a reader is read in widget/auth/profiles.py.
"""
from dataclasses import dataclass

FACEBOOK_GRAPH = "https://graph.facebook.com/v21.0/"
BUILT_IN = {
    "facebook": {
        "kind": "facebook",
        "label": "Facebook",
        "authorize_url": "https://www.facebook.com/v21.0/dialog/oauth",
        "access_token_url": FACEBOOK_GRAPH + "oauth/access_token",
        "api_base_url": FACEBOOK_GRAPH,
        "scope": "public_profile email",
    },
    "github": {
        "kind": "github",
        "label": "GitHub",
        "authorize_url": "https://github.com/login/oauth/authorize",
        "access_token_url": "https://github.com/login/oauth/access_token",
        "api_base_url": "https://api.github.com/",
        "scope": "read:user user:email",
    },
    "google": {
        "kind": "oidc",
        "label": "Google",
        "metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
    },
}
OPENID_SCOPE = "openid email profile"
# Seconds Parley waits for a provider's server before telling the reader it didn't answer.
PROVIDER_TIMEOUT = 10


@dataclass(frozen=True)
class Provider:
    name: str  # as in URLs and data-provider: "facebook", "demo"
    label: str  # after "Connect via"
    kind: str  # "oidc", "facebook" or "github"
    registration: dict  # keyword arguments for Authlib's OAuth.register


def configured_providers(fields_by_name):
    """Provider objects from load_providers' {name: fields}, ready to register with Authlib."""
    providers = {}
    for name, fields in fields_by_name.items():
        built_in = BUILT_IN.get(name, {})
        # A discovery URL makes any provider, even one named "facebook", an OpenID Connect one.
        kind = "oidc" if "metadata_url" in fields else built_in.get("kind", "oidc")
        settings = {**built_in, **fields} if kind == built_in.get("kind") else dict(fields)
        client_kwargs = {
            "scope": settings.get("scope", OPENID_SCOPE),
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        }
        registration = {"client_id": settings["client_id"], "client_secret": settings["client_secret"]}
        if kind == "oidc":
            registration["server_metadata_url"] = settings["metadata_url"]
        else:
            # Facebook wants the client's credentials in the token request's body; GitHub takes both.
            client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
            for endpoint in ("authorize_url", "access_token_url", "api_base_url"):
                registration[endpoint] = settings[endpoint]
        registration["client_kwargs"] = client_kwargs
        label = settings.get("label") or name.replace("_", " ").title()
        providers[name] = Provider(name=name, label=label, kind=kind, registration=registration)
    return providers


def providers_for_site(site, configured):
    """The sign-in buttons a site shows: the providers it names that are configured, in its
    order; every configured provider, by name, when it never chose (an empty choice shows none)."""
    chosen = site.settings.get("providers")
    if chosen is None:
        return [configured[name] for name in sorted(configured)]
    return [configured[name] for name in chosen if name in configured]


def provider_labels(configured):
    """The labels that, in brackets after a name, read as "signed in there" (forms.not_a_provider_suffix):
    every configured provider's, and the built-in providers' even where they aren't configured."""
    return sorted({provider.label for provider in configured.values()} | {p["label"] for p in BUILT_IN.values()})
