"""The form's automation signs: a signed stamp of when it was shown, and a honeypot field.

The stamp is the site key and thread key signed with a timestamp
(itsdangerous), so it can't be forged or moved to another site or thread, and
it lapses after STAMP_LIFETIME, so one stamp can't feed a bot for long; a form
sent back sooner than the site's min_submit_seconds after it was shown was not
typed by a person. The honeypot is a field people never see: whatever fills
it is a bot.
"""
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

HONEYPOT_FIELD = "homepage"
STAMP_FIELD = "shown"
# A form left open longer than a day is shown afresh: the reader's text is kept.
STAMP_LIFETIME = 24 * 3600


def _serializer(secret_key):
    return URLSafeTimedSerializer(secret_key, salt="parley-form-shown")


def issue_stamp(secret_key, site_key, thread_key):
    return _serializer(secret_key).dumps([site_key, thread_key])


def stamp_age(secret_key, site_key, thread_key, stamp):
    """Seconds since the form with `stamp` was shown, or None if the stamp is missing, forged,
    another thread's or older than STAMP_LIFETIME."""
    if not stamp or len(stamp) > 500:
        return None
    try:
        signed, shown_at = _serializer(secret_key).loads(stamp, return_timestamp=True)
    except BadSignature:
        return None
    if signed != [site_key, thread_key]:
        return None
    age = time.time() - shown_at.timestamp()
    return age if age <= STAMP_LIFETIME else None


def automation_sign(formdata, secret_key, site_key, thread_key, min_submit_seconds):
    """Why this submission looks automated ("honeypot", "no-timestamp", "too-fast"), or None."""
    if formdata.get(HONEYPOT_FIELD, "").strip():
        return "honeypot"
    if min_submit_seconds <= 0:
        return None
    age = stamp_age(secret_key, site_key, thread_key, formdata.get(STAMP_FIELD))
    if age is None:
        return "no-timestamp"
    return "too-fast" if age < min_submit_seconds else None
