# SPDX-License-Identifier: MIT
# tests/project-lib.sh: builds real Alembic projects in real git
# repositories for the repair tests (fix, merge, undo, failures).
# Source it after lib.sh.  POSIX sh.

# new_project DIR [FILE_TEMPLATE]: a git repository with a runnable Alembic
# project on SQLite, a bare clone as `origin`, branch main pushed.
new_project () {
	np_dir=$1
	mkdir -p "$np_dir/migrations/versions" &&
	(
		cd "$np_dir" &&
		git init -q -b main . &&
		{
			echo '[alembic]'
			echo 'script_location = %(here)s/migrations'
			test -z "${2-}" || echo "file_template = $2"
			echo 'sqlalchemy.url = sqlite:///%(here)s/app.db'
			echo
			echo '[loggers]'
			echo 'keys = root,alembic'
			echo '[logger_alembic]'
			echo 'level = INFO'
			echo 'handlers ='
			echo 'qualname = alembic'
			echo '[handlers]'
			echo 'keys = console'
			echo '[formatters]'
			echo 'keys = generic'
			echo '[logger_root]'
			echo 'level = WARN'
			echo 'handlers = console'
			echo '[handler_console]'
			echo 'class = StreamHandler'
			echo 'args = (sys.stderr,)'
			echo 'level = NOTSET'
			echo 'formatter = generic'
			echo '[formatter_generic]'
			echo 'format = %(levelname)-5.5s [%(name)s] %(message)s'
		} >alembic.ini &&
		cat >migrations/env.py <<-'PY' &&
		from logging.config import fileConfig

		from sqlalchemy import engine_from_config, pool

		from alembic import context

		config = context.config
		if config.config_file_name is not None:
		    fileConfig(config.config_file_name)


		def run() -> None:
		    if context.is_offline_mode():
		        context.configure(url=config.get_main_option("sqlalchemy.url"),
		                          literal_binds=True)
		        with context.begin_transaction():
		            context.run_migrations()
		        return
		    engine = engine_from_config(config.get_section(config.config_ini_section),
		                                prefix="sqlalchemy.", poolclass=pool.NullPool)
		    with engine.connect() as connection:
		        context.configure(connection=connection)
		        with context.begin_transaction():
		            context.run_migrations()


		run()
		PY
		cat >migrations/script.py.mako <<-'MAKO' &&
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
		down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
		branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
		depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


		def upgrade() -> None:
		    ${upgrades if upgrades else "pass"}


		def downgrade() -> None:
		    ${downgrades if downgrades else "pass"}
		MAKO
		printf '*.db\n__pycache__/\n' >.gitignore &&
		git add -A && git commit -q -m 'alembic project' &&
		git clone -q --bare . ../"$(basename "$np_dir")"-origin.git &&
		git remote add origin ../"$(basename "$np_dir")"-origin.git &&
		git fetch -q origin &&
		git branch -q --set-upstream-to=origin/main main &&
		git remote set-head origin main >/dev/null
	)
}

# mig FILE REV DOWN MESSAGE: writes migrations/versions/FILE (in the cwd's
# project) in the style of Alembic's typed template, creating a table named
# after the revision so upgrades really run.  DOWN: None, one id, or
# several ids separated by spaces (a merge point).
mig () {
	mig_table=t_$(printf '%s' "$2" | tr -c 'A-Za-z0-9_\n' '_')
	case $3 in
	None) mig_down=None; mig_revises= ;;
	*' '*)
		mig_down="($(printf '"%s", ' $3 | sed 's/, $//'))"
		mig_revises=$(printf '%s, ' $3 | sed 's/, $//')
		;;
	*) mig_down="\"$3\""; mig_revises=$3 ;;
	esac
	cat >"migrations/versions/$1" <<-EOF
	"""$4

	Revision ID: $2
	Revises: $mig_revises
	Create Date: 2026-03-09 10:15:02.118832

	"""
	from typing import Sequence, Union

	from alembic import op
	import sqlalchemy as sa

	# revision identifiers, used by Alembic.
	revision: str = "$2"
	down_revision: Union[str, Sequence[str], None] = $mig_down
	branch_labels: Union[str, Sequence[str], None] = None
	depends_on: Union[str, Sequence[str], None] = None


	def upgrade() -> None:
	    op.create_table(
	        "$mig_table",
	        sa.Column("id", sa.Integer(), primary_key=True),
	        sa.Column("name", sa.String(64), nullable=False),  # $2 stays here
	    )


	def downgrade() -> None:
	    op.drop_table("$mig_table")
	EOF
}

# commit_all MESSAGE
commit_all () {
	git add -A && git commit -q -m "$1"
}

# alembic_cycle: exactly one head, and upgrade/downgrade/upgrade succeed.
alembic_cycle () {
	"$ALEMBIC" heads >.heads 2>.heads.err &&
	test "$(grep -c '(head)' .heads)" = 1 &&
	"$ALEMBIC" upgrade head >/dev/null 2>.up.err &&
	"$ALEMBIC" downgrade base >/dev/null 2>.down.err &&
	"$ALEMBIC" upgrade head >/dev/null 2>.up2.err &&
	rm -f .heads .heads.err .up.err .down.err .up2.err app.db
}

# snapshot: what a user can observe of the repository state: work tree
# files (content ids), the index, and status.
snapshot () {
	git ls-files -s &&
	git status --porcelain --untracked-files=all -- migrations alembic.ini &&
	find migrations -type f ! -path '*__pycache__*' | LC_ALL=C sort |
	while read -r f
	do
		printf '%s %s\n' "$(git hash-object "$f")" "$f"
	done
}
