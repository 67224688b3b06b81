"""Dashboard accounts, as admins manage them and as the command line creates them.

The rules for an email, a name and a password; create, change who moderates
what, remove.

A removed account keeps its row: the audit log and staff replies point at it
(foreign keys), and who decided what must stay readable. It loses its sites,
its admin flag and its sessions, and its password hash becomes one no password
matches, so it can't sign in. Adding the same email again revives the row with
the new password and access.
"""
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import AuditEntry, Moderator, commit_unique
from . import sessions

# "!" never starts a werkzeug hash: check_password_hash is False for every password.
REMOVED = "!removed"
# What a login for an unknown or removed email is checked against, so that it costs the one scrypt
# verification a real account's login does and its timing doesn't tell which emails have accounts.
# generate_password_hash's output, with the method and parameters every real hash here gets (a test
# checks they still agree), for a random password nobody kept.
DUMMY_HASH = (
    "scrypt:32768:8:1$zNpfivehGizAZHxD$df4b5f510ae9713bf1de2961e5ed37676aab2322473643e662bb198d8e0861"
    "7477dc5949a0d455fdf32684c07b9fbc362f2579123b00b17a7ea36ce24820859e"
)
EMAIL_MAX = 254
NAME_MAX = 80
PASSWORD_MIN = 10


class AccountError(ValueError):
    """A change to an account was refused; the message says why, `field` which form field it concerns."""

    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def email_problem(email):
    """What is wrong with `email` as a login, or None: moderators sign in with it, so a typo should show at once."""
    if "@" not in email or len(email) > EMAIL_MAX or any(c.isspace() for c in email):
        return "Give an email address, like mod@news.example.org."
    return None


def name_problem(name):
    """What is wrong with `name`, the signature of a moderator's staff replies, or None."""
    return f"A name has at most {NAME_MAX} characters." if len(name) > NAME_MAX else None


def password_problem(password):
    """What is wrong with `password` for an account, or None."""
    return f"A password has at least {PASSWORD_MIN} characters." if len(password) < PASSWORD_MIN else None


def is_removed(moderator):
    return moderator.password_hash == REMOVED


def password_matches(moderator, password):
    """Whether `password` signs in as `moderator` (None: nobody has the email given).

    Always exactly one hash verification, against the dummy for nobody or a removed account,
    so a wrong email takes as long to refuse as a wrong password.
    """
    usable = moderator is not None and not is_removed(moderator)
    matches = check_password_hash(moderator.password_hash if usable else DUMMY_HASH, password)
    return usable and matches


def active_moderators():
    return db.session.scalars(
        db.select(Moderator).where(Moderator.password_hash != REMOVED).order_by(Moderator.email)
    ).all()


def create_moderator(email, name, password, is_admin, sites, by):
    """A new account (or a removed one with this email, revived); `by` is the admin creating it,
    None for the command line. Raises AccountError for a value against the rules above."""
    email, name = email.strip().lower(), " ".join(name.split())
    for field, problem in (("email", email_problem(email)), ("name", name_problem(name)),
                           ("password", password_problem(password))):
        if problem:
            raise AccountError(problem, field)
    moderator = db.session.execute(db.select(Moderator).filter_by(email=email)).scalar_one_or_none()
    if moderator is not None and not is_removed(moderator):
        raise AccountError(f"A moderator with the email {email} exists already.", "email")
    if moderator is None:
        moderator = Moderator(email=email, sites=[])
        db.session.add(moderator)
    moderator.name = name
    moderator.password_hash = generate_password_hash(password)
    note_site_changes(moderator, set(), set(sites), by)
    moderator.is_admin = is_admin
    moderator.sites = list(sites)
    # Two admins adding one email at once: the unique email decides.
    if not commit_unique():
        raise AccountError(f"A moderator with the email {email} exists already.", "email")
    return moderator


def set_access(moderator, is_admin, sites, by):
    """Make `moderator` an admin or not, and the moderator of exactly `sites`."""
    if moderator.id == by.id and not is_admin:
        # So there is always an admin left: the one acting.
        raise AccountError("You can't take away your own admin rights; another admin can.", "is_admin")
    note_site_changes(moderator, set(moderator.sites), set(sites), by)
    moderator.is_admin = is_admin
    moderator.sites = list(sites)
    db.session.commit()


def remove_moderator(moderator, by):
    if moderator.id == by.id:
        raise AccountError("You can't remove your own account; another admin can.", "account")
    note_site_changes(moderator, set(moderator.sites), set(), by, how="account removed")
    moderator.is_admin = False
    moderator.sites = []
    moderator.password_hash = REMOVED
    sessions.end_all_for(moderator)
    db.session.commit()


def note_site_changes(moderator, before, after, by, how=""):
    """An audit entry on each site that gains or loses this moderator, committed with the change
    (by no moderator when `by` is None: the command line)."""
    suffix = f" ({how})" if how else ""
    changes = [(site, "added") for site in after - before] + [(site, "removed") for site in before - after]
    for site, change in sorted(changes, key=lambda pair: (pair[1], pair[0].id)):
        db.session.add(AuditEntry(site_id=site.id, moderator_id=by.id if by else None, action="moderators",
                                  note=f"{change} moderator {moderator.email}{suffix}"))
