"""Alembic's environment: the URL comes from the caller (webtool.infra.db.upgrade)."""

from alembic import context
from sqlalchemy import create_engine

from webtool.infra.models import Base

url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("No database URL: run the migrations through webtool.infra.db.upgrade.")
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
