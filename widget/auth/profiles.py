"""What a sign-in provider tells of a reader: its API's or ID token's answer, cleaned into a Profile."""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..text import CONTROL_CHARACTERS

NAME_MAX = 80
EMAIL_MAX = 254
SUBJECT_MAX = 255
AVATAR_URL_MAX = 2048


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
