"""Sign-in providers: which are configured, how Authlib reaches them, what they tell of a reader.

Facebook and GitHub speak OAuth 2 plus an API of their own; Google and any
other provider speak OpenID Connect, found by discovery. Every flow uses state,
PKCE (S256) and, for OpenID Connect, a nonce; Authlib's Flask client runs it.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .text import CONTROL_CHARACTERS

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
NAME_MAX = 80
EMAIL_MAX = 254
SUBJECT_MAX = 255
AVATAR_URL_MAX = 2048


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


@dataclass(frozen=True)
class Profile:
    """What Parley keeps of a reader's account at a provider."""

    subject: str
    name: str
    email: str | None  # None: the account shared no (verified) address
    avatar_url: str | None  # an https picture, or None for the initials


def clean_name(name, email):
    name = " ".join(CONTROL_CHARACTERS.sub(" ", name or "").split())[:NAME_MAX]
    return name or (email.split("@")[0][:NAME_MAX] if email else "Reader")


def https_url(url):
    """`url` if it is an https URL fit to put in a page, else None (never mixed content)."""
    if not isinstance(url, str) or len(url) > AVATAR_URL_MAX or re.search(r"[\s\"'<>]", url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme == "https" and parts.hostname else None


def an_email(value):
    if not isinstance(value, str) or len(value) > EMAIL_MAX:
        return None
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) else None


def a_subject(value):
    """The provider's account id as text; ValueError (a provider fault) if it can't be one."""
    subject = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not subject or len(subject) > SUBJECT_MAX:
        raise ValueError(f"unusable account id {value!r}")
    return subject


def profile_from_claims(claims):
    """An OpenID Connect account, from ID token and userinfo claims. Only an address the
    provider says it verified counts (some send email_verified as the string "true")."""
    verified = claims.get("email_verified") in (True, "true")
    email = an_email(claims.get("email")) if verified else None
    name = claims.get("name") or claims.get("preferred_username") or claims.get("nickname")
    name = name if isinstance(name, str) else None
    return Profile(a_subject(claims.get("sub")), clean_name(name, email), email, https_url(claims.get("picture")))


def profile_from_facebook(me):
    """A Facebook account, from the Graph API's me?fields=id,name,email,picture."""
    picture = me.get("picture")
    picture = picture.get("data") if isinstance(picture, dict) else None
    picture = picture.get("url") if isinstance(picture, dict) else None
    email = an_email(me.get("email"))
    name = me.get("name") if isinstance(me.get("name"), str) else None
    return Profile(a_subject(me.get("id")), clean_name(name, email), email, https_url(picture))


def profile_from_github(user, emails):
    """A GitHub account, from /user and /user/emails (the primary, verified address)."""
    emails = [e for e in emails if isinstance(e, dict)] if isinstance(emails, list) else []
    primary = next((e.get("email") for e in emails if e.get("primary") is True and e.get("verified") is True), None)
    email = an_email(primary)
    name = next((n for n in (user.get("name"), user.get("login")) if isinstance(n, str) and n.strip()), None)
    return Profile(a_subject(user.get("id")), clean_name(name, email), email, https_url(user.get("avatar_url")))


def api_object(client, path, token, **options):
    """A JSON object from the provider's API; TypeError for anything else."""
    answer = client.get(path, token=token, **options)
    answer.raise_for_status()
    data = answer.json()
    if not isinstance(data, dict):
        raise TypeError(f"{path} answered {type(data).__name__}, not an object")
    return data


def fetch_profile(client, provider, token):
    """Ask the provider who signed in. Raises requests' errors when its API fails."""
    if provider.kind == "facebook":
        return profile_from_facebook(api_object(client, "me", token, params={"fields": "id,name,email,picture"}))
    if provider.kind == "github":
        user = api_object(client, "user", token)
        emails = client.get("user/emails", token=token)
        emails.raise_for_status()
        return profile_from_github(user, emails.json())
    claims = dict(token.get("userinfo") or {})
    if not (claims.get("email_verified") and claims.get("name")):
        # Some providers keep profile claims out of the ID token; userinfo has them.
        extra = client.userinfo(token=token)
        if str(extra.get("sub")) == str(claims.get("sub")):
            claims = {**extra, **claims}
    return profile_from_claims(claims)
