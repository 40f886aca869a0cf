/* SPDX-License-Identifier: MIT */
/*
 * install: wiring a repository so that merges, pulls and rebases repair
 * themselves (`git migrate-fix install`), and taking it out again
 * (`--uninstall`).
 *
 * What install writes is one journaled change (journal.h, in its own slot of
 * the state directory, `install/`): the hook shims in the directory git
 * really uses (core.hooksPath honoured; a hook of the user's is moved to
 * <hook>.git-migrate-fix-prev and still runs), the .gitattributes line of
 * each head lockfile and the lockfiles themselves (staged); then the merge
 * driver's configuration (its name and command always together).  A run
 * stopped anywhere is rolled back by the next writer's recovery.  The
 * journal's description is install's record: which hooks, lines and files
 * are its own, accumulated over installs, so --uninstall removes exactly
 * those, as one journaled change too, and leaves what others added.
 * Where a hook manager owns the hooks it integrates itself the way the
 * manager supports: the pre-commit framework runs our shim as
 * <hook>.legacy; lefthook gets our jobs in its local configuration
 * (lefthook-local.yml, listed in info/exclude); husky gets guarded lines in
 * the scripts it runs (.husky/<hook>, staged).  Lines of ours in another's
 * file sit between begin and end markers, removed byte for byte.
 * A core.hooksPath in the work tree gets its changes staged and named; one
 * outside the repository lists the repositories that use it, so the last
 * --uninstall alone removes the shims.  install --global writes only the
 * user's global configuration (through gitcmd.h), recording its keys.
 * Owns: that sequence and its record.
 * Must never: print, overwrite a hook that is not its own, remove a line
 * or file it did not add, or leave the driver configured without hooks.
 */
#ifndef GMF_INSTALL_H
#define GMF_INSTALL_H

#include "gmf/strbuf.h"
#include "gmf/workspace.h"

typedef struct {
	gmf_strbuf report;   /* lines for the user, in order */
	const char *manager; /* the hook manager that owns the hooks, or NULL */
	int changed;         /* anything was written */
} gmf_install_result;

#define GMF_INSTALL_RESULT_INIT { GMF_STRBUF_INIT, NULL, 0 }

/* ws must be opened with the write lock, in a repository with a work
 * tree. */
int gmf_install_run(gmf_install_result *out, gmf_workspace *ws);
/* GMF_ENOTFOUND: not installed here. */
int gmf_install_remove(gmf_install_result *out, gmf_workspace *ws);
/* install --global: the merge driver, and its leave to arm the hooks it
 * needs (migrate-fix.ondemand), in the user's global configuration (as
 * `git config --global` finds it); GMF_EREFUSED when one of those keys is
 * already set there to something else.  Needs no repository. */
int gmf_install_global(gmf_install_result *out);
/* Removes exactly the keys install --global set (and left unchanged);
 * GMF_EREFUSED when it did not run. */
int gmf_install_global_remove(gmf_install_result *out);
void gmf_install_result_release(gmf_install_result *r);

#endif
