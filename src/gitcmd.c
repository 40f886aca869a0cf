/* SPDX-License-Identifier: MIT */
/* gitcmd: see include/gmf/gitcmd.h. */
#include "gmf/gitcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/path.h"

/* In the child: never returns. */
static void child(const char *cwd, const char *const *argv, const char *const *env, int in,
		  int out, int err)
{
	size_t n = 0;
	const char **args;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	if (cwd && chdir(cwd) < 0)
		_exit(127);
	/* nested hooks must not re-enter the tool */
	if (setenv("GIT_MIGRATE_FIX_ACTIVE", "1", 1) < 0)
		_exit(127);
	for (const char *const *e = env; e && *e; e++)
		if (putenv((char *)*e) < 0)
			_exit(127);
	while (argv[n])
		n++;
	args = calloc(n + 2, sizeof(char *));
	if (!args)
		_exit(127);
	args[0] = "git";
	memcpy(args + 1, argv, n * sizeof(char *));
	execvp("git", (char *const *)args);
	_exit(127);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Feeds input and drains both outputs without blocking on either. */
static void pump(int in, int out, int err, const char *input, gmf_strbuf *o, gmf_strbuf *e)
{
	size_t left = input ? strlen(input) : 0;
	char buf[4096];
	if (!left)
		close_fd(&in);
	while (out >= 0 || err >= 0) {
		struct pollfd p[3];
		int np = 0, io = -1, ie = -1, ii = -1;
		if (out >= 0) {
			p[np].fd = out, p[np].events = POLLIN, io = np++;
		}
		if (err >= 0) {
			p[np].fd = err, p[np].events = POLLIN, ie = np++;
		}
		if (in >= 0) {
			p[np].fd = in, p[np].events = POLLOUT, ii = np++;
		}
		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ii >= 0 && p[ii].revents) {
			ssize_t w = (p[ii].revents & POLLOUT) ? write(in, input, left) : -1;
			if (w < 0 && errno != EINTR && errno != EAGAIN) {
				close_fd(&in);
			} else if (w > 0) {
				input += w;
				left -= (size_t)w;
				if (!left)
					close_fd(&in);
			}
		}
		if (io >= 0 && p[io].revents) {
			ssize_t r = read(out, buf, sizeof(buf));
			if (r > 0)
				gmf_strbuf_add(o, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				close_fd(&out);
		}
		if (ie >= 0 && p[ie].revents) {
			ssize_t r = read(err, buf, sizeof(buf));
			if (r > 0)
				gmf_strbuf_add(e, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				close_fd(&err);
		}
	}
	close_fd(&in);
	close_fd(&out);
	close_fd(&err);
}

int gmf_gitcmd_run(const char *cwd, const char *const *argv, const char *input,
		   const char *const *env, gmf_strbuf *out)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	gmf_strbuf err = GMF_STRBUF_INIT;
	pid_t pid;
	int status = 0, rc = 0;
	void (*old_pipe)(int);

	if (pipe(pin) < 0 || pipe(pout) < 0 || pipe(perr) < 0) {
		rc = gmf_error_set_errno(GMF_EIO, "cannot run git");
		goto cleanup;
	}
	/* git may exit before reading its input: a write error, not a signal */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid == 0) {
		close(pin[1]), close(pout[0]), close(perr[0]);
		child(cwd, argv, env, pin[0], pout[1], perr[1]);
	}
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	if (pid < 0) {
		signal(SIGPIPE, old_pipe);
		rc = gmf_error_set_errno(GMF_EIO, "cannot run git");
		goto cleanup;
	}
	(void)fcntl(pin[1], F_SETFL, O_NONBLOCK);
	pump(pin[1], pout[0], perr[0], input, out, &err);
	pin[1] = pout[0] = perr[0] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	signal(SIGPIPE, old_pipe);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (err.len && (err.buf[err.len - 1] == '\n' || err.buf[err.len - 1] == ' '))
			gmf_strbuf_setlen(&err, err.len - 1);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !err.len)
			rc = gmf_error_set(GMF_ENOTFOUND, "cannot run git: not found on PATH");
		else
			rc = gmf_error_set(GMF_ERROR, "git %s failed: %s", argv[0],
					   err.len ? err.buf : "no message");
	}
cleanup:
	for (int i = 0; i < 2; i++) {
		close_fd(&pin[i]);
		close_fd(&pout[i]);
		close_fd(&perr[i]);
	}
	gmf_strbuf_release(&err);
	return rc;
}

static void trim(gmf_strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		gmf_strbuf_setlen(sb, sb->len - 1);
}

