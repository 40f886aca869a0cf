/* repo: see include/gmf/repo.h. */
#include "gmf/repo.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "gmf/error.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

struct gmf_repo {
	git_repository *git;
	char *workdir;
	char *gitdir;
	char *commondir;
};

void gmf_repo_global_init(void)
{
	git_libgit2_init();
}

void gmf_repo_global_shutdown(void)
{
	git_libgit2_shutdown();
}

static char *strip_slash(const char *p)
{
	char *s = gmf_xstrdup(p);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int gmf_repo_open(gmf_repo **out, const char *dir)
{
	git_repository *git = NULL;
	gmf_repo *r;
	int err;

	*out = NULL;
	err = git_repository_open_ext(&git, dir, 0, NULL);
	if (err == GIT_ENOTFOUND)
		return gmf_error_set(GMF_ENOTFOUND, "'%s' is not inside a git repository", dir);
	if (err < 0)
		return gmf_error_set_git("cannot open the git repository");
	r = gmf_xcalloc(1, sizeof(*r));
	r->git = git;
	if (git_repository_workdir(git))
		r->workdir = strip_slash(git_repository_workdir(git));
	r->gitdir = strip_slash(git_repository_path(git));
	r->commondir = strip_slash(git_repository_commondir(git));
	*out = r;
	return 0;
}

void gmf_repo_free(gmf_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->workdir);
	free(r->gitdir);
	free(r->commondir);
	free(r);
}

const char *gmf_repo_workdir(const gmf_repo *r)
{
	return r->workdir;
}

const char *gmf_repo_gitdir(const gmf_repo *r)
{
	return r->gitdir;
}

const char *gmf_repo_commondir(const gmf_repo *r)
{
	return r->commondir;
}

git_repository *gmf_repo_git(gmf_repo *r)
{
	return r->git;
}

int gmf_repo_config_get(gmf_repo *r, const char *key, char **out)
{
	git_config *cfg = NULL, *snap = NULL;
	const char *val;
	int rc = GMF_ENOTFOUND;

	*out = NULL;
	if (git_repository_config(&cfg, r->git) < 0)
		return gmf_error_set_git("cannot read git config");
	if (git_config_snapshot(&snap, cfg) < 0) {
		rc = gmf_error_set_git("cannot read git config");
		goto cleanup;
	}
	if (git_config_get_string(&val, snap, key) == 0) {
		*out = gmf_xstrdup(val);
		rc = 0;
	}
cleanup:
	git_config_free(snap);
	git_config_free(cfg);
	return rc;
}

int gmf_repo_config_get_all(gmf_repo *r, const char *key, char ***out, size_t *n)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	size_t alloc = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (git_repository_config(&cfg, r->git) < 0)
		return gmf_error_set_git("cannot read git config");
	if (git_config_multivar_iterator_new(&it, cfg, key, NULL) < 0) {
		rc = GMF_ENOTFOUND;
		goto cleanup;
	}
	while (git_config_next(&e, it) == 0) {
		GMF_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = gmf_xstrdup(e->value ? e->value : "");
	}
	if (!*n)
		rc = GMF_ENOTFOUND;
cleanup:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return rc;
}
