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
