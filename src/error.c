/* SPDX-License-Identifier: MIT */
/* error: see include/gmf/error.h. */
#include "gmf/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


/* per thread: files are parsed on several threads */
static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

int gmf_error_set(int code, const char *fmt, ...)
{
	char msg[sizeof(last_msg)];
	va_list ap;
	/* through a copy: the arguments often include gmf_error_last() */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_msg, msg, sizeof(msg));
	last_code = code;
	return code;
}

int gmf_error_set_errno(int code, const char *what)
{
	return gmf_error_set(code, "%s: %s", what, strerror(errno));
}


const char *gmf_error_last(void)
{
	return last_msg[0] ? last_msg : "unknown error";
}

int gmf_error_code(void)
{
	return last_code;
}

void gmf_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}
