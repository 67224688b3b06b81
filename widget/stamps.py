"""The form's automation signs: a signed stamp of when it was shown, and a honeypot field.

The stamp is the site key signed with a timestamp (itsdangerous), so it can't
be forged or moved to another site; a form sent back sooner than the site's
min_submit_seconds after it was shown was not typed by a person. The honeypot
is a field people never see: whatever fills it is a bot.
"""
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

HONEYPOT_FIELD = "homepage"
STAMP_FIELD = "shown"


def _serializer(secret_key):
    return URLSafeTimedSerializer(secret_key, salt="parley-form-shown")


def issue_stamp(secret_key, site_key):
    return _serializer(secret_key).dumps(site_key)


def stamp_age(secret_key, site_key, stamp):
    """Seconds since the form with `stamp` was shown, or None if the stamp is missing, forged or another site's."""
    if not stamp:
        return None
    try:
        signed_site, shown_at = _serializer(secret_key).loads(stamp, return_timestamp=True)
    except BadSignature:
        return None
    if signed_site != site_key:
        return None
    return time.time() - shown_at.timestamp()


def automation_sign(formdata, secret_key, site_key, min_submit_seconds):
    """Why this submission looks automated ("honeypot", "no-timestamp", "too-fast"), or None."""
    if formdata.get(HONEYPOT_FIELD, "").strip():
        return "honeypot"
    if min_submit_seconds <= 0:
        return None
    age = stamp_age(secret_key, site_key, formdata.get(STAMP_FIELD))
    if age is None:
        return "no-timestamp"
    return "too-fast" if age < min_submit_seconds else None