int gmf_gitcmd_commit_tree(const char *gitdir, const char *tree_hex,
			   const char *const *parents, size_t nparents, const char *message,
			   const char *const *env, int sign, char **out_hex)
{
	const char **argv = gmf_xcalloc(2 * nparents + 4, sizeof(char *)), **e;
	gmf_strbuf out = GMF_STRBUF_INIT, dir = GMF_STRBUF_INIT;
	size_t n = 0, ne = 0;
	int rc;

	*out_hex = NULL;
	argv[n++] = "commit-tree";
	if (sign)
		argv[n++] = "-S";
	for (size_t i = 0; i < nparents; i++) {
		argv[n++] = "-p";
		argv[n++] = parents[i];
	}
	argv[n++] = tree_hex;
	while (env && env[ne])
		ne++;
	e = gmf_xcalloc(ne + 2, sizeof(char *));
	gmf_strbuf_addf(&dir, "GIT_DIR=%s", gitdir);
	e[0] = dir.buf;
	for (size_t i = 0; i < ne; i++)
		e[i + 1] = env[i];
	/* the message on standard input, byte for byte */
	rc = gmf_gitcmd_run(gitdir, argv, message, e, &out);
	trim(&out);
	if (rc == 0 && out.len < 40)
		rc = gmf_error_set(GMF_ERROR, "git commit-tree printed no commit id");
	if (rc == 0)
		*out_hex = gmf_strbuf_detach(&out, NULL);
	gmf_strbuf_release(&out);
	gmf_strbuf_release(&dir);
	free(argv);
	free(e);
	return rc;
}

int gmf_gitcmd_sign_default(const char *gitdir)
{
	static const char *const argv[] = { "config", "--type=bool", "commit.gpgsign", NULL };
	gmf_strbuf out = GMF_STRBUF_INIT, dir = GMF_STRBUF_INIT;
	const char *env[2];
	int on;
	gmf_strbuf_addf(&dir, "GIT_DIR=%s", gitdir);
	env[0] = dir.buf;
	env[1] = NULL;
	on = gmf_gitcmd_run(gitdir, argv, NULL, env, &out) == 0 && !strncmp(out.buf, "true", 4);
	gmf_error_clear();
	gmf_strbuf_release(&out);
	gmf_strbuf_release(&dir);
	return on;
}

char *gmf_gitcmd_hooks_dir(const char *gitdir, const char *workdir)
{
	static const char *const argv[] = { "rev-parse", "--git-path", "hooks", NULL };
	gmf_strbuf out = GMF_STRBUF_INIT, dir = GMF_STRBUF_INIT;
	const char *env[2];
	const char *cwd = workdir ? workdir : gitdir;
	char *abs = NULL;
	gmf_strbuf_addf(&dir, "GIT_DIR=%s", gitdir);
	env[0] = dir.buf;
	env[1] = NULL;
	if (gmf_gitcmd_run(cwd, argv, NULL, env, &out) == 0) {
		trim(&out);
		if (out.len)
			abs = gmf_path_absolute(cwd, out.buf);
	}
	gmf_error_clear();
	gmf_strbuf_release(&out);
	gmf_strbuf_release(&dir);
	return abs;
}

int gmf_gitcmd_global_config_get(const char *key, char **out)
{
	const char *argv[] = { "config", "--global", "--get", key, NULL };
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc = gmf_gitcmd_run(NULL, argv, NULL, NULL, &sb);
	*out = NULL;
	if (rc == 0) {
		trim(&sb);
		*out = gmf_strbuf_detach(&sb, NULL);
	} else if (rc == GMF_ERROR && !strstr(gmf_error_last(), "fatal") &&
		   !strstr(gmf_error_last(), "error")) {
		/* exit 1 without a message: the key is not set */
		gmf_error_clear();
		rc = GMF_ENOTFOUND;
	}
	gmf_strbuf_release(&sb);
	return rc;
}

int gmf_gitcmd_global_config_set(const char *key, const char *value)
{
	const char *set[] = { "config", "--global", key, value, NULL };
	const char *unset[] = { "config", "--global", "--unset-all", key, NULL };
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *cur = NULL;
	int rc = 0;
	if (value)
		rc = gmf_gitcmd_run(NULL, set, NULL, NULL, &sb);
	else if ((rc = gmf_gitcmd_global_config_get(key, &cur)) == 0)
		rc = gmf_gitcmd_run(NULL, unset, NULL, NULL, &sb);
	else if (rc == GMF_ENOTFOUND)
		rc = 0; /* nothing to remove */
	free(cur);
	gmf_strbuf_release(&sb);
	return rc;
}

int gmf_gitcmd_global_section_prune(const char *section)
{
	gmf_strbuf re = GMF_STRBUF_INIT, sb = GMF_STRBUF_INIT;
	const char *get[] = { "config", "--global", "--get-regexp", NULL, NULL };
	const char *rm[] = { "config", "--global", "--remove-section", section, NULL };
	/* the dots of the section name match themselves too: close enough
	 * for names of ours */
	gmf_strbuf_addf(&re, "^%s\\.", section);
	get[3] = re.buf;
	/* exit 1 when no key matches: nothing of anyone's is left in it */
	if (gmf_gitcmd_run(NULL, get, NULL, NULL, &sb) < 0 || !sb.len) {
		gmf_strbuf_setlen(&sb, 0);
		(void)gmf_gitcmd_run(NULL, rm, NULL, NULL, &sb); /* no such section: fine */
	}
	gmf_error_clear();
	gmf_strbuf_release(&sb);
	gmf_strbuf_release(&re);
	return 0;
}
