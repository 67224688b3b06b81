"""The migrations build exactly the schema the models describe, on each database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from widget.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert "comments" not in db.inspect(db.engine).get_table_names()
    upgrade()
    assert {"sites", "threads", "comments", "readers"} <= set(db.inspect(db.engine).get_table_names())


def test_guests_emails_are_lower_cased_by_0007(app, write):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    comment = write()
    db.session.execute(text("UPDATE comments SET author_email = 'Madi@Example.ORG' WHERE id = :id"), {"id": comment.id})
    db.session.commit()
    downgrade(revision="0006")
    upgrade()
    db.session.expire_all()
    assert db.session.scalar(text("SELECT author_email FROM comments")) == "madi@example.org"


def test_a_guests_email_is_stored_lower_cased(reader):
    from widget.models import Comment

    assert reader.post(email="Madi@Example.ORG").status_code == 201
    assert db.session.scalar(db.select(Comment.author_email)) == "madi@example.org"


def test_a_reader_trusted_before_0009_stays_trusted_where_they_commented(app, write):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    # Read before the downgrade: the model's later columns (deleted_by, like_count) aren't there at 0008.
    comment = write()
    comment_id, site_id = comment.id, comment.site_id
    db.session.commit()  # and end the read's transaction, which would hold the downgrade's ALTER TABLE
    downgrade(revision="0008")
    db.session.execute(text("INSERT INTO readers (id, provider, subject, name, created, trusted) "
                            "VALUES (77, 'demo', 'old', 'Old Regular', CURRENT_TIMESTAMP, true)"))
    db.session.execute(text("UPDATE comments SET reader_id = 77 WHERE id = :id"), {"id": comment_id})
    db.session.commit()
    upgrade()
    rows = db.session.execute(text("SELECT site_id, reader_id FROM trusted_readers")).all()
    assert [tuple(row) for row in rows] == [(site_id, 77)]


def test_ipv6_bans_made_before_0010_are_widened_to_their_64(app, site):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from widget.bans import active_ban

    downgrade(revision="0009")
    for value in ("2001:db8:5:5::1", "::ffff:198.51.100.7", "198.51.100.8"):
        db.session.execute(text("INSERT INTO bans (site_id, kind, value, note, created) "
                                "VALUES (:site, 'ip', :value, '', CURRENT_TIMESTAMP)"),
                           {"site": site.id, "value": value})
    db.session.commit()
    upgrade()
    values = db.session.scalars(text("SELECT value FROM bans ORDER BY id")).all()
    assert values == ["2001:db8:5:5::/64", "198.51.100.7", "198.51.100.8"]
    assert active_ban(site, ip="2001:db8:5:5::2") is not None
