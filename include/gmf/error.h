/* SPDX-License-Identifier: MIT */
/*
 * error: library error codes and the last error message.
 *
 * Library functions return 0 on success or a negative GMF_E* code and leave
 * a message for the caller to read with gmf_error_last().  They never print
 * and never exit; only the command-line layer turns a code into text and an
 * exit status (cli_exit_status).  An outer call that has more to say sets
 * a new message that quotes the inner one (gmf_error_last() read first).
 * Free of libgit2: repo.c turns libgit2's errors into these.
 */
#ifndef GMF_ERROR_H
#define GMF_ERROR_H

enum {
	GMF_OK = 0,
	GMF_ERROR = -1,     /* generic failure */
	GMF_ENOTFOUND = -2, /* a file, directory, revision or key is missing */
	GMF_EIO = -3,       /* a read, write, rename or sync failed */
	GMF_EPARSE = -4,    /* input could not be understood */
	GMF_EUSAGE = -5,    /* the caller asked for something impossible */
	GMF_EREFUSED = -6,  /* a safety rule refuses the operation */
	GMF_EGIT = -7,      /* libgit2 reported an error */
	GMF_ECONFLICT = -8, /* the state changed under us */
};

int gmf_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets the message from errno: "<what>: strerror(errno)". */
int gmf_error_set_errno(int code, const char *what);
const char *gmf_error_last(void);
int gmf_error_code(void);
void gmf_error_clear(void);

#endif
