#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate a realistic Alembic project for the benchmarks.

usage: gen_project.py DIR COUNT

Writes DIR/alembic.ini, DIR/migrations/{env.py,script.py.mako,README} and
DIR/migrations/versions/ with COUNT migrations in one linear chain, named the
way `alembic revision --rev-id 00042_add_table_42` names them (file_template
= %%(rev)s, so the revision id equals the file stem).  Each file looks like
what Alembic 1.13's template and autogenerate produce: docstring header,
typed identifiers, an op.create_table() with several columns, an index and
the matching downgrade; 1-2 KB each.  Output is deterministic (fixed dates,
no randomness), so a cache keyed on this file's content stays valid.

Nothing here is imported or executed by git-migrate-fix; the real `alembic`
imports every file when it builds its revision map.
"""
import datetime
import os
import sys

ALEMBIC_INI = """\
# A generated project for tests/bench/run.sh: COUNT migrations in one chain.
[alembic]
script_location = %(here)s/migrations
# Sequence-numbered ids: `alembic revision --rev-id 00042_add_x -m "add x"`
file_template = %%(rev)s
prepend_sys_path = .
version_path_separator = os
sqlalchemy.url = sqlite:///%(here)s/bench.db

[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ENV_PY = '''\
from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# add your model's MetaData object here for 'autogenerate' support
target_metadata = None


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

HEADER = '''\
"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: {date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

'''

# Extra columns, cycled so that files differ in size (about 1.2-2 KB).
EXTRA_COLUMNS = [
    '        sa.Column("email", sa.String(length=320), nullable=True),\n',
    '        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=True),\n',
    '        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),\n',
    '        sa.Column("payload", sa.JSON(), nullable=True),\n',
    '        sa.Column("external_ref", sa.String(length=64), nullable=True),\n',
]


def create_table(i):
    t = "table_%d" % i
    cols = [
        '        sa.Column("id", sa.Integer(), nullable=False),\n',
        '        sa.Column("name", sa.String(length=255), nullable=False),\n',
        '        sa.Column("description", sa.Text(), nullable=True),\n',
        '        sa.Column("owner_id", sa.Integer(), nullable=True),\n',
        '        sa.Column("status", sa.String(length=32), server_default="active", nullable=False),\n',
        '        sa.Column("created_at", sa.DateTime(timezone=True), '
        'server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),\n',
        '        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),\n',
    ]
    cols += EXTRA_COLUMNS[: i % (len(EXTRA_COLUMNS) + 1)]
    up = ["def upgrade() -> None:\n",
          "    # ### commands auto generated by Alembic - please adjust! ###\n",
          "    op.create_table(\n",
          '        "%s",\n' % t]
    up += cols
    if i > 1:
        up.append('        sa.ForeignKeyConstraint(["owner_id"], ["table_%d.id"], '
                  'ondelete="SET NULL"),\n' % (i - 1))
    up += ['        sa.PrimaryKeyConstraint("id"),\n',
           '        sa.UniqueConstraint("name", name="uq_%s_name"),\n' % t,
           "    )\n",
           '    op.create_index(op.f("ix_%s_owner_id"), "%s", ["owner_id"], unique=False)\n'
           % (t, t),
           "    # ### end Alembic commands ###\n"]
    down = ["def downgrade() -> None:\n",
            "    # ### commands auto generated by Alembic - please adjust! ###\n",
            '    op.drop_index(op.f("ix_%s_owner_id"), table_name="%s")\n' % (t, t),
            '    op.drop_table("%s")\n' % t,
            "    # ### end Alembic commands ###\n"]
    return "add table_%d" % i, "add_table_%d" % i, "".join(up), "".join(down)


def add_columns(i):
    # Every tenth migration alters an earlier table instead.
    t = "table_%d" % (i - 1)
    up = ("def upgrade() -> None:\n"
          "    # ### commands auto generated by Alembic - please adjust! ###\n"
          '    op.add_column("{t}", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))\n'
          '    op.add_column("{t}", sa.Column("archived_by", sa.Integer(), nullable=True))\n'
          '    op.add_column("{t}", sa.Column("version", sa.Integer(), server_default="1", nullable=False))\n'
          '    op.create_foreign_key(\n'
          '        "fk_{t}_archived_by_users", "{t}", "table_1", ["archived_by"], ["id"], ondelete="SET NULL"\n'
          "    )\n"
          '    op.create_index("ix_{t}_archived_at", "{t}", ["archived_at"], unique=False)\n'
          "    # ### end Alembic commands ###\n").format(t=t)
    down = ("def downgrade() -> None:\n"
            "    # ### commands auto generated by Alembic - please adjust! ###\n"
            '    op.drop_index("ix_{t}_archived_at", table_name="{t}")\n'
            '    op.drop_constraint("fk_{t}_archived_by_users", "{t}", type_="foreignkey")\n'
            '    op.drop_column("{t}", "version")\n'
            '    op.drop_column("{t}", "archived_by")\n'
            '    op.drop_column("{t}", "archived_at")\n'
            "    # ### end Alembic commands ###\n").format(t=t)
    return ("archive flags on %s" % t, "archive_%s" % t, up, down)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gen_project.py DIR COUNT\n")
        return 2
    root, count = argv[1], int(argv[2])
    width = max(5, len(str(count)))
    mig = os.path.join(root, "migrations")
    versions = os.path.join(mig, "versions")
    os.makedirs(versions)
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI.replace("COUNT", str(count), 1))
    with open(os.path.join(mig, "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(mig, "script.py.mako"), "w") as f:
        f.write(SCRIPT_MAKO)
    with open(os.path.join(mig, "README"), "w") as f:
        f.write("Generic single-database configuration.\n")

    start = datetime.datetime(2019, 1, 7, 9, 30, 0, 123456)
    prev = None
    total = 0
    for i in range(1, count + 1):
        if i % 10 == 0:
            message, slug, up, down = add_columns(i)
        else:
            message, slug, up, down = create_table(i)
        rev = "%0*d_%s" % (width, i, slug)
        date = start + datetime.timedelta(hours=7 * i, seconds=i % 3600)
        text = (HEADER.format(message=message, rev=rev, revises=prev or "",
                              down=prev, date=date)
                + "\n" + up + "\n\n" + down)
        with open(os.path.join(versions, rev + ".py"), "w") as f:
            f.write(text)
        total += len(text)
        prev = rev
    sys.stdout.write("%d %d %s\n" % (count, total, prev))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
